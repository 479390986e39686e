import type { KubeObject } from '../../core/cluster';
import { applyJsonPatch, mergePatch } from '../patch';
import { APPLICATIONS } from '../controller';
import { matchLabels } from '../labels';
import { fail, presentApp, queryList, wrap, type RouteDeps } from './shared';

/** Application CRUD: list (selector, name, project, repo filters), get (refresh), create, update, patch, delete. */
export function applicationRoutes(
  { router, ctx, controller, getApp }: RouteDeps,
  hasProject: (name: string) => boolean,
) {
  router.get(
    '/api/v1/applications',
    wrap((req, res) => {
      const selector =
        typeof req.query.selector === 'string' ? req.query.selector : '';
      const names = queryList(req.query.name);
      const projs = [
        ...queryList(req.query.projects),
        ...queryList(req.query.project),
      ];
      const repo =
        typeof req.query.repo === 'string' ? req.query.repo : undefined;
      const list = ctx.cluster.list(APPLICATIONS, {
        namespace: controller.namespace,
      });
      const items = list.items
        .filter(a => !selector || matchLabels(a.metadata.labels, selector))
        .filter(a => !names.length || names.includes(a.metadata.name))
        .filter(
          a => !projs.length || projs.includes(a.spec?.project ?? 'default'),
        )
        .filter(a => !repo || a.spec?.source?.repoURL === repo)
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map(presentApp);
      res.json({ metadata: { resourceVersion: list.resourceVersion }, items });
    }),
  );

  router.post(
    '/api/v1/applications',
    wrap((req, res) => {
      const body = req.body as KubeObject;
      const upsert = req.query.upsert === 'true' || req.body?.upsert === true;
      const app: KubeObject = (body as any)?.application ?? body;
      const name = app?.metadata?.name;
      if (!name || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
        fail(
          res,
          400,
          'application spec is invalid: metadata.name must be a valid DNS-1123 name',
        );
        return;
      }
      if (!app.spec?.destination || (!app.spec?.source && !app.spec?.sources)) {
        fail(
          res,
          400,
          `application spec for ${name} is invalid: InvalidSpecError: spec.source and spec.destination are required`,
        );
        return;
      }
      if (app.spec.sources && !app.spec.source) {
        fail(
          res,
          400,
          `application spec for ${name} is invalid: InvalidSpecError: multi-source applications are not supported by the sandbox`,
        );
        return;
      }
      const project = app.spec.project ?? 'default';
      if (!hasProject(project)) {
        fail(
          res,
          400,
          `application spec for ${name} is invalid: InvalidSpecError: Application referencing project ${project} which does not exist`,
        );
        return;
      }
      const existing = controller.getApp(name);
      const clean: KubeObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name,
          namespace: controller.namespace,
          ...(app.metadata.labels ? { labels: app.metadata.labels } : {}),
          ...(app.metadata.annotations
            ? { annotations: app.metadata.annotations }
            : {}),
          ...(app.metadata.finalizers
            ? { finalizers: app.metadata.finalizers }
            : {}),
        },
        spec: { ...app.spec, project },
      };
      if (existing) {
        if (
          JSON.stringify(existing.spec) === JSON.stringify(clean.spec) &&
          JSON.stringify(existing.metadata.labels ?? {}) ===
            JSON.stringify(clean.metadata.labels ?? {})
        ) {
          res.json(presentApp(existing));
          return;
        }
        if (!upsert) {
          fail(
            res,
            400,
            'existing application spec is different, use upsert flag to force update',
          );
          return;
        }
        const updated = ctx.cluster.update(APPLICATIONS, {
          ...existing,
          metadata: {
            ...existing.metadata,
            labels: clean.metadata.labels,
            annotations: clean.metadata.annotations,
            resourceVersion: undefined,
          },
          spec: clean.spec,
        });
        res.json(presentApp(updated));
        return;
      }
      const created = ctx.cluster.create(APPLICATIONS, clean);
      controller.recordEvent(
        name,
        'ResourceCreated',
        `admin created application`,
      );
      res.json(presentApp(created));
    }),
  );

  router.get(
    '/api/v1/applications/:name',
    wrap(async (req, res) => {
      const name = req.params.name;
      getApp(name);
      if (req.query.refresh === 'normal' || req.query.refresh === 'hard') {
        if (req.query.refresh === 'hard') controller.invalidateGitCache();
        await controller.reconcile(name, { force: true });
      }
      res.json(presentApp(getApp(name)));
    }),
  );

  router.put(
    '/api/v1/applications/:name',
    wrap((req, res) => {
      const name = req.params.name;
      const existing = getApp(name);
      const app = req.body as KubeObject;
      if (app?.metadata?.name && app.metadata.name !== name) {
        fail(
          res,
          400,
          `application name in body (${app.metadata.name}) does not match ${name}`,
        );
        return;
      }
      if (!app?.spec) {
        fail(res, 400, 'application spec is required');
        return;
      }
      const updated = ctx.cluster.update(APPLICATIONS, {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: app.metadata?.labels ?? existing.metadata.labels,
          annotations:
            app.metadata?.annotations ?? existing.metadata.annotations,
          resourceVersion: undefined,
        },
        spec: { ...app.spec, project: app.spec.project ?? 'default' },
      });
      controller.recordEvent(
        name,
        'ResourceUpdated',
        'admin updated application spec',
      );
      res.json(presentApp(updated));
    }),
  );

  router.patch(
    '/api/v1/applications/:name',
    wrap((req, res) => {
      const name = req.params.name;
      const existing = getApp(name);
      const { patch, patchType = 'merge' } = req.body ?? {};
      let parsed: unknown;
      try {
        parsed = typeof patch === 'string' ? JSON.parse(patch) : patch;
      } catch (e) {
        fail(res, 400, `error unmarshaling patch: ${(e as Error).message}`);
        return;
      }
      let next: any;
      try {
        next =
          patchType === 'json'
            ? applyJsonPatch(existing, parsed)
            : mergePatch(existing, parsed);
      } catch (e) {
        fail(res, 400, (e as Error).message);
        return;
      }
      const updated = ctx.cluster.update(APPLICATIONS, {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: next.metadata?.labels,
          annotations: next.metadata?.annotations,
          resourceVersion: undefined,
        },
        spec: next.spec,
      });
      controller.recordEvent(
        name,
        'ResourceUpdated',
        'admin patched application',
      );
      res.json(presentApp(updated));
    }),
  );

  router.delete(
    '/api/v1/applications/:name',
    wrap((req, res) => {
      const cascade = req.query.cascade !== 'false';
      controller.deleteApplication(req.params.name, cascade);
      res.json({});
    }),
  );
}
