import type { HttpAuthService } from '@backstage/backend-plugin-api';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { LuffyStore } from '../database/types';
import { paging, parse } from './http';

const auditQuery = z.object({
  actor: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  ...paging,
});

/** `GET /audit`. */
export function createAuditRouter(options: {
  httpAuth: HttpAuthService;
  store: LuffyStore;
}) {
  const { httpAuth, store } = options;
  const router = Router();
  router.get('/audit', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(await store.listAudit(parse(auditQuery, req.query)));
  });
  return router;
}
