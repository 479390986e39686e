import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { luffyOperationRunPermission } from '@openluffy/plugin-luffy-common';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { actorOf, type AuditLog } from '../services/AuditLog';
import type { Investigations } from '../services/healing/investigations';
import { entityRefFromParams, parse } from './http';

const body = z
  .object({
    question: z.string().min(3).max(2000),
    environment: z.string().min(1).max(63).optional(),
  })
  .strict();

/**
 * `POST /entity/:namespace/:kind/:name/investigate` {question, environment?}: a read-only
 * investigation ("why is X slow/broken?") returning a report. Permission
 * `luffy.operation.run` on the entity (it spends model tokens); audited, refusals too.
 */
export function createInvestigateRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditLog: AuditLog;
  investigations: Investigations;
}) {
  const { httpAuth, permissions, auditLog, investigations } = options;
  const router = Router();

  router.post(
    '/entity/:namespace/:kind/:name/investigate',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const entityRef = entityRefFromParams(req.params);
      const input = parse(body, req.body ?? {});
      const actor = actorOf(credentials);
      const [decision] = await permissions.authorize(
        [{ permission: luffyOperationRunPermission, resourceRef: entityRef }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        await auditLog.record({
          actor,
          action: 'entity.investigate',
          target: entityRef,
          input,
          outcome: 'denied',
        });
        throw new NotAllowedError(
          'Investigating needs the permission luffy.operation.run on the entity',
        );
      }
      const report = await auditLog.track(
        {
          actor,
          action: 'entity.investigate',
          target: entityRef,
          input: { ...input, investigator: investigations.investigatorId },
        },
        () => investigations.investigate({ entityRef, ...input }),
      );
      res.json(report);
    },
  );

  return router;
}
