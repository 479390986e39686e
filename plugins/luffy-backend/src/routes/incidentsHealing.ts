import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { luffyIncidentDecidePermission } from '@openluffy/plugin-luffy-common';
import type { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { actorOf, type AuditLog } from '../services/AuditLog';
import type { HealingEngine } from '../services/healing/HealingEngine';
import type { HealingStore } from '../services/healing/HealingStore';
import { entityRefFromParams, parse } from './http';

const decision = z
  .object({
    reason: z.string().max(2000).optional(),
    mergeMethod: z.enum(['squash', 'merge', 'rebase']).optional(),
  })
  .strict();

const idParam = z.object({ id: z.string().uuid() });

/**
 * The healing API: `GET /incidents/:id` (timeline, redacted context, diagnosis, fix),
 * `POST /incidents/:id/approve|dismiss` (permission `luffy.incident.decide`, audited),
 * `GET /healing/status` and `GET /entity/:namespace/:kind/:name/healing` (per-entity errors).
 */
export function createIncidentsHealingRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  engine: HealingEngine;
  store: HealingStore;
  auditLog: AuditLog;
  enabled: boolean;
  diagnoser: string;
}) {
  const { httpAuth, permissions, engine, store } = options;
  const router = Router();

  const decider = async (req: Request) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [result] = await permissions.authorize(
      [{ permission: luffyIncidentDecidePermission }],
      {
        credentials,
      },
    );
    const actor = actorOf(credentials);
    if (result.result !== AuthorizeResult.ALLOW) {
      await options.auditLog.record({
        actor,
        action: `incident.${
          req.path.endsWith('/approve') ? 'approve' : 'dismiss'
        }`,
        target: `incident:${req.params.id}`,
        input: { incidentId: req.params.id },
        outcome: 'denied',
      });
      throw new NotAllowedError(
        'Deciding on incidents needs the permission luffy.incident.decide',
      );
    }
    return actor;
  };

  router.get('/healing/status', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({
      enabled: options.enabled,
      diagnoser: options.diagnoser,
      autonomy: engine.settings.autonomy,
      entitiesWithErrors: await store.entityStatuses({ withErrorsOnly: true }),
    });
  });

  router.get('/entity/:namespace/:kind/:name/healing', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const entityRef = entityRefFromParams(req.params);
    const [status] = await store.entityStatuses({ entityRef });
    res.json(status ?? { entityRef, errors: [] });
  });

  router.get('/incidents/:id', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const { id } = parse(idParam, req.params);
    res.json(await store.getDetail(id));
  });

  router.post('/incidents/:id/approve', async (req, res) => {
    const actor = await decider(req);
    const { id } = parse(idParam, req.params);
    const body = parse(decision, req.body ?? {});
    res.json(
      await engine.approve(id, {
        actor,
        reason: body.reason,
        mergeMethod: body.mergeMethod,
      }),
    );
  });

  router.post('/incidents/:id/dismiss', async (req, res) => {
    const actor = await decider(req);
    const { id } = parse(idParam, req.params);
    const body = parse(decision.omit({ mergeMethod: true }), req.body ?? {});
    res.json(await engine.dismiss(id, { actor, reason: body.reason }));
  });

  return router;
}
