import type { HttpAuthService } from '@backstage/backend-plugin-api';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { LuffyStore } from '../database/types';
import { computeMetrics } from '../services/metrics/computeMetrics';
import { parse } from './http';

const DAY = 24 * 60 * 60_000;

const metricsQuery = z.object({
  /** Entity refs, repeated or comma-separated (the page's service/owner filter). */
  entity: z
    .union([z.string(), z.array(z.string())])
    .transform(v =>
      (Array.isArray(v) ? v : v.split(','))
        .map(s => s.trim().toLocaleLowerCase('en-US'))
        .filter(Boolean),
    )
    .refine(v => v.length <= 500, { message: 'at most 500 entities' })
    .optional(),
  weeks: z.coerce.number().int().min(1).max(104).default(12),
});

/**
 * `GET /metrics?entity=<ref>[,<ref>…]&weeks=12`: heals per week, success rate per runbook,
 * median time to heal and healing PR lead time, computed from the stored incidents and their
 * transitions (see services/metrics/computeMetrics).
 */
export function createMetricsRouter(options: {
  httpAuth: HttpAuthService;
  store: LuffyStore;
  now?: () => number;
}) {
  const { httpAuth, store } = options;
  const now = options.now ?? Date.now;
  const router = Router();

  router.get('/metrics', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const q = parse(metricsQuery, req.query);
    const at = now();
    const incidents = await store.listMetricsIncidents({
      entityRefs: q.entity,
      // the window starts on a Monday at most `weeks` weeks back
      since: new Date(at - q.weeks * 7 * DAY),
    });
    res.json(computeMetrics(incidents, { now: at, weeks: q.weeks }));
  });

  return router;
}
