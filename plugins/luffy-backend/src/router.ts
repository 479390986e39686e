import type {
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  INCIDENT_STATUSES,
  type HealthResponse,
  type IncidentStatus,
} from '@openluffy/plugin-luffy-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { LuffyStore } from './database/LuffyStore';

const paging = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
};

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

const auditQuery = z.object({
  actor: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  ...paging,
});

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues
        .map(i => `${i.path.join('.') || 'query'}: ${i.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}

export async function createRouter(options: {
  httpAuth: HttpAuthService;
  logger: LoggerService;
  store: LuffyStore;
}): Promise<express.Router> {
  const { httpAuth, store } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    const body: HealthResponse = { status: 'ok' };
    res.json(body);
  });

  router.get('/incidents', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const q = parse(incidentQuery, req.query);
    res.json(
      await store.listIncidents({
        status: q.status,
        entityRef: q.entity,
        limit: q.limit,
        offset: q.offset,
      }),
    );
  });

  router.get('/entity/:namespace/:kind/:name/incidents', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const { namespace, kind, name } = req.params;
    const q = parse(incidentQuery.omit({ entity: true }), req.query);
    res.json(
      await store.listIncidents({
        entityRef: `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US'),
        status: q.status,
        limit: q.limit,
        offset: q.offset,
      }),
    );
  });

  router.get('/audit', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(await store.listAudit(parse(auditQuery, req.query)));
  });

  return router;
}
