import {
  ARGOCD_USERNAME,
  fail,
  presentApp,
  wrap,
  type RouteDeps,
} from './shared';
import { APPLICATIONS, asApplication, type Operation } from '../controller';
import type { KubeObject } from '../../core/cluster';

/** Operations: sync, rollback, terminate. */
export function operationRoutes({ router, ctx, controller, getApp }: RouteDeps) {
  router.post(
    '/api/v1/applications/:name/sync',
    wrap((req, res) => {
      const name = req.params.name;
      const app = getApp(name);
      const body = req.body ?? {};
      const automated = app.spec?.syncPolicy?.automated;
      const target = app.spec?.source?.targetRevision || 'HEAD';
      if (
        body.revision &&
        automated &&
        automated.enabled !== false &&
        body.revision !== target
      ) {
        fail(
          res,
          400,
          `Cannot sync to ${body.revision}: auto-sync currently set to ${target}`,
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
      let app = getApp(name);
      const id = Number(req.body?.id);
      const entry = ((app.status?.history ?? []) as any[]).find(
        h => h.id === id,
      );
      if (!entry) {
        fail(
          res,
          400,
          `application ${name} does not have deployment with id ${req.body?.id}`,
        );
        return;
      }
      if (app.spec?.syncPolicy?.automated) {
        // what the Argo CD UI does before a rollback: turn auto-sync off
        const spec = structuredClone(app.spec);
        delete spec.syncPolicy?.automated;
        app = asApplication(
          ctx.cluster.update(APPLICATIONS, {
            ...app,
            metadata: { ...app.metadata, resourceVersion: undefined },
            spec,
          } as KubeObject),
        );
        controller.recordEvent(
          name,
          'ResourceUpdated',
          'auto-sync disabled for rollback',
        );
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
