import { fail, queryString, wrap, type RouteDeps } from './shared';

/** Views of an app's resources: resource tree, one live resource, managed resources, revision metadata, events. */
export function resourceRoutes({ router, ctx, controller, getApp }: RouteDeps) {
  router.get(
    '/api/v1/applications/:name/resource-tree',
    wrap((req, res) => {
      res.json(controller.resourceTree(getApp(req.params.name)));
    }),
  );

  router.get(
    '/api/v1/applications/:name/resource',
    wrap((req, res) => {
      const app = getApp(req.params.name);
      const q = (k: string) => queryString(req, k);
      const group = q('group');
      const version = q('version') || 'v1';
      const kind = q('kind');
      const name = q('resourceName');
      const namespace = q('namespace') || undefined;
      const managed = ((app.status?.resources ?? []) as any[]).some(
        r =>
          r.kind === kind &&
          r.name === name &&
          (r.group ?? '') === group &&
          (r.namespace || undefined) === namespace,
      );
      const resource = ctx.cluster.resourceForKind(
        group ? `${group}/${version}` : version,
        kind,
      );
      const live =
        managed && resource
          ? ctx.cluster.get(resource, namespace, name)
          : undefined;
      if (!live) {
        fail(
          res,
          404,
          `${kind} ${
            namespace ? `${namespace}/` : ''
          }${name} not found as part of application ${app.metadata.name}`,
        );
        return;
      }
      res.json({ manifest: JSON.stringify(live) });
    }),
  );

  router.get(
    '/api/v1/applications/:name/managed-resources',
    wrap(async (req, res) => {
      res.json({
        items: await controller.managedResources(getApp(req.params.name)),
      });
    }),
  );

  router.get(
    '/api/v1/applications/:name/revisions/:revision/metadata',
    wrap(async (req, res) => {
      res.json(
        await controller.revisionMetadata(
          getApp(req.params.name),
          req.params.revision,
        ),
      );
    }),
  );

  router.get(
    '/api/v1/applications/:name/events',
    wrap((req, res) => {
      getApp(req.params.name);
      res.json({ metadata: {}, items: controller.events(req.params.name) });
    }),
  );

}
