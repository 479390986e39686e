import express from 'express';
import { ClusterError, type KubeObject } from '../core/cluster';
import type { SandboxContext } from '../core/context';
import { simulatorState } from '../simulator/state';
import { podMetrics } from '../simulator/metrics';
import { formatMemory, parseQuantity } from '../simulator/behaviour';
import type { MemoryClusterStore } from './store';
import { isoNow } from './store';
import {
  apiResourceList,
  groupVersions,
  resourceType,
  RESOURCE_TYPES,
  type ResourceType,
} from './resources';
import { applyPatch, patchTypeOf } from './patch';
import { labelSelectorToString } from './selectors';

export const KUBE_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.10',
  compiler: 'gc',
  platform: 'linux/amd64',
};

type Req = express.Request & { sandboxRoute?: string };

type Target = {
  type: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
  watchPath: boolean;
  route: string;
};

function q(req: express.Request, key: string): string | undefined {
  const v = req.query[key];
  return typeof v === 'string' ? v : undefined;
}

function truthy(v: string | undefined) {
  return v === 'true' || v === '1';
}

function statusSuccess(t: ResourceType, obj: KubeObject) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: obj.metadata.name,
      group: t.group,
      kind: t.plural,
      uid: obj.metadata.uid,
    },
  };
}

function badRequest(message: string) {
  return new ClusterError(400, 'BadRequest', message);
}

function methodNotAllowed() {
  return new ClusterError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

/**
 * The body of a PUT or PATCH on a subresource (status, scale): PUT sends the
 * whole object, PATCH applies to `current()`; any other method is a 405.
 */
function putOrPatchBody(req: express.Request, current: () => any): any {
  const method = req.method.toUpperCase();
  if (method === 'PUT') return parseBody(req);
  if (method === 'PATCH')
    return applyPatch(
      patchTypeOf(req.headers['content-type']),
      current(),
      String(req.body ?? ''),
    );
  throw methodNotAllowed();
}

function parseBody(req: express.Request): any {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (!raw.trim()) throw badRequest('Object ... is invalid: empty body');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw badRequest(
      `the object provided is unrecognized (must be of type JSON): ${
        (e as Error).message
      }`,
    );
  }
}

/** Express router for the Kubernetes API paths (discovery, resources, watch, logs, metrics). */
export function createApiRouter(
  ctx: SandboxContext,
  store: MemoryClusterStore,
): express.Router {
  const router = express.Router();
  const sim = simulatorState(ctx);

  router.get(['/healthz', '/livez', '/readyz'], (_req, res) => {
    res.type('text/plain').send('ok');
  });
  router.get('/version', (_req, res) => {
    res.json(KUBE_VERSION);
  });

  // bearer token auth on every API path
  router.use((req, res, next) => {
    const header = req.headers.authorization ?? '';
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (token !== ctx.tokens.kubernetes) {
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
  });

  router.use(
    express.text({
      type: () => true,
      limit: '20mb',
    }),
  );

  router.get('/api', (req, res) => {
    res.json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' },
      ],
    });
  });

  router.get('/apis', (_req, res) => {
    res.json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groupVersions().map(g => apiGroup(g.group, g.versions)),
    });
  });

  router.get('/apis/:group', (req, res, next) => {
    const g = groupVersions().find(x => x.group === req.params.group);
    if (!g) return next();
    res.json({
      kind: 'APIGroup',
      apiVersion: 'v1',
      ...apiGroup(g.group, g.versions),
    });
    return undefined;
  });

  router.get('/api/v1', (_req, res) => {
    res.json(apiResourceList('v1'));
  });

  router.get('/apis/:group/:version', (req, res, next) => {
    const gv = `${req.params.group}/${req.params.version}`;
    if (!RESOURCE_TYPES.some(r => r.apiVersion === gv)) return next();
    res.json(apiResourceList(gv));
    return undefined;
  });

  const handle =
    (prefix: string, apiVersion: string) =>
    async (req: Req, res: express.Response, next: express.NextFunction) => {
      try {
        const rest = String((req.params as any)[0] ?? '');
        const target = resolveTarget(apiVersion, rest, prefix);
        if (!target) return next();
        req.sandboxRoute = target.route;
        await dispatch(req, res, target);
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

  async function dispatch(req: Req, res: express.Response, t: Target) {
    const method = req.method.toUpperCase();
    const { type } = t;
    if (type.virtual) {
      if (method !== 'GET') throw methodNotAllowed();
      serveMetrics(req, res, t);
      return;
    }
    if (t.sub) {
      await subresource(req, res, t);
      return;
    }
    const ns = type.namespaced ? t.namespace : undefined;
    if (!t.name) {
      if (method === 'GET') {
        if (t.watchPath || truthy(q(req, 'watch'))) serveWatch(req, res, t);
        else serveList(req, res, t);
        return;
      }
      if (method === 'POST') {
        if (type.namespaced && !ns) throw methodNotAllowed();
        const body = parseBody(req);
        checkBody(type, body, ns);
        if (type.namespaced)
          body.metadata = { ...body.metadata, namespace: ns };
        const created = store.create(type.resource, body, {
          requireNamespace: true,
          dryRun: q(req, 'dryRun') === 'All',
        });
        res.status(201).json(created);
        return;
      }
      if (method === 'DELETE') {
        const items = store.listRaw(type.resource, {
          namespace: ns,
          labelSelector: q(req, 'labelSelector'),
          fieldSelector: q(req, 'fieldSelector'),
        });
        const opts = deleteOptions(req);
        const deleted = items.map(
          o =>
            store.delete(
              type.resource,
              o.metadata.namespace,
              o.metadata.name,
              opts,
            ) ?? o,
        );
        res.json(listOf(type, deleted));
        return;
      }
      throw methodNotAllowed();
    }

    const name = t.name;
    switch (method) {
      case 'GET': {
        const o = store.getRaw(type.resource, ns, name);
        if (!o) throw notFound(type, name);
        res.json(o);
        return;
      }
      case 'PUT': {
        const body = parseBody(req);
        checkBody(type, body, ns, name);
        if (type.namespaced)
          body.metadata = { ...body.metadata, namespace: ns };
        if (!store.getRaw(type.resource, ns, name)) throw notFound(type, name);
        res.json(
          store.update(type.resource, body, {
            dryRun: q(req, 'dryRun') === 'All',
          }),
        );
        return;
      }
      case 'PATCH': {
        const ptype = patchTypeOf(req.headers['content-type']);
        const existing = store.getRaw(type.resource, ns, name);
        const body = typeof req.body === 'string' ? req.body : '';
        if (!existing) {
          if (ptype !== 'apply') throw notFound(type, name);
          const obj = applyPatch(ptype, {}, body);
          checkBody(type, obj, ns, name);
          if (type.namespaced)
            obj.metadata = { ...obj.metadata, namespace: ns };
          res
            .status(201)
            .json(store.create(type.resource, obj, { requireNamespace: true }));
          return;
        }
        const patched = applyPatch(ptype, structuredClone(existing), body);
        if (!patched || typeof patched !== 'object')
          throw badRequest('the patch produced an invalid object');
        patched.metadata = {
          ...patched.metadata,
          name,
          ...(ns ? { namespace: ns } : {}),
        };
        if (
          patched.metadata.resourceVersion === existing.metadata.resourceVersion
        )
          delete patched.metadata.resourceVersion;
        res.json(
          store.update(type.resource, patched, {
            dryRun: q(req, 'dryRun') === 'All',
          }),
        );
        return;
      }
      case 'DELETE': {
        const existing = store.getRaw(type.resource, ns, name);
        if (!existing) throw notFound(type, name);
        const result = store.delete(
          type.resource,
          ns,
          name,
          deleteOptions(req),
        );
        if (type.resource === 'v1/pods' && result) res.json(result);
        else res.json(statusSuccess(type, existing));
        return;
      }
      default:
        throw methodNotAllowed();
    }
  }

  function deleteOptions(req: express.Request) {
    let body: any = {};
    if (typeof req.body === 'string' && req.body.trim()) {
      try {
        body = JSON.parse(req.body);
      } catch {
        body = {};
      }
    }
    const policy = q(req, 'propagationPolicy') ?? body.propagationPolicy;
    const grace = q(req, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
      throw new ClusterError(
        422,
        'Invalid',
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    return {
      propagationPolicy: policy,
      gracePeriodSeconds:
        grace !== undefined ? Math.min(Number(grace), 2) : undefined,
    };
  }

  function listOf(
    type: ResourceType,
    items: KubeObject[],
    extra: Record<string, unknown> = {},
  ) {
    return {
      kind: `${type.kind}List`,
      apiVersion: type.apiVersion,
      metadata: { resourceVersion: store.resourceVersion, ...extra },
      items,
    };
  }

  function serveList(req: express.Request, res: express.Response, t: Target) {
    const items = store.listRaw(t.type.resource, {
      namespace: t.type.namespaced ? t.namespace : undefined,
      labelSelector: q(req, 'labelSelector'),
      fieldSelector: q(req, 'fieldSelector'),
    });
    const limit = Number(q(req, 'limit') ?? 0);
    let start = 0;
    const cont = q(req, 'continue');
    if (cont) {
      try {
        const token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8'));
        start = items.findIndex(
          o => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > token.after,
        );
        if (start < 0) start = items.length;
      } catch {
        throw badRequest('continue key is not valid');
      }
    }
    if (limit > 0 && items.length - start > limit) {
      const page = items.slice(start, start + limit);
      const last = page[page.length - 1];
      const token = Buffer.from(
        JSON.stringify({
          after: `${last.metadata.namespace ?? ''}/${last.metadata.name}`,
          rv: store.resourceVersion,
        }),
      ).toString('base64');
      res.json(
        listOf(t.type, page, {
          continue: token,
          remainingItemCount: items.length - start - limit,
        }),
      );
      return;
    }
    res.json(listOf(t.type, start ? items.slice(start) : items));
  }

  function serveWatch(req: express.Request, res: express.Response, t: Target) {
    const opts = {
      namespace: t.type.namespaced ? t.namespace : undefined,
      labelSelector: q(req, 'labelSelector'),
      fieldSelector: q(req, 'fieldSelector'),
    };
    if (t.name)
      opts.fieldSelector = [opts.fieldSelector, `metadata.name=${t.name}`]
        .filter(Boolean)
        .join(',');
    const rv = q(req, 'resourceVersion');
    const send = (e: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify(e)}\n`);
    };
    let unsubscribe: (() => void) | undefined;
    // validate the selectors before committing to a 200
    store.listRaw(t.type.resource, { ...opts, namespace: opts.namespace });
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache, private');
    res.flushHeaders();
    try {
      const initial = q(req, 'sendInitialEvents');
      if (truthy(initial) || (initial === undefined && (!rv || rv === '0'))) {
        for (const o of store.listRaw(t.type.resource, opts))
          send({ type: 'ADDED', object: o });
      }
      if (truthy(initial)) {
        // watch-list: a bookmark marks the end of the initial state
        send({
          type: 'BOOKMARK',
          object: {
            kind: t.type.kind,
            apiVersion: t.type.apiVersion,
            metadata: {
              resourceVersion: store.resourceVersion,
              annotations: { 'k8s.io/initial-events-end': 'true' },
            },
          },
        });
      }
      unsubscribe = store.watchRaw(
        t.type.resource,
        { ...opts, resourceVersion: truthy(initial) ? undefined : rv },
        e => send(e),
      );
    } catch (e) {
      if (e instanceof ClusterError) {
        send({ type: 'ERROR', object: e.toStatus() });
        res.end();
        return;
      }
      throw e;
    }
    if (truthy(q(req, 'allowWatchBookmarks'))) {
      const bm = setInterval(() => {
        send({
          type: 'BOOKMARK',
          object: {
            kind: t.type.kind,
            apiVersion: t.type.apiVersion,
            metadata: { resourceVersion: store.resourceVersion },
          },
        });
      }, 60000);
      bm.unref();
      res.on('close', () => clearInterval(bm));
    }
    const timeoutSeconds = Number(q(req, 'timeoutSeconds') ?? 1800);
    const timer = setTimeout(() => {
      unsubscribe?.();
      res.end();
    }, Math.max(0, timeoutSeconds) * 1000);
    timer.unref();
    const close = () => {
      clearTimeout(timer);
      unsubscribe?.();
    };
    req.on('close', close);
    res.on('close', close);
  }

  async function subresource(req: Req, res: express.Response, t: Target) {
    const { type } = t;
    const ns = type.namespaced ? t.namespace : undefined;
    const name = t.name!;
    const method = req.method.toUpperCase();
    if (!(type.subresources ?? []).includes(t.sub!))
      throw new ClusterError(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    const existing = store.getRaw(type.resource, ns, name);
    if (!existing) throw notFound(type, name);
    if (t.sub === 'log') {
      if (method !== 'GET') throw methodNotAllowed();
      await serveLog(req, res, existing);
      return;
    }
    if (t.sub === 'status') {
      if (method === 'GET') {
        res.json(existing);
        return;
      }
      const next = putOrPatchBody(req, () => structuredClone(existing));
      res.json(
        store.replaceStatus(
          type.resource,
          ns,
          name,
          next.status,
          method === 'PUT' ? next.metadata?.resourceVersion : undefined,
        ),
      );
      return;
    }
    // scale (autoscaling/v1 Scale)
    const scaleOf = (o: KubeObject) => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: labelSelectorToString(o.spec?.selector),
      },
    });
    if (method === 'GET') {
      res.json(scaleOf(existing));
      return;
    }
    const scale = putOrPatchBody(req, () => scaleOf(existing));
    const replicas = scale?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new ClusterError(
        422,
        'Invalid',
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(
          replicas,
        )}: must be greater than or equal to 0`,
        { name, group: 'autoscaling', kind: 'Scale' },
      );
    const rv = method === 'PUT' ? scale?.metadata?.resourceVersion : undefined;
    const updated = store.update(type.resource, {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: rv },
      spec: { ...existing.spec, replicas },
    });
    res.json(scaleOf(updated));
  }

  async function serveLog(
    req: express.Request,
    res: express.Response,
    pod: KubeObject,
  ) {
    const containers: any[] = pod.spec?.containers ?? [];
    let container = q(req, 'container');
    const podName = pod.metadata.name;
    if (!container) {
      if (containers.length !== 1)
        throw badRequest(
          `a container name must be specified for pod ${podName}, choose one of: [${containers
            .map(c => c.name)
            .join(' ')}]`,
        );
      container = containers[0].name;
    }
    if (!containers.some(c => c.name === container))
      throw badRequest(
        `container ${container} is not valid for pod ${podName}`,
      );
    const previous = truthy(q(req, 'previous'));
    const status = (pod.status?.containerStatuses ?? []).find(
      (c: any) => c.name === container,
    );
    let lines = sim.logs.read(pod.metadata.uid!, container!, { previous });
    if (!lines) {
      if (previous)
        throw badRequest(
          `previous terminated container "${container}" in pod "${podName}" not found`,
        );
      const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
      throw badRequest(
        `container "${container}" in pod "${podName}" is waiting to start: ${reason}`,
      );
    }
    const sinceSeconds = Number(q(req, 'sinceSeconds') ?? 0);
    const sinceTime = q(req, 'sinceTime');
    if (sinceSeconds > 0) {
      const from = Date.now() - sinceSeconds * 1000;
      lines = lines.filter(l => l.at >= from);
    } else if (sinceTime) {
      const from = Date.parse(sinceTime);
      if (Number.isFinite(from)) lines = lines.filter(l => l.at >= from);
    }
    const tail = q(req, 'tailLines');
    if (tail !== undefined && Number(tail) >= 0)
      lines = lines.slice(Math.max(0, lines.length - Number(tail)));
    const timestamps = truthy(q(req, 'timestamps'));
    const fmt = (l: { at: number; text: string }) =>
      `${
        timestamps
          ? `${new Date(l.at).toISOString().replace('Z', '000000Z')} `
          : ''
      }${l.text}\n`;
    let text = lines.map(fmt).join('');
    const limitBytes = Number(q(req, 'limitBytes') ?? 0);
    if (limitBytes > 0)
      text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
    res.status(200).type('text/plain; charset=utf-8');
    if (!truthy(q(req, 'follow')) || previous) {
      res.send(text);
      return;
    }
    res.write(text);
    const uid = pod.metadata.uid!;
    let last = lines[lines.length - 1];
    let timer: NodeJS.Timeout | undefined = undefined;
    const poll = () => {
      const current = sim.logs.read(uid, container!) ?? [];
      let idx = last ? current.lastIndexOf(last) : -1;
      if (idx < 0 && last) idx = current.findIndex(l => l.at > last!.at) - 1;
      const fresh = current.slice(idx + 1);
      if (fresh.length) {
        res.write(fresh.map(fmt).join(''));
        last = fresh[fresh.length - 1];
      }
      const cur = store.getRaw('v1/pods', pod.metadata.namespace, podName);
      const st = (cur?.status?.containerStatuses ?? []).find(
        (c: any) => c.name === container,
      );
      if (!cur || cur.metadata.uid !== uid || !st?.state?.running) {
        clearInterval(timer);
        res.end();
      }
    };
    timer = setInterval(poll, 200);
    req.on('close', () => clearInterval(timer));
  }

  function serveMetrics(
    req: express.Request,
    res: express.Response,
    t: Target,
  ) {
    const now = new Date();
    if (t.type.plural === 'pods') {
      const pods = t.name
        ? [store.getRaw('v1/pods', t.namespace, t.name)].filter(
            (p): p is KubeObject => !!p,
          )
        : store.listRaw('v1/pods', {
            namespace: t.namespace,
            labelSelector: q(req, 'labelSelector'),
            fieldSelector: q(req, 'fieldSelector'),
          });
      const items = pods
        .map(p => podMetrics(p, sim.chaos, now))
        .filter((m): m is KubeObject => !!m);
      if (t.name) {
        if (!items.length)
          throw new ClusterError(
            404,
            'NotFound',
            `podmetrics.metrics.k8s.io "${t.name}" not found`,
            {
              name: t.name,
              group: 'metrics.k8s.io',
              kind: 'pods',
            },
          );
        res.json(items[0]);
        return;
      }
      res.json({
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items,
      });
      return;
    }
    // nodes
    let memory = 0;
    let cpu = 0;
    for (const p of store.listRaw('v1/pods')) {
      const m = podMetrics(p, sim.chaos, now);
      for (const c of (m?.containers as any[]) ?? []) {
        memory += parseQuantity(c.usage.memory) ?? 0;
        cpu += parseQuantity(c.usage.cpu) ?? 0;
      }
    }
    const nodes = store.listRaw('v1/nodes').map(n => ({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name: n.metadata.name,
        creationTimestamp: isoNow(),
        labels: n.metadata.labels,
      },
      timestamp: isoNow(),
      window: '20.05s',
      usage: {
        cpu: `${Math.round((cpu + 0.15) * 1e9)}n`,
        memory: formatMemory(memory + 900 * 1024 ** 2),
      },
    }));
    if (t.name) {
      const n = nodes.find(x => x.metadata.name === t.name);
      if (!n)
        throw new ClusterError(
          404,
          'NotFound',
          `nodemetrics.metrics.k8s.io "${t.name}" not found`,
          {
            name: t.name,
            group: 'metrics.k8s.io',
            kind: 'nodes',
          },
        );
      res.json(n);
      return;
    }
    res.json({
      kind: 'NodeMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items: nodes,
    });
  }

  return router;
}

function apiGroup(group: string, versions: string[]) {
  const list = versions.map(v => ({
    groupVersion: `${group}/${v}`,
    version: v,
  }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

function notFound(t: ResourceType, name: string) {
  return new ClusterError(
    404,
    'NotFound',
    `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`,
    {
      name,
      group: t.group,
      kind: t.plural,
    },
  );
}

function checkBody(type: ResourceType, body: any, ns?: string, name?: string) {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('the object provided is unrecognized');
  body.metadata ??= {};
  if (body.kind && body.kind !== type.kind)
    throw badRequest(
      `the server could not find the requested resource: kind ${body.kind} does not match ${type.kind}`,
    );
  if (body.apiVersion && body.apiVersion !== type.apiVersion)
    throw badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${type.apiVersion})`,
    );
  if (ns && body.metadata.namespace && body.metadata.namespace !== ns)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  if (name !== undefined) {
    if (body.metadata.name && body.metadata.name !== name)
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    body.metadata.name = name;
  }
}

/** Parses the path after `/api/v1` or `/apis/<g>/<v>`. */
export function resolveTarget(
  apiVersion: string,
  rest: string,
  prefix: string,
): Target | undefined {
  let segs = rest.split('/').filter(Boolean).map(decodeURIComponent);
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  let namespace: string | undefined;
  let plural: string;
  let name: string | undefined;
  let sub: string | undefined;
  let route: string;
  const nsType = (p: string | undefined) => {
    const t = p ? resourceType(`${apiVersion}/${p}`) : undefined;
    return t?.namespaced ? t : undefined;
  };
  if (segs[0] === 'namespaces' && segs.length >= 3 && nsType(segs[2])) {
    namespace = segs[1];
    plural = segs[2];
    name = segs[3];
    sub = segs[4];
    if (segs.length > 5) return undefined;
    route = `${prefix}/namespaces/:namespace/${plural}${
      name !== undefined ? '/:name' : ''
    }${sub ? `/${sub}` : ''}`;
  } else {
    plural = segs[0];
    name = segs[1];
    sub = segs[2];
    if (segs.length > 3 || !plural) return undefined;
    route = `${prefix}/${plural}${name !== undefined ? '/:name' : ''}${
      sub ? `/${sub}` : ''
    }`;
  }
  const type = resourceType(`${apiVersion}/${plural}`);
  if (!type) return undefined;
  if (!type.namespaced && namespace) return undefined;
  if (type.namespaced && !namespace && name !== undefined) return undefined;
  if (watchPath) route = route.replace(prefix, `${prefix}/watch`);
  return { type, namespace, name, sub, watchPath, route };
}
