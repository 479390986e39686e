import path from 'node:path';
import type { SandboxContext } from '../../core/context';
import type { KubeObject } from '../../core/cluster';
import { assessHealth, worse, type HealthStatusCode } from '../health';
import {
  ManifestError,
  parseRepoURL,
  renderSource,
  type AppSource,
  type RenderedSource,
} from '../source';
import {
  LAST_APPLIED,
  TRACKING_LABEL,
  isSubset,
  kindRank,
  managedIdentity,
  resourceOfStatus,
  stableJson,
  type Application,
  type Comparison,
  type Managed,
  type ResourceStatus,
} from './types';

/**
 * Comparison of an Application's desired state (its git source, rendered) with the live
 * objects: git revision resolution and render caches, tracking labels, per-resource sync
 * status and health.
 */
export class Comparer {
  #revCache = new Map<string, string>();
  #renderCache = new Map<string, Promise<RenderedSource>>();
  #trees = new Map<
    string,
    Promise<Map<string, { type: string; id: string }>>
  >();

  constructor(readonly ctx: SandboxContext) {}

  get cluster() {
    return this.ctx.cluster;
  }

  /** Forgets resolved branch/tag revisions (of `repo` = `owner/repo`, else all). */
  forgetRevisions(repo?: string) {
    if (!repo) {
      this.#revCache.clear();
      return;
    }
    for (const k of [...this.#revCache.keys()])
      if (k.startsWith(`${repo}@`)) this.#revCache.delete(k);
  }

  async resolve(
    source: AppSource | undefined,
    revision?: string,
  ): Promise<{ loc: { owner: string; repo: string }; sha: string }> {
    const loc = parseRepoURL(source?.repoURL);
    if (!loc || !this.ctx.git.exists(loc.owner, loc.repo))
      throw new ManifestError(
        `rpc error: code = Unknown desc = repository not found: ${
          source?.repoURL ?? '(none)'
        }`,
      );
    const rev = revision || source?.targetRevision || 'HEAD';
    const key = `${loc.owner}/${loc.repo}@${rev}`;
    let sha = this.#revCache.get(key);
    if (!sha) {
      sha =
        (await this.ctx.git.resolve(
          loc.owner,
          loc.repo,
          /^[0-9a-f]{40}$/.test(rev) || rev === 'HEAD'
            ? rev
            : `refs/heads/${rev}`,
        )) ?? (await this.ctx.git.resolve(loc.owner, loc.repo, rev));
      if (!sha)
        throw new ManifestError(
          `rpc error: code = Unknown desc = unable to resolve '${rev}' to a commit SHA`,
        );
      if (!/^[0-9a-f]{40}$/.test(rev)) this.#revCache.set(key, sha);
    }
    return { loc, sha };
  }

  /** Path → object id (trees and blobs) of a commit: one `git ls-tree` per commit. */
  #treeIndex(
    loc: { owner: string; repo: string },
    sha: string,
  ): Promise<Map<string, { type: string; id: string }>> {
    const key = `${loc.owner}/${loc.repo}@${sha}`;
    let p = this.#trees.get(key);
    if (!p) {
      p = this.ctx.git
        .git(loc.owner, loc.repo, ['ls-tree', '-r', '-t', '--full-tree', sha])
        .then(out => {
          const index = new Map<string, { type: string; id: string }>();
          for (const line of out.split('\n')) {
            const m = /^\d+ (\w+) ([0-9a-f]+)\t(.*)$/.exec(line);
            if (m) index.set(m[3], { type: m[1], id: m[2] });
          }
          return index;
        });
      // a failed listing is not cached (its callers get the error)
      p.catch(() => this.#trees.delete(key));
      this.#trees.set(key, p);
      if (this.#trees.size > 20)
        this.#trees.delete(this.#trees.keys().next().value as string);
    }
    return p;
  }

  /**
   * Renders with a cache keyed by the content the source reads (the path's tree id and the
   * value files' blob ids), so a commit elsewhere in the repo re-renders nothing.
   */
  async render(
    app: Application,
    source: AppSource,
    sha: string,
  ): Promise<RenderedSource> {
    const release = {
      name: app.metadata.name,
      namespace: app.spec?.destination?.namespace ?? 'default',
    };
    const loc = parseRepoURL(source.repoURL)!;
    const index = await this.#treeIndex(loc, sha);
    const dir = (source.path ?? '')
      .replace(/^\.?\/+|\/+$/g, '')
      .replace(/^\.$/, '');
    const content = [
      dir ? index.get(dir)?.id ?? 'none' : sha,
      ...(source.helm?.valueFiles ?? []).map(
        v =>
          index.get(path.posix.normalize(path.posix.join(dir, v)))?.id ??
          'none',
      ),
    ].join(',');
    const { targetRevision: _rev, ...rest } = source;
    const key = `${loc.owner}/${loc.repo}|${content}|${stableJson(rest)}|${
      release.name
    }|${release.namespace}`;
    let p = this.#renderCache.get(key);
    if (!p) {
      const files = [...index.entries()]
        .filter(([, v]) => v.type === 'blob')
        .map(([k]) => k);
      p = renderSource(this.ctx.git, source, sha, release, { files });
      // a failed render stays cached for this content (it fails the same way again); every
      // caller awaits `p` and reports the error, this only keeps the cached copy from being
      // an unhandled rejection
      p.catch(() => undefined);
      this.#renderCache.set(key, p);
      if (this.#renderCache.size > 5000) {
        this.#renderCache.delete(
          this.#renderCache.keys().next().value as string,
        );
      }
    }
    return p;
  }

  /** Adds the tracking and demo labels and the destination namespace to rendered objects. */
  decorate(app: Application, objects: KubeObject[]): KubeObject[] {
    const name = app.metadata.name;
    const service = app.metadata.labels?.['backstage-name'];
    const env = app.metadata.labels?.['openluffy.io/env'];
    const destNs = app.spec?.destination?.namespace;
    return objects.map(o => {
      const obj = structuredClone(o);
      obj.metadata = { ...obj.metadata };
      const labels: Record<string, string> = { ...(obj.metadata.labels ?? {}) };
      const extra: Record<string, string> = {};
      if (service && obj.kind !== 'Application') {
        extra['app.kubernetes.io/name'] =
          labels['app.kubernetes.io/name'] ?? service;
        extra['backstage.io/kubernetes-id'] =
          labels['backstage.io/kubernetes-id'] ?? service;
      }
      if (env && obj.kind !== 'Application')
        extra['openluffy.io/env'] = labels['openluffy.io/env'] ?? env;
      obj.metadata.labels = { ...labels, ...extra, [TRACKING_LABEL]: name };
      const resource = this.cluster.resourceForKind(obj.apiVersion, obj.kind);
      const namespaced = resource
        ? this.cluster.resourceType(resource)?.namespaced
        : true;
      if (namespaced && !obj.metadata.namespace)
        obj.metadata.namespace = destNs ?? 'default';
      if (!namespaced) delete obj.metadata.namespace;
      const tmpl = obj.spec?.template;
      if (
        tmpl &&
        typeof tmpl === 'object' &&
        [
          'Deployment',
          'StatefulSet',
          'DaemonSet',
          'ReplicaSet',
          'Job',
        ].includes(obj.kind)
      ) {
        tmpl.metadata = {
          ...(tmpl.metadata ?? {}),
          labels: {
            ...(tmpl.metadata?.labels ?? {}),
            ...extra,
            [TRACKING_LABEL]: name,
          },
        };
      }
      return obj;
    });
  }

  /** Resource types the app manages now (`targets`) or managed at its last comparison. */
  managedTypes(app: Application, targets: KubeObject[] = []) {
    const types = new Set<string>();
    for (const t of targets) {
      const r = this.cluster.resourceForKind(t.apiVersion, t.kind);
      if (r) types.add(r);
    }
    for (const r of statusResources(app)) {
      const res = resourceOfStatus(this.cluster, r);
      if (res) types.add(res);
    }
    return types;
  }

  /** Namespaces the app's objects live in: destination + previously managed ones. */
  #namespaces(app: Application, extra: Iterable<string | undefined> = []) {
    const set = new Set<string>();
    if (app.spec?.destination?.namespace)
      set.add(app.spec.destination.namespace);
    for (const r of statusResources(app)) if (r.namespace) set.add(r.namespace);
    for (const ns of extra) if (ns) set.add(ns);
    return set;
  }

  /** Top-level live objects of `resources` carrying the app's tracking label. */
  liveManaged(
    app: Application,
    resources: Iterable<string>,
    extraNamespaces: Iterable<string | undefined> = [],
  ): KubeObject[] {
    const out: KubeObject[] = [];
    const namespaces = [...this.#namespaces(app, extraNamespaces)];
    for (const resource of resources) {
      try {
        const namespaced = this.cluster.resourceType(resource)?.namespaced;
        const labelSelector = `${TRACKING_LABEL}=${app.metadata.name}`;
        const items =
          namespaced && namespaces.length
            ? namespaces.flatMap(
                namespace =>
                  this.cluster.list(resource, { namespace, labelSelector })
                    .items,
              )
            : this.cluster.list(resource, { labelSelector }).items;
        for (const o of items) {
          if (o.metadata.ownerReferences?.length) continue;
          if (o.kind === 'Application' && o.metadata.name === app.metadata.name)
            continue;
          out.push(o);
        }
      } catch {
        // a type the store does not serve: nothing of it is managed
      }
    }
    return out;
  }

  async compare(
    app: Application,
    opts: { revision?: string; source?: AppSource } = {},
  ): Promise<Comparison> {
    const source: AppSource | undefined =
      opts.source ?? (app.spec?.source as AppSource | undefined);
    const conditions: Comparison['conditions'] = [];
    if (!source) {
      return {
        managed: [],
        conditions: [
          {
            type: 'InvalidSpecError',
            message:
              'spec.source is required (multi-source applications are not supported by the sandbox)',
          },
        ],
        error: 'spec.source is required',
      };
    }
    let sha: string;
    let rendered: RenderedSource;
    try {
      sha = (await this.resolve(source, opts.revision)).sha;
      rendered = await this.render(app, source, sha);
    } catch (e) {
      const msg = `Failed to load target state: failed to generate manifest for source 1 of 1: ${
        e instanceof ManifestError
          ? e.message
          : `rpc error: code = Unknown desc = ${(e as Error).message}`
      }`;
      return {
        managed: this.#previousManaged(app),
        conditions: [{ type: 'ComparisonError', message: msg }],
        error: msg,
      };
    }
    const targets = this.decorate(app, rendered.objects);
    const managed: Managed[] = [];
    const seen = new Set<string>();
    for (const t of targets) {
      const resource = this.cluster.resourceForKind(t.apiVersion, t.kind);
      const id = managedIdentity(t);
      const { key } = id;
      if (seen.has(key)) {
        conditions.push({
          type: 'RepeatedResourceWarning',
          message: `Resource ${key} appeared multiple times in target state`,
        });
        continue;
      }
      seen.add(key);
      if (!resource) {
        conditions.push({
          type: 'ComparisonError',
          message: `The server could not find the requested resource: ${t.apiVersion}, Kind=${t.kind}`,
        });
        managed.push({
          ...id,
          target: t,
          inSync: false,
          health: { status: 'Unknown' },
        });
        continue;
      }
      const live = this.cluster.get(
        resource,
        t.metadata.namespace,
        t.metadata.name,
      );
      managed.push({
        ...id,
        resource,
        target: t,
        live,
        inSync: inSync(t, live),
        health: assessHealth(this.cluster, live),
      });
    }
    for (const live of this.liveManaged(
      app,
      this.managedTypes(app, targets),
      targets.map(t => t.metadata.namespace),
    )) {
      const id = managedIdentity(live);
      if (seen.has(id.key)) continue;
      seen.add(id.key);
      managed.push({
        ...id,
        resource: this.cluster.resourceForKind(live.apiVersion, live.kind),
        live,
        inSync: false,
        health: assessHealth(this.cluster, live),
      });
    }
    return {
      revision: sha,
      sourceType: rendered.sourceType,
      managed,
      conditions,
    };
  }

  #previousManaged(app: Application): Managed[] {
    return statusResources(app).map(r => {
      const resource = resourceOfStatus(this.cluster, r);
      const live = resource
        ? this.cluster.get(resource, r.namespace || undefined, r.name)
        : undefined;
      return {
        key: `${r.group}/${r.kind}/${r.namespace}/${r.name}`,
        group: r.group,
        version: r.version,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        resource,
        live,
        inSync: r.status === 'Synced',
        health: assessHealth(this.cluster, live),
      };
    });
  }
}

/** The app's `status.resources` (what it managed at its last comparison). */
export function statusResources(app: Application): ResourceStatus[] {
  return (app.status?.resources ?? []) as ResourceStatus[];
}

/**
 * A live object is in sync with its target when every field of the target has the same value
 * live and the last-applied annotation equals the target (so removed fields count as drift).
 */
export function inSync(target: KubeObject, live: KubeObject | undefined) {
  return !!live && isSubset(target, live) && lastAppliedMatches(target, live);
}

function lastAppliedMatches(target: KubeObject, live: KubeObject) {
  const last = live.metadata.annotations?.[LAST_APPLIED];
  if (!last) return true; // created outside Argo CD but matching
  try {
    return stableJson(JSON.parse(last)) === stableJson(target);
  } catch {
    return false;
  }
}

/** The Application `status` a comparison yields (sync, health, resources, summary, ...). */
export function statusFrom(
  app: Application,
  cmp: Comparison,
  now: string,
  controllerNamespace: string,
) {
  let health: HealthStatusCode = 'Healthy';
  let healthMessage: string | undefined;
  const resources: ResourceStatus[] = cmp.managed
    .map(m => {
      if (m.health) {
        const h = worse(health, m.health.status);
        if (h !== health) healthMessage = m.health.message;
        health = h;
      }
      const r: ResourceStatus = {
        group: m.group,
        version: m.version,
        kind: m.kind,
        namespace: m.namespace,
        name: m.name,
        status: m.inSync ? 'Synced' : 'OutOfSync',
      };
      if (m.health)
        r.health = {
          status: m.health.status,
          ...(m.health.message ? { message: m.health.message } : {}),
        };
      if (!m.target) r.requiresPruning = true;
      return r;
    })
    .sort(
      (a, b) =>
        kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name),
    );
  let syncStatus = 'OutOfSync';
  if (cmp.error) syncStatus = 'Unknown';
  else if (resources.every(r => r.status === 'Synced')) syncStatus = 'Synced';
  const images = new Set<string>();
  const urls = new Set<string>();
  for (const m of cmp.managed) {
    const spec = m.live?.spec;
    const pod = spec?.template?.spec ?? (m.kind === 'Pod' ? spec : undefined);
    for (const c of [
      ...(pod?.containers ?? []),
      ...(pod?.initContainers ?? []),
    ])
      if (c.image) images.add(c.image);
    if (m.kind === 'Ingress' && m.live)
      for (const rule of spec?.rules ?? [])
        if (rule.host)
          urls.add(`${spec?.tls?.length ? 'https' : 'http'}://${rule.host}`);
  }
  const source = app.spec?.source;
  return {
    sync: {
      status: syncStatus,
      comparedTo: { source, destination: app.spec?.destination },
      ...(cmp.revision ? { revision: cmp.revision } : {}),
    },
    health: {
      status: health,
      ...(healthMessage && health !== 'Healthy'
        ? { message: healthMessage }
        : {}),
      lastTransitionTime:
        app.status?.health?.status === health
          ? app.status?.health?.lastTransitionTime ?? now
          : now,
    },
    resources,
    summary: {
      images: [...images].sort(),
      ...(urls.size ? { externalURLs: [...urls].sort() } : {}),
    },
    conditions: cmp.conditions.map(c => ({
      ...c,
      lastTransitionTime:
        (app.status?.conditions ?? []).find(
          p => p.type === c.type && p.message === c.message,
        )?.lastTransitionTime ?? now,
    })),
    reconciledAt: now,
    observedAt: now,
    sourceType: cmp.sourceType ?? app.status?.sourceType ?? 'Directory',
    controllerNamespace,
  };
}
