import type { HttpAuthService } from '@backstage/backend-plugin-api';
import {
  INCIDENT_STATUSES,
  type IncidentStatus,
} from '@openluffy/plugin-luffy-common';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { LuffyStore } from '../database/types';
import { entityRefFromParams, paging, parse } from './http';

const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform(v => (Array.isArray(v) ? v : v.split(',')).filter(Boolean))
  .refine(
    v => v.every(s => (INCIDENT_STATUSES as readonly string[]).includes(s)),
    { message: `status must be among ${INCIDENT_STATUSES.join(', ')}` },
  )
  .transform(v => v as IncidentStatus[]);

const incidentQuery = z.object({
  status: statusList.optional(),
  entity: z.string().min(1).optional(),
  ...paging,
});

/** `GET /incidents` and `GET /entity/:namespace/:kind/:name/incidents`. */
export function createIncidentsRouter(options: {
  httpAuth: HttpAuthService;
  store: LuffyStore;
}) {
  const { httpAuth, store } = options;
  const router = Router();

  router.get('/incidents', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const q = parse(incidentQuery, req.query);
    res.json(
      await store.listIncidents({
        status: q.status,
        entityRef: q.entity?.toLocaleLowerCase('en-US'),
        limit: q.limit,
        offset: q.offset,
      }),
    );
  });

  router.get('/entity/:namespace/:kind/:name/incidents', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const q = parse(incidentQuery.omit({ entity: true }), req.query);
    res.json(
      await store.listIncidents({
        entityRef: entityRefFromParams(req.params),
        status: q.status,
        limit: q.limit,
        offset: q.offset,
      }),
    );
  });

  return router;
}
