import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';
import { ArgoCdController } from './controller';
import { createArgoCdRouter } from './router';

export { ArgoCdController, APPLICATIONS, TRACKING_LABEL } from './controller';
export { ARGOCD_PASSWORD, ARGOCD_USERNAME } from './router';

/** The Argo CD family: API under /api/v1 and the controller that syncs git into the cluster. */
export function createArgoCdFamily(
  ctx: SandboxContext,
  options: { pollIntervalMs?: number } = {},
): FamilyModule & { controller: ArgoCdController } {
  const controller = new ArgoCdController(ctx, options);
  let startTimer: NodeJS.Timeout | undefined;
  ctx.controlRoutes.push(router => {
    // POST /_sandbox/argocd/refresh {app?}: re-read git now (instead of waiting for the poll)
    router.post('/argocd/refresh', async (req, res) => {
      const app = typeof req.body?.app === 'string' ? req.body.app : undefined;
      if (app) {
        if (!controller.getApp(app)) {
          res.status(404).json({ error: `application ${app} not found` });
          return;
        }
        controller.refreshAll(true);
        await controller.reconcile(app, { force: true });
      } else {
        controller.refreshAll(true);
      }
      res.status(202).json({ refreshed: app ?? 'all' });
    });
  });
  return {
    family: 'argocd',
    router: createArgoCdRouter(ctx, controller),
    controller,
    async start() {
      // the cluster store is provided by the kubernetes family; wait for it if it comes later
      const tryStart = () => {
        if (ctx.cluster) controller.start();
        else startTimer = setTimeout(tryStart, 50);
      };
      tryStart();
    },
    async stop() {
      if (startTimer) clearTimeout(startTimer);
      await controller.stop();
    },
  };
}
