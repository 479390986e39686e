import crypto from 'node:crypto';
import express from 'express';
import type { SandboxContext } from '../core/context';
import type { KubeObject } from '../core/cluster';
import { familyErrorBody } from '../http/errors';
import {
  APPLICATIONS,
  ApiError,
  asApplication,
  type ArgoCdController,
  type Operation,
} from './controller';
import { matchLabels } from './labels';

export const ARGOCD_USERNAME = 'admin';
export const ARGOCD_PASSWORD = 'sandbox-argocd-password';

type Handler = (
  req: express.Request,
  res: express.Response,
) => Promise<void> | void;

function fail(res: express.Response, status: number, message: string) {
  res.status(status).json(familyErrorBody('argocd', status, message));
}

const notFound = (name: string) =>
  new ApiError(404, `applications.argoproj.io "${name}" not found`);

/** Argo CD's JSON for an Application: status always carries sync and health codes. */
export function presentApp(app: KubeObject): KubeObject {
  const out = structuredClone(app);
  delete (out.metadata as any).managedFields;
  out.status = {
    ...(out.status ?? {}),
    sync: out.status?.sync?.status
      ? out.status.sync
      : { ...(out.status?.sync ?? {}), status: 'Unknown' },
    health: out.status?.health?.status
      ? out.status.health
      : { ...(out.status?.health ?? {}), status: 'Missing' },
  };
  return out;
}

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

/** The Argo CD REST API subset (grpc-gateway JSON under /api/v1), bearer-token protected. */
export function createArgoCdRouter(
  ctx: SandboxContext,
  controller: ArgoCdController,
): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  const token = ctx.tokens.argocd;

  const projects = new Map<string, KubeObject>([['default', defaultProject()]]);
  ctx.persistence.register('argocd-projects', {
    save: () => [...projects.values()],
    load: data => {
      for (const p of (data as KubeObject[]) ?? [])
        projects.set(p.metadata.name, p);
    },
  });

  const wrap =
    (fn: Handler): express.RequestHandler =>
    async (req, res, next) => {
      try {
        await fn(req, res);
      } catch (e) {
        if (e instanceof ApiError) fail(res, e.status, e.message);
        else if (typeof (e as any)?.code === 'number' && (e as any).reason)
          fail(res, (e as any).code, (e as Error).message);
        else next(e);
      }
    };

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

  const getApp = (name: string) => {
    const app = controller.getApp(name);
    if (!app) throw notFound(name);
    return app;
  };
  const queryList = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v])
      .filter(x => x !== undefined)
      .flatMap(x => String(x).split(','))
      .filter(Boolean);

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
      if (!projects.has(project)) {
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
        await controller.reconcile(name);
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
            ? applyJsonPatch(existing, parsed as JsonPatchOp[])
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
      const q = (k: string) =>
        typeof req.query[k] === 'string' ? (req.query[k] as string) : '';
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

  router.use('/api/v1', (_req, res) => {
    fail(res, 404, 'Not Found');
  });

  return router;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: any =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...target }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

type JsonPatchOp = { op: string; path: string; value?: unknown };

/** RFC 6902 JSON patch (add, replace, remove). */
export function applyJsonPatch(target: unknown, ops: JsonPatchOp[]): any {
  const doc: any = structuredClone(target);
  if (!Array.isArray(ops)) throw new Error('json patch must be an array');
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`invalid patch path ${op.path}`);
    let cur = doc;
    for (const p of parts) {
      if (cur[p] === undefined || cur[p] === null) {
        if (op.op !== 'add') throw new Error(`path ${op.path} not found`);
        cur[p] = {};
      }
      cur = cur[p];
    }
    if (op.op === 'remove') {
      if (Array.isArray(cur)) cur.splice(Number(last), 1);
      else delete cur[last];
    } else if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(cur) && op.op === 'add')
        cur.splice(last === '-' ? cur.length : Number(last), 0, op.value);
      else cur[last] = op.value;
    } else {
      throw new Error(`unsupported json patch op ${op.op}`);
    }
  }
  return doc;
}
