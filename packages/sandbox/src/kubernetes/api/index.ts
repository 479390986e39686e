import express from 'express';
import type { SandboxContext } from '../../core/context';
import { simulatorState } from '../../simulator/state';
import type { MemoryClusterStore } from '../store';
import { registerDiscoveryRoutes, registerHealthRoutes } from './discovery';
import { dispatch } from './objects';
import type { ApiDeps, Req } from './request';
import { resolveTarget } from './target';

export { KUBE_VERSION } from './discovery';
export { resolveTarget } from './target';

/**
 * Express router for the Kubernetes API paths. Each concern has its file here: discovery.ts
 * (version, /api, /apis), objects.ts (the verbs on collections and objects), list.ts, watch.ts,
 * subresources.ts (status, scale), logs.ts, metrics.ts; request.ts holds the shared helpers.
 */
export function createApiRouter(
  ctx: SandboxContext,
  store: MemoryClusterStore,
): express.Router {
  const router = express.Router();
  const deps: ApiDeps = { ctx, store, sim: simulatorState(ctx) };

  registerHealthRoutes(router);
  router.use(bearerTokenAuth(ctx.tokens.kubernetes));
  router.use(express.text({ type: () => true, limit: '20mb' }));
  registerDiscoveryRoutes(router);

  const handle =
    (prefix: string, apiVersion: string) =>
    async (req: Req, res: express.Response, next: express.NextFunction) => {
      try {
        const rest = String((req.params as any)[0] ?? '');
        const target = resolveTarget(apiVersion, rest, prefix);
        if (!target) return next();
        req.sandboxRoute = target.route;
        await dispatch(deps, req, res, target);
      } catch (e) {
        next(e);
      }
      return undefined;
    };

  router.all('/api/v1/*', handle('/api/v1', 'v1'));
  router.all('/apis/:group/:version/*', (req, res, next) => {
    const gv = `${req.params.group}/${req.params.version}`;
    return handle(`/apis/${gv}`, gv)(req as Req, res, next);
  });
  return router;
}

/** Bearer token auth on every API path (401 `Status` otherwise). */
function bearerTokenAuth(expected: string): express.RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (token !== expected) {
      res.status(401).json({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      return;
    }
    next();
  };
}
