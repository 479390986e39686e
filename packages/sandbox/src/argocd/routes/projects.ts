import crypto from 'node:crypto';
import type { KubeObject } from '../../core/cluster';
import { ApiError } from '../controller';
import { fail, wrap, type RouteDeps } from './shared';

function defaultProject(): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: 'default',
      namespace: 'argocd',
      uid: 'b6c4e0b5-0000-4000-8000-000000000001',
      creationTimestamp: '2026-01-01T00:00:00Z',
      resourceVersion: '1',
    },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
    status: {},
  };
}

/** AppProjects (`default` always exists; saved in state/argocd-projects.json). Returns the existence check. */
export function projectRoutes({ router, ctx, controller }: RouteDeps) {
  const projects = new Map<string, KubeObject>([['default', defaultProject()]]);
  ctx.persistence.register('argocd-projects', {
    save: () => [...projects.values()],
    load: data => {
      for (const p of (data as KubeObject[]) ?? [])
        projects.set(p.metadata.name, p);
    },
  });

  router.get('/api/v1/projects', (_req, res) => {
    res.json({ metadata: {}, items: [...projects.values()] });
  });

  router.get(
    '/api/v1/projects/:name',
    wrap((req, res) => {
      const p = projects.get(req.params.name);
      if (!p)
        throw new ApiError(
          404,
          `appprojects.argoproj.io "${req.params.name}" not found`,
        );
      res.json(p);
    }),
  );

  router.post(
    '/api/v1/projects',
    wrap((req, res) => {
      const project = (req.body?.project ?? req.body) as KubeObject;
      const name = project?.metadata?.name;
      if (!name) {
        fail(res, 400, 'project name is required');
        return;
      }
      const existing = projects.get(name);
      if (
        existing &&
        !req.body?.upsert &&
        JSON.stringify(existing.spec) !== JSON.stringify(project.spec ?? {})
      ) {
        fail(
          res,
          400,
          'existing project spec is different, use upsert flag to force update',
        );
        return;
      }
      const saved: KubeObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: {
          ...(existing?.metadata ?? {}),
          name,
          namespace: controller.namespace,
          ...(project.metadata.labels
            ? { labels: project.metadata.labels }
            : {}),
          uid: existing?.metadata.uid ?? crypto.randomUUID(),
          creationTimestamp:
            existing?.metadata.creationTimestamp ??
            ctx.clock.now().toISOString(),
          resourceVersion: String(
            Number(existing?.metadata.resourceVersion ?? 0) + 1,
          ),
        },
        spec: project.spec ?? {},
        status: {},
      };
      projects.set(name, saved);
      res.json(saved);
    }),
  );

  router.delete(
    '/api/v1/projects/:name',
    wrap((req, res) => {
      if (!projects.delete(req.params.name))
        throw new ApiError(
          404,
          `appprojects.argoproj.io "${req.params.name}" not found`,
        );
      res.json({});
    }),
  );

  return (name: string) => projects.has(name);
}
