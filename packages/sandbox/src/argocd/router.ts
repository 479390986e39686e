import express from 'express';
import type { SandboxContext } from '../core/context';
import type { ArgoCdController } from './controller';
import { applicationRoutes } from './routes/applications';
import { operationRoutes } from './routes/operations';
import { projectRoutes } from './routes/projects';
import { resourceRoutes } from './routes/resources';
import {
  ARGOCD_PASSWORD,
  ARGOCD_USERNAME,
  fail,
  notFound,
  wrap,
  type RouteDeps,
} from './routes/shared';

export { ARGOCD_PASSWORD, ARGOCD_USERNAME, presentApp } from './routes/shared';
export { applyJsonPatch, mergePatch } from './patch';

/**
 * The Argo CD REST API subset (grpc-gateway JSON under /api/v1), bearer-token protected.
 * Routes by concern in `routes/`: applications (CRUD), operations (sync, rollback, terminate),
 * resources (tree, manifests, actions, logs, ...), projects.
 */
export function createArgoCdRouter(
  ctx: SandboxContext,
  controller: ArgoCdController,
): express.Router {
  const router = express.Router();
  // strict: false: resource actions send the action name as a bare JSON string
  router.use(express.json({ limit: '10mb', strict: false }));
  const token = ctx.tokens.argocd;

  router.post(
    '/api/v1/session',
    wrap((req, res) => {
      const { username, password } = req.body ?? {};
      if (username !== ARGOCD_USERNAME || password !== ARGOCD_PASSWORD) {
        fail(res, 401, 'Invalid username or password');
        return;
      }
      res.json({ token });
    }),
  );

  router.get('/api/version', (_req, res) => {
    res.json({
      Version: 'v2.13.0+sandbox',
      BuildDate: '2026-01-01T00:00:00Z',
      Platform: 'linux/amd64',
    });
  });

  router.get('/api/v1/settings', (_req, res) => {
    res.json({
      url: ctx.urls.argocd ?? '',
      appLabelKey: 'app.kubernetes.io/instance',
      trackingMethod: 'label',
    });
  });

  // everything else needs the token
  router.use('/api/v1', (req, res, next) => {
    const auth = req.header('authorization') ?? '';
    const cookie = /(?:^|;\s*)argocd\.token=([^;]+)/.exec(
      req.header('cookie') ?? '',
    )?.[1];
    const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? cookie;
    if (!given) {
      fail(res, 401, 'no session information');
      return;
    }
    if (given !== token) {
      fail(res, 401, 'invalid session: token signature is invalid');
      return;
    }
    next();
  });

  router.get('/api/v1/session/userinfo', (_req, res) => {
    res.json({ loggedIn: true, username: ARGOCD_USERNAME, iss: 'argocd' });
  });

  const deps: RouteDeps = {
    router,
    ctx,
    controller,
    getApp(name) {
      const app = controller.getApp(name);
      if (!app) throw notFound(name);
      return app;
    },
  };
  const hasProject = projectRoutes(deps);
  applicationRoutes(deps, hasProject);
  operationRoutes(deps);
  resourceRoutes(deps);

  router.use('/api/v1', (_req, res) => {
    fail(res, 404, 'Not Found');
  });

  return router;
}
