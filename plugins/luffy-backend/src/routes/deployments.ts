import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import type { PullRequestService } from '../services/pullRequests';

/**
 * `GET /entity/:namespace/:kind/:name/deployments[?revision=<sha>]`: the entity's Argo CD
 * applications per environment (sync, health, revision, unhealthy resources); with `revision`
 * (a merge commit), whether each environment has rolled it out.
 */
export function createDeploymentsRouter(options: {
  httpAuth: HttpAuthService;
  pullRequests: PullRequestService;
}): express.Router {
  const { httpAuth, pullRequests } = options;
  const router = Router();
  router.get('/entity/:namespace/:kind/:name/deployments', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const revision = req.query.revision;
    if (
      revision !== undefined &&
      (typeof revision !== 'string' || !/^[0-9a-f]{7,40}$/i.test(revision))
    ) {
      throw new InputError('revision must be a git commit SHA');
    }
    res.json(
      await pullRequests.deployments(
        {
          namespace: req.params.namespace,
          kind: req.params.kind,
          name: req.params.name,
        },
        { credentials, revision: revision as string | undefined },
      ),
    );
  });
  return router;
}
