import {
  ARGOCD_USERNAME,
  fail,
  presentApp,
  wrap,
  type RouteDeps,
} from './shared';
import {
  FAILED_PRECONDITION,
  type Application,
  type Operation,
} from '../controller';

/** `spec.syncPolicy.automated` set and not `enabled: false` (Argo CD's IsAutomatedSyncEnabled). */
const autoSyncEnabled = (app: Application) => {
  const automated = app.spec?.syncPolicy?.automated;
  return !!automated && automated.enabled !== false;
};

/** Operations: sync, rollback, terminate. */
export function operationRoutes({ router, controller, getApp }: RouteDeps) {
  router.post(
    '/api/v1/applications/:name/sync',
    wrap((req, res) => {
      const name = req.params.name;
      const app = getApp(name);
      const body = req.body ?? {};
      const target = app.spec?.source?.targetRevision || 'HEAD';
      if (body.revision && autoSyncEnabled(app) && body.revision !== target) {
        fail(
          res,
          400,
          `Cannot sync to ${body.revision}: auto-sync currently set to ${target}`,
          FAILED_PRECONDITION,
        );
        return;
      }
      const operation: Operation = {
        sync: {
          revision: body.revision || target,
          prune: !!body.prune,
          dryRun: !!body.dryRun,
          ...(Array.isArray(body.resources) && body.resources.length
            ? { resources: body.resources }
            : {}),
          ...(body.syncOptions?.items
            ? { syncOptions: body.syncOptions.items }
            : {}),
          ...(body.strategy ? { syncStrategy: body.strategy } : {}),
        },
        initiatedBy: { username: ARGOCD_USERNAME },
      };
      res.json(presentApp(controller.startOperation(name, operation)));
    }),
  );

  router.post(
    '/api/v1/applications/:name/rollback',
    wrap((req, res) => {
      const name = req.params.name;
      const app = getApp(name);
      if (autoSyncEnabled(app)) {
        // Argo CD refuses instead of changing the spec; the UI offers to turn auto-sync off
        fail(
          res,
          400,
          'rollback cannot be initiated when auto-sync is enabled',
          FAILED_PRECONDITION,
        );
        return;
      }
      const id = Number(req.body?.id);
      const entry = (app.status?.history ?? []).find(h => h.id === id);
      if (!entry) {
        fail(
          res,
          400,
          `application ${name} does not have deployment with id ${req.body?.id}`,
        );
        return;
      }
      const operation: Operation = {
        sync: {
          revision: entry.revision,
          source: entry.source ?? app.spec?.source,
          prune: !!req.body?.prune,
          dryRun: !!req.body?.dryRun,
        },
        initiatedBy: { username: ARGOCD_USERNAME },
      };
      res.json(presentApp(controller.startOperation(name, operation)));
    }),
  );

  router.delete(
    '/api/v1/applications/:name/operation',
    wrap((req, res) => {
      getApp(req.params.name);
      controller.terminate(req.params.name);
      res.json({});
    }),
  );
}
