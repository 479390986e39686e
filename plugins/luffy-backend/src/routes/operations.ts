import type { HttpAuthService } from '@backstage/backend-plugin-api';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import {
  describeOperation,
  TooManyOperationsError,
  type OperationsService,
} from '../services/operations';
import { entityRefFromParams, parse } from './http';

const body = z
  .object({
    dryRun: z.boolean().optional(),
    confirmationToken: z.string().max(500).optional(),
  })
  .passthrough();

const workloadsQuery = z
  .object({ environment: z.string().min(1).max(63).optional() })
  .strict();

const runParams = z.object({
  runId: z.coerce.number().int().positive(),
});

/**
 * Day-2 operations: `GET /operations` (ids, titles, JSON schemas) and
 * `POST /entity/:namespace/:kind/:name/operations/:op` `{...input, dryRun?, confirmationToken?}`,
 * and `GET /entity/:namespace/:kind/:name/workloads?environment=` (Deployments, rollout health
 * and pods per environment: the pod rows and live progress of the Operations UI), and
 * `GET /entity/:namespace/:kind/:name/workflow-runs/:runId` (a run with its jobs and links).
 */
export function createOperationsRouter(options: {
  httpAuth: HttpAuthService;
  operations: OperationsService;
}) {
  const { httpAuth, operations } = options;
  const router = Router();

  router.get('/operations', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({
      items: operations.list().map(o => describeOperation(o.definition)),
    });
  });

  router.get('/entity/:namespace/:kind/:name/workloads', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { environment } = parse(workloadsQuery, req.query);
    res.json({
      environments: await operations.workloads({
        entityRef: entityRefFromParams(req.params),
        credentials,
        environment,
      }),
    });
  });

  router.get(
    '/entity/:namespace/:kind/:name/workflow-runs/:runId',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const { runId } = parse(runParams, { runId: req.params.runId });
      res.json(
        await operations.workflowRun({
          entityRef: entityRefFromParams(req.params),
          credentials,
          runId,
        }),
      );
    },
  );

  router.post(
    '/entity/:namespace/:kind/:name/operations/:op',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const entityRef = entityRefFromParams(req.params);
      const { dryRun, confirmationToken, ...input } = parse(
        body,
        req.body ?? {},
      );
      try {
        res.json(
          await operations.run({
            entityRef,
            operation: req.params.op,
            input,
            credentials,
            dryRun,
            confirmationToken,
            via: 'http',
          }),
        );
      } catch (e) {
        if (e instanceof TooManyOperationsError) {
          res.setHeader('Retry-After', String(e.retryAfterSeconds));
        }
        throw e;
      }
    },
  );

  return router;
}
