import crypto from 'node:crypto';
import path from 'node:path';
import type { SandboxContext } from '../core/context';
import type { KubeObject, WatchEvent } from '../core/cluster';
import type { PushEvent } from '../core/git';
import {
  assessHealth,
  worse,
  type Health,
  type HealthStatusCode,
} from './health';
import {
  ManifestError,
  parseRepoURL,
  renderSource,
  type AppSource,
  type RenderedSource,
} from './source';

export const APPLICATIONS = 'argoproj.io/v1alpha1/applications';
export const TRACKING_LABEL = 'app.kubernetes.io/instance';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Argo CD's default git polling interval (timeout.reconciliation): 3 minutes. */
export const DEFAULT_POLL_MS = 180_000;
/** Simulated delay between an operation's start and its apply (so Running is observable). */
const OPERATION_DELAY_MS = 1_000;
/** selfHeal back-off between two automated syncs of the same revision. */
const SELF_HEAL_BACKOFF_MS = 5_000;
const HISTORY_LIMIT = 10;

/** gitops-engine's sync order by kind (lower first). */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
const kindRank = (k: string) => {
  const i = KIND_ORDER.indexOf(k);
  return i === -1 ? KIND_ORDER.length : i;
};

export type SyncOperation = {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  resources?: Array<{
    group?: string;
    kind: string;
    name: string;
    namespace?: string;
  }>;
  source?: AppSource;
  syncOptions?: string[];
  syncStrategy?: unknown;
};

export type Operation = {
  sync: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  info?: Array<{ name: string; value: string }>;
  retry?: unknown;
};

type ResourceStatus = {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'OutOfSync' | 'Unknown';
  health?: Health;
  requiresPruning?: boolean;
};

type Managed = {
  key: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  resource?: string;
  target?: KubeObject;
  live?: KubeObject;
  inSync: boolean;
  health?: Health;
};

type Comparison = {
  revision?: string;
  sourceType?: string;
  managed: Managed[];
  error?: string;
  conditions: Array<{ type: string; message: string }>;
};

export type AppEvent = KubeObject;

/** Splits `apps/v1` into group `apps` and version `v1` (core: group ''). */
export function groupVersion(apiVersion: string) {
  const i = apiVersion.lastIndexOf('/');
  return i === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The identity of a managed resource, keyed `group/kind/namespace/name` as Argo CD does. */
function managedIdentity(o: KubeObject) {
  const { group, version } = groupVersion(o.apiVersion);
  const namespace = o.metadata.namespace ?? '';
  return {
    key: `${group}/${o.kind}/${namespace}/${o.metadata.name}`,
    group,
    version,
    kind: o.kind,
    namespace,
    name: o.metadata.name,
  };
}

/** Every field set in `target` has the same value in `live` (arrays: same length). */
export function isSubset(target: unknown, live: unknown): boolean {
  if (target === null || target === undefined) return true;
  if (Array.isArray(target)) {
    return (
      Array.isArray(live) &&
      live.length === target.length &&
      target.every((t, i) => isSubset(t, live[i]))
    );
  }
  if (typeof target === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(target as object).every(([k, v]) =>
      isSubset(v, (live as Record<string, unknown>)[k]),
    );
  }
  return String(target) === String(live);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val).sort(([a], [b]) => a.localeCompare(b)),
        )
      : val,
  );
}

/** Runs at most `n` tasks at a time. */
class Limiter {
  #active = 0;
  #queue: Array<() => void> = [];
  constructor(readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.n) {
      await new Promise<void>(r => this.#queue.push(r));
    }
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The Argo CD application controller: compares each Application (CRs in ctx.cluster, namespace
 * `argocd`) with its git source, reports sync and health status, runs sync operations (manual,
 * automated on push/poll, self-heal) and keeps history. See README.md.
 */
export class ArgoCdController {
  readonly namespace: string;
  readonly pollIntervalMs: number;
  #events = new Map<string, AppEvent[]>();
  #revCache = new Map<string, string>();
  #renderCache = new Map<string, Promise<RenderedSource>>();
  #trees = new Map<
    string,
    Promise<Map<string, { type: string; id: string }>>
  >();
  #specKeys = new Map<string, string>();
  #repoOf = new Map<string, string>();
  #timers = new Map<string, NodeJS.Timeout>();
  #chains = new Map<string, Promise<unknown>>();
  #inflight = new Map<
    string,
    { terminated: boolean; timer?: NodeJS.Timeout }
  >();
  #unsubscribe: Array<() => void> = [];
  #poll?: NodeJS.Timeout;
  #limiter = new Limiter(4);
  #stopped = false;
  #onPush = (e: PushEvent) => this.#handlePush(e);

  constructor(
    readonly ctx: SandboxContext,
    options: { namespace?: string; pollIntervalMs?: number } = {},
  ) {
    this.namespace = options.namespace ?? 'argocd';
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  }

  get cluster() {
    return this.ctx.cluster;
  }

  start() {
    this.#stopped = false;
    const cluster = this.cluster;
    if (!cluster) throw new Error('argocd controller: ctx.cluster is not set');
    this.#unsubscribe.push(
      cluster.watch(APPLICATIONS, { namespace: this.namespace }, e =>
        this.#onAppEvent(e),
      ),
    );
    for (const resource of [
      'apps/v1/deployments',
      'apps/v1/statefulsets',
      'apps/v1/daemonsets',
      'apps/v1/replicasets',
      'v1/pods',
      'v1/services',
      'networking.k8s.io/v1/ingresses',
      'batch/v1/jobs',
    ]) {
      if (!cluster.resourceType(resource)) continue;
      try {
        this.#unsubscribe.push(
          cluster.watch(resource, {}, e => this.#onWorkloadEvent(e)),
        );
      } catch {
        // a type the store cannot watch: health then refreshes on the poll only
      }
    }
    this.ctx.git.on('push', this.#onPush);
    this.#poll = this.ctx.clock.setInterval(
      () => this.refreshAll(true),
      this.pollIntervalMs,
    );
    for (const app of cluster.list(APPLICATIONS, { namespace: this.namespace })
      .items) {
      this.#track(app);
      this.#recover(app);
      this.schedule(app.metadata.name, 0);
    }
  }

  /** After a restart: resume a requested operation, close one that was cut off. */
  #recover(app: KubeObject) {
    const name = app.metadata.name;
    const operation = (app as any).operation as Operation | undefined;
    if (operation) {
      this.#beginOperation(name, operation);
    } else if (app.status?.operationState?.phase === 'Running') {
      try {
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
          operationState: {
            ...app.status.operationState,
            phase: 'Failed',
            message: 'Operation interrupted (sandbox restarted)',
            finishedAt: this.ctx.clock.now().toISOString(),
          },
        });
      } catch {
        // gone
      }
    }
  }

  async stop() {
    this.#stopped = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.ctx.git.off('push', this.#onPush);
    if (this.#poll) this.ctx.clock.clear(this.#poll);
    for (const t of this.#timers.values()) this.ctx.clock.clear(t);
    this.#timers.clear();
    for (const f of this.#inflight.values())
      if (f.timer) this.ctx.clock.clear(f.timer);
    await Promise.allSettled([...this.#chains.values()]);
  }

  // ------------------------------------------------------------------------------------------
  // Triggers

  #track(app: KubeObject) {
    const name = app.metadata.name;
    const key = stableJson({
      spec: app.spec,
      labels: app.metadata.labels,
      op: (app as any).operation,
    });
    const changed = this.#specKeys.get(name) !== key;
    this.#specKeys.set(name, key);
    const loc = parseRepoURL(app.spec?.source?.repoURL);
    if (loc) this.#repoOf.set(name, `${loc.owner}/${loc.repo}`);
    else this.#repoOf.delete(name);
    return changed;
  }

  #onAppEvent(e: WatchEvent) {
    const app = e.object;
    const name = app.metadata.name;
    const parent = app.metadata.labels?.[TRACKING_LABEL];
    if (parent && parent !== name && this.#specKeys.has(parent))
      this.schedule(parent, 500);
    if (e.type === 'DELETED') {
      this.#specKeys.delete(name);
      this.#repoOf.delete(name);
      return;
    }
    const changed = this.#track(app);
    if (e.type === 'ADDED' && !app.status?.sync?.status) {
      try {
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
          sync: { status: 'Unknown' },
          health: { status: 'Missing' },
        });
      } catch {
        // deleted meanwhile
      }
    }
    if ((app as any).operation && !this.#inflight.has(name)) {
      // events may arrive late: act on the stored object's operation, not the event's
      const current = this.getApp(name) as any;
      if (current?.operation) {
        this.#beginOperation(name, current.operation);
        return;
      }
    }
    if (changed || e.type === 'ADDED') this.schedule(name, 0);
  }

  #onWorkloadEvent(e: WatchEvent) {
    const app = e.object.metadata.labels?.[TRACKING_LABEL];
    if (app && this.#specKeys.has(app)) this.schedule(app, 1_000);
  }

  #handlePush(e: PushEvent) {
    const key = `${e.owner}/${e.repo}`;
    for (const k of [...this.#revCache.keys()])
      if (k.startsWith(`${key}@`)) this.#revCache.delete(k);
    for (const [name, repo] of this.#repoOf)
      if (repo === key) this.schedule(name, 0);
  }

  /** Forgets resolved branch/tag revisions, so the next comparison reads git again. */
  invalidateGitCache() {
    this.#revCache.clear();
  }

  /** Re-reads git for every application (the poll; also `POST /_sandbox/argocd/refresh`). */
  refreshAll(hard = false) {
    if (hard) this.#revCache.clear();
    for (const name of this.#specKeys.keys()) this.schedule(name, 0);
  }

  /** Debounced reconcile of one application after `delayMs` simulated ms. */
  schedule(name: string, delayMs = 0) {
    if (this.#stopped || this.#timers.has(name)) return;
    const t = this.ctx.clock.setTimeout(() => {
      this.#timers.delete(name);
      this.reconcile(name).catch(err =>
        this.ctx.logger.error(`argocd: reconcile ${name} failed`, {
          error: String(err?.stack ?? err),
        }),
      );
    }, delayMs);
    this.#timers.set(name, t);
  }

  /** Serialises work per application. */
  #serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(name) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => this.#limiter.run(fn));
    this.#chains.set(name, next);
    next
      .finally(() => {
        if (this.#chains.get(name) === next) this.#chains.delete(name);
      })
      .catch(() => {});
    return next;
  }

  /** Waits for pending work on `name` (tests, `?refresh=`). */
  async idle(name?: string) {
    if (name) await this.#chains.get(name)?.catch(() => {});
    else await Promise.allSettled([...this.#chains.values()]);
  }

  // ------------------------------------------------------------------------------------------
  // Comparison

  getApp(name: string): KubeObject | undefined {
    return this.cluster.get(APPLICATIONS, this.namespace, name);
  }

  async #resolve(
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
  async #render(
    app: KubeObject,
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
      p.catch(() => {});
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
  decorate(app: KubeObject, objects: KubeObject[]): KubeObject[] {
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

  /** Namespaces the app's objects live in: destination + previously managed ones. */
  #namespaces(app: KubeObject, extra: Iterable<string | undefined> = []) {
    const set = new Set<string>();
    if (app.spec?.destination?.namespace)
      set.add(app.spec.destination.namespace);
    for (const r of (app.status?.resources ?? []) as ResourceStatus[])
      if (r.namespace) set.add(r.namespace);
    for (const ns of extra) if (ns) set.add(ns);
    return set;
  }

  #liveManaged(
    app: KubeObject,
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
        // unknown type
      }
    }
    return out;
  }

  async compare(
    app: KubeObject,
    opts: { revision?: string; source?: AppSource } = {},
  ): Promise<Comparison> {
    const source: AppSource = opts.source ?? app.spec?.source;
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
      sha = (await this.#resolve(source, opts.revision)).sha;
      rendered = await this.#render(app, source, sha);
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
    const types = new Set<string>();
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
      types.add(resource);
      const live = this.cluster.get(
        resource,
        t.metadata.namespace,
        t.metadata.name,
      );
      const inSync =
        !!live && isSubset(t, live) && this.#lastAppliedMatches(t, live);
      managed.push({
        ...id,
        resource,
        target: t,
        live,
        inSync,
        health: assessHealth(this.cluster, live),
      });
    }
    for (const r of (app.status?.resources ?? []) as ResourceStatus[]) {
      const res = this.cluster.resourceForKind(
        r.group ? `${r.group}/${r.version}` : r.version,
        r.kind,
      );
      if (res) types.add(res);
    }
    for (const live of this.#liveManaged(
      app,
      types,
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

  #previousManaged(app: KubeObject): Managed[] {
    return ((app.status?.resources ?? []) as ResourceStatus[]).map(r => {
      const resource = this.cluster.resourceForKind(
        r.group ? `${r.group}/${r.version}` : r.version,
        r.kind,
      );
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

  #lastAppliedMatches(target: KubeObject, live: KubeObject) {
    const last = live.metadata.annotations?.[LAST_APPLIED];
    if (!last) return true; // created outside Argo CD but matching
    try {
      return stableJson(JSON.parse(last)) === stableJson(target);
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reconcile

  async reconcile(name: string): Promise<void> {
    return this.#serial(name, () => this.#reconcile(name));
  }

  async #reconcile(name: string) {
    const app = this.getApp(name);
    if (!app || this.#stopped) return;
    const cmp = await this.compare(app);
    const fresh = this.getApp(name);
    if (!fresh) return;
    const status = this.#statusFrom(fresh, cmp);
    // skip writes that would only move timestamps, unless the last one is a poll period old
    const comparable = (st: any) =>
      stableJson({ ...st, reconciledAt: undefined, observedAt: undefined });
    const last = Date.parse(fresh.status?.reconciledAt ?? '') || 0;
    const stale =
      Date.now() - last >= this.ctx.clock.real(this.pollIntervalMs) * 0.9;
    const previous = Object.fromEntries(
      Object.keys(status).map(k => [k, fresh.status?.[k]]),
    );
    if (stale || comparable(previous) !== comparable(status)) {
      try {
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, status);
      } catch {
        return;
      }
    }
    this.#maybeAutoSync(fresh, cmp, status.sync.status);
  }

  #statusFrom(app: KubeObject, cmp: Comparison) {
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
    const now = this.ctx.clock.now().toISOString();
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
          ((app.status?.conditions ?? []) as any[]).find(
            p => p.type === c.type && p.message === c.message,
          )?.lastTransitionTime ?? now,
      })),
      reconciledAt: now,
      observedAt: now,
      sourceType: cmp.sourceType ?? app.status?.sourceType ?? 'Directory',
      controllerNamespace: this.namespace,
    };
  }

  #maybeAutoSync(app: KubeObject, cmp: Comparison, syncStatus: string) {
    const automated = app.spec?.syncPolicy?.automated;
    if (!automated || automated.enabled === false) return;
    if (syncStatus !== 'OutOfSync' || !cmp.revision) return;
    const name = app.metadata.name;
    if (this.#inflight.has(name) || (app as any).operation) return;
    const onlyPrune = cmp.managed.filter(m => !m.inSync).every(m => !m.target);
    if (onlyPrune && !automated.prune) return;
    const last = app.status?.operationState;
    const lastRev =
      last?.syncResult?.revision ?? last?.operation?.sync?.revision;
    if (last && lastRev === cmp.revision) {
      if (last.phase === 'Failed' || last.phase === 'Error') return; // no retry strategy
      if (!automated.selfHeal) return; // already synced to this revision
      const finished = Date.parse(last.finishedAt ?? last.startedAt ?? '') || 0;
      const waitReal =
        this.ctx.clock.real(SELF_HEAL_BACKOFF_MS) - (Date.now() - finished);
      if (waitReal > 0) {
        this.schedule(name, SELF_HEAL_BACKOFF_MS);
        return;
      }
    }
    this.#beginOperation(name, {
      sync: { revision: cmp.revision, prune: !!automated.prune },
      initiatedBy: { automated: true },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Operations

  /** Starts a sync operation (API sync/rollback, automated sync); returns the updated app. */
  startOperation(name: string, operation: Operation): KubeObject {
    const app = this.getApp(name);
    if (!app)
      throw new ApiError(404, `applications.argoproj.io "${name}" not found`);
    if (this.#inflight.has(name) || (app as any).operation)
      throw new ApiError(400, 'another operation is already in progress');
    return this.#beginOperation(name, operation) ?? app;
  }

  #beginOperation(name: string, operation: Operation): KubeObject | undefined {
    if (this.#inflight.has(name)) return undefined;
    const flight: { terminated: boolean; timer?: NodeJS.Timeout } = {
      terminated: false,
    };
    this.#inflight.set(name, flight);
    const startedAt = this.ctx.clock.now().toISOString();
    let app: KubeObject | undefined;
    try {
      const current = this.getApp(name);
      if (!current) {
        this.#inflight.delete(name);
        return undefined;
      }
      if (stableJson((current as any).operation) !== stableJson(operation)) {
        const withOp = { ...current, operation } as KubeObject;
        delete withOp.metadata.resourceVersion;
        this.#specKeys.set(
          name,
          stableJson({
            spec: current.spec,
            labels: current.metadata.labels,
            op: operation,
          }),
        );
        this.cluster.update(APPLICATIONS, withOp);
      }
      app = this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
        operationState: {
          operation,
          phase: 'Running',
          message: 'waiting for operation to start',
          startedAt,
        },
      });
    } catch (e) {
      this.#inflight.delete(name);
      throw e;
    }
    this.#event(
      name,
      'OperationStarted',
      `Initiated ${
        operation.initiatedBy?.automated ? 'automated ' : ''
      }sync to ${operation.sync.revision ?? 'HEAD'}`,
    );
    flight.timer = this.ctx.clock.setTimeout(() => {
      flight.timer = undefined;
      this.#serial(name, () =>
        this.#runOperation(name, operation, startedAt, flight),
      )
        .catch(err =>
          this.ctx.logger.error(`argocd: sync ${name} failed`, {
            error: String(err?.stack ?? err),
          }),
        )
        .finally(() => this.schedule(name, 0));
    }, OPERATION_DELAY_MS);
    return app;
  }

  /** Terminates the running operation (DELETE .../operation). */
  terminate(name: string) {
    const flight = this.#inflight.get(name);
    if (!flight)
      throw new ApiError(
        400,
        'Unable to terminate operation. No operation is in progress',
      );
    flight.terminated = true;
    if (flight.timer) {
      this.ctx.clock.clear(flight.timer);
      flight.timer = undefined;
      const app = this.getApp(name);
      this.#finishOperation(name, {
        phase: 'Failed',
        message: 'Operation terminated',
        operation:
          app?.status?.operationState?.operation ?? (app as any)?.operation,
        startedAt:
          app?.status?.operationState?.startedAt ??
          this.ctx.clock.now().toISOString(),
      });
      this.schedule(name, 0);
    }
  }

  #finishOperation(
    name: string,
    state: Record<string, unknown>,
    history?: unknown[],
  ) {
    this.#inflight.delete(name);
    const app = this.getApp(name);
    if (!app) return;
    if ((app as any).operation) {
      const copy = structuredClone(app) as any;
      delete copy.operation;
      delete copy.metadata.resourceVersion;
      this.#specKeys.set(
        name,
        stableJson({
          spec: copy.spec,
          labels: copy.metadata.labels,
          op: undefined,
        }),
      );
      try {
        this.cluster.update(APPLICATIONS, copy);
      } catch {
        // deleted meanwhile
      }
    }
    const finishedAt = this.ctx.clock.now().toISOString();
    try {
      this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
        operationState: { ...state, finishedAt },
        ...(history ? { history } : {}),
      });
    } catch {
      // deleted
    }
    this.#event(
      name,
      'OperationCompleted',
      `${
        state.phase === 'Succeeded' ? 'Sync operation' : 'Sync operation'
      } to ${(state.syncResult as any)?.revision ?? ''} ${
        state.phase === 'Succeeded' ? 'succeeded' : `failed: ${state.message}`
      }`,
      state.phase === 'Succeeded' ? 'Normal' : 'Warning',
    );
  }

  async #runOperation(
    name: string,
    operation: Operation,
    startedAt: string,
    flight: { terminated: boolean },
  ) {
    if (flight.terminated) return;
    const app = this.getApp(name);
    if (!app) {
      this.#inflight.delete(name);
      return;
    }
    const sync = operation.sync ?? {};
    const source: AppSource = sync.source ?? app.spec?.source;
    const base = { operation, startedAt };
    let sha: string;
    let rendered: RenderedSource;
    try {
      sha = (await this.#resolve(source, sync.revision)).sha;
      rendered = await this.#render(app, source, sha);
    } catch (e) {
      this.#finishOperation(name, {
        ...base,
        phase: 'Error',
        message: `ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: ${
          (e as Error).message
        }`,
      });
      return;
    }
    const targets = this.decorate(app, rendered.objects).sort(
      (a, b) => kindRank(a.kind) - kindRank(b.kind),
    );
    const selected = (o: {
      kind: string;
      apiVersion?: string;
      metadata: { name: string; namespace?: string };
    }) =>
      !sync.resources?.length ||
      sync.resources.some(
        r =>
          r.kind === o.kind &&
          r.name === o.metadata.name &&
          (!r.namespace || r.namespace === (o.metadata.namespace ?? '')) &&
          (r.group === undefined ||
            r.group === groupVersion(o.apiVersion ?? '').group),
      );
    const results: Array<Record<string, unknown>> = [];
    let failed: string | undefined;
    const syncOptions = [
      ...(app.spec?.syncPolicy?.syncOptions ?? []),
      ...(sync.syncOptions ?? []),
    ];
    const destNs = app.spec?.destination?.namespace;
    if (
      destNs &&
      !sync.dryRun &&
      this.cluster.resourceType('v1/namespaces') &&
      !this.cluster.get('v1/namespaces', undefined, destNs)
    ) {
      if (syncOptions.includes('CreateNamespace=true')) {
        this.cluster.apply('v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: destNs },
        });
        results.push({
          group: '',
          version: 'v1',
          kind: 'Namespace',
          namespace: '',
          name: destNs,
          status: 'Synced',
          message: `namespace/${destNs} created`,
          hookPhase: 'Running',
          syncPhase: 'PreSync',
        });
      } else {
        failed = `namespaces "${destNs}" not found`;
      }
    }
    for (const t of failed ? [] : targets) {
      if (flight.terminated) break;
      if (!selected(t)) continue;
      const { group, version } = groupVersion(t.apiVersion);
      const res = this.cluster.resourceForKind(t.apiVersion, t.kind);
      const base2 = {
        group,
        version,
        kind: t.kind,
        namespace: t.metadata.namespace ?? '',
        name: t.metadata.name,
        hookPhase: 'Running',
        syncPhase: 'Sync',
      };
      const ref = `${t.kind.toLowerCase()}${group ? `.${group}` : ''}/${
        t.metadata.name
      }`;
      if (!res) {
        failed = `The Kubernetes API could not find ${group || 'core'}/${
          t.kind
        } for requested resource ${t.metadata.namespace ?? ''}/${
          t.metadata.name
        }. Make sure the "${
          t.kind
        }" CRD is installed on the destination cluster.`;
        results.push({
          ...base2,
          status: 'SyncFailed',
          message: failed,
          hookPhase: 'Failed',
        });
        continue;
      }
      const live = this.cluster.get(res, t.metadata.namespace, t.metadata.name);
      const unchanged =
        !!live && isSubset(t, live) && this.#lastAppliedMatches(t, live);
      let verb = 'created';
      if (live) verb = unchanged ? 'unchanged' : 'configured';
      if (sync.dryRun) {
        results.push({
          ...base2,
          status: 'Synced',
          message: `${ref} ${verb} (dry run)`,
        });
        continue;
      }
      try {
        if (!unchanged || !live)
          this.cluster.apply(res, this.#applied(t, live));
        results.push({
          ...base2,
          status: 'Synced',
          message: `${ref} ${verb}`,
        });
      } catch (e) {
        failed = `${ref}: ${(e as Error).message}`;
        results.push({
          ...base2,
          status: 'SyncFailed',
          message: (e as Error).message,
          hookPhase: 'Failed',
        });
      }
    }
    // prune: managed live objects no longer in git
    if (!failed && !flight.terminated) {
      const targetKeys = new Set(
        targets.map(
          t =>
            `${groupVersion(t.apiVersion).group}/${t.kind}/${
              t.metadata.namespace ?? ''
            }/${t.metadata.name}`,
        ),
      );
      const types = new Set<string>();
      for (const t of targets) {
        const r = this.cluster.resourceForKind(t.apiVersion, t.kind);
        if (r) types.add(r);
      }
      for (const r of (app.status?.resources ?? []) as ResourceStatus[]) {
        const res = this.cluster.resourceForKind(
          r.group ? `${r.group}/${r.version}` : r.version,
          r.kind,
        );
        if (res) types.add(res);
      }
      const extras = this.#liveManaged(
        app,
        types,
        targets.map(t => t.metadata.namespace),
      )
        .filter(
          o =>
            !targetKeys.has(
              `${groupVersion(o.apiVersion).group}/${o.kind}/${
                o.metadata.namespace ?? ''
              }/${o.metadata.name}`,
            ),
        )
        .filter(o => selected(o))
        .sort((a, b) => kindRank(b.kind) - kindRank(a.kind));
      for (const o of extras) {
        const { group, version } = groupVersion(o.apiVersion);
        const base2 = {
          group,
          version,
          kind: o.kind,
          namespace: o.metadata.namespace ?? '',
          name: o.metadata.name,
          hookPhase: 'Running',
          syncPhase: 'Sync',
        };
        if (!sync.prune) {
          results.push({
            ...base2,
            status: 'PruneSkipped',
            message: 'ignored (requires pruning)',
          });
          continue;
        }
        if (sync.dryRun) {
          results.push({
            ...base2,
            status: 'Pruned',
            message: 'pruned (dry run)',
          });
          continue;
        }
        const res = this.cluster.resourceForKind(o.apiVersion, o.kind)!;
        this.cluster.delete(res, o.metadata.namespace, o.metadata.name);
        results.push({ ...base2, status: 'Pruned', message: 'pruned' });
      }
    }
    if (flight.terminated) {
      this.#finishOperation(name, {
        ...base,
        phase: 'Failed',
        message: 'Operation terminated',
        syncResult: { resources: results, revision: sha, source },
      });
      return;
    }
    const syncResult = { resources: results, revision: sha, source };
    if (failed) {
      this.#finishOperation(name, {
        ...base,
        phase: 'Failed',
        message: `one or more objects failed to apply, reason: ${failed}`,
        syncResult,
      });
      return;
    }
    const fresh = this.getApp(name) ?? app;
    let history: unknown[] | undefined;
    if (!sync.dryRun) {
      const prev = (fresh.status?.history ?? []) as Array<{ id: number }>;
      const id = prev.reduce((m, h) => Math.max(m, h.id), -1) + 1;
      const limit = fresh.spec?.revisionHistoryLimit ?? HISTORY_LIMIT;
      history = [
        ...prev,
        {
          id,
          revision: sha,
          deployStartedAt: startedAt,
          deployedAt: this.ctx.clock.now().toISOString(),
          source,
          initiatedBy: operation.initiatedBy ?? {},
        },
      ].slice(-Math.max(1, limit));
    }
    this.#finishOperation(
      name,
      {
        ...base,
        phase: 'Succeeded',
        message: sync.dryRun
          ? 'successfully synced (dry run)'
          : 'successfully synced (all tasks run)',
        syncResult,
      },
      history,
    );
  }

  /** What `kubectl apply` leaves: the target plus live-only annotations and status. */
  #applied(target: KubeObject, live: KubeObject | undefined): KubeObject {
    const obj = structuredClone(target);
    const annotations: Record<string, string> = {};
    const lastApplied = live?.metadata.annotations?.[LAST_APPLIED];
    let previous: Record<string, string> = {};
    try {
      previous = lastApplied
        ? JSON.parse(lastApplied).metadata?.annotations ?? {}
        : {};
    } catch {
      previous = {};
    }
    for (const [k, v] of Object.entries(live?.metadata.annotations ?? {})) {
      if (!(k in previous)) annotations[k] = v; // added by someone else (e.g. deployment revision)
    }
    obj.metadata = {
      ...obj.metadata,
      annotations: {
        ...annotations,
        ...(target.metadata.annotations ?? {}),
        [LAST_APPLIED]: JSON.stringify(target),
      },
    };
    if (live?.status !== undefined && obj.status === undefined)
      obj.status = live.status;
    // a child Application's running operation belongs to it, not to git
    if ((live as any)?.operation && (obj as any).operation === undefined)
      (obj as any).operation = (live as any).operation;
    return obj;
  }

  // ------------------------------------------------------------------------------------------
  // Views for the API

  #event(name: string, reason: string, message: string, type = 'Normal') {
    const list = this.#events.get(name) ?? [];
    const now = this.ctx.clock.now().toISOString();
    const app = this.cluster?.get(APPLICATIONS, this.namespace, name);
    list.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${name}.${crypto.randomBytes(8).toString('hex')}`,
        namespace: this.namespace,
        creationTimestamp: now,
      },
      involvedObject: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        name,
        namespace: this.namespace,
        uid: app?.metadata.uid,
        resourceVersion: app?.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'argocd-application-controller' },
      reportingComponent: 'argocd-application-controller',
    });
    this.#events.set(name, list.slice(-200));
  }

  recordEvent(name: string, reason: string, message: string, type = 'Normal') {
    this.#event(name, reason, message, type);
  }

  events(name: string): AppEvent[] {
    return this.#events.get(name) ?? [];
  }

  /** Desired and live state of every managed resource (GET .../managed-resources). */
  async managedResources(app: KubeObject) {
    const cmp = await this.compare(app);
    return cmp.managed.map(m => ({
      group: m.group,
      kind: m.kind,
      namespace: m.namespace,
      name: m.name,
      version: m.version,
      liveState: m.live ? JSON.stringify(m.live) : 'null',
      targetState: m.target ? JSON.stringify(m.target) : 'null',
      normalizedLiveState: m.live ? JSON.stringify(m.live) : 'null',
      predictedLiveState: m.target
        ? JSON.stringify(
            m.live
              ? { ...m.live, ...m.target, status: m.live.status }
              : m.target,
          )
        : 'null',
      hook: false,
      requiresPruning: !m.target,
      ...(m.live?.metadata.resourceVersion
        ? { resourceVersion: m.live.metadata.resourceVersion }
        : {}),
    }));
  }

  /** The application's resource tree: managed objects and their ReplicaSets and Pods. */
  resourceTree(app: KubeObject) {
    const nodes: Array<Record<string, unknown>> = [];
    const node = (o: KubeObject, parent?: KubeObject) => {
      const { group, version } = groupVersion(o.apiVersion);
      const health = assessHealth(this.cluster, o);
      const info: Array<{ name: string; value: string }> = [];
      const images: string[] = [];
      if (o.kind === 'Pod') {
        const statuses = (o.status?.containerStatuses ?? []) as any[];
        const ready = statuses.filter(s => s.ready).length;
        const restarts = statuses.reduce(
          (n, s) => n + (s.restartCount ?? 0),
          0,
        );
        const waiting = statuses.find(s => s.state?.waiting)?.state?.waiting
          ?.reason;
        const terminated = statuses.find(s => s.state?.terminated)?.state
          ?.terminated?.reason;
        info.push({
          name: 'Status Reason',
          value: waiting ?? terminated ?? o.status?.phase ?? 'Unknown',
        });
        info.push({ name: 'Node', value: o.spec?.nodeName ?? 'sandbox-node' });
        info.push({
          name: 'Containers',
          value: `${ready}/${(o.spec?.containers ?? []).length}`,
        });
        if (restarts)
          info.push({ name: 'Restart Count', value: String(restarts) });
        for (const c of o.spec?.containers ?? []) images.push(c.image);
      }
      const rev = o.metadata.annotations?.['deployment.kubernetes.io/revision'];
      if (rev) info.push({ name: 'Revision', value: `Rev:${rev}` });
      nodes.push({
        group,
        version,
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        createdAt: o.metadata.creationTimestamp,
        ...(parent
          ? {
              parentRefs: [
                {
                  group: groupVersion(parent.apiVersion).group,
                  kind: parent.kind,
                  namespace: parent.metadata.namespace ?? '',
                  name: parent.metadata.name,
                  uid: parent.metadata.uid,
                },
              ],
            }
          : {}),
        ...(info.length ? { info } : {}),
        ...(images.length ? { images } : {}),
        ...(health
          ? {
              health: {
                status: health.status,
                ...(health.message ? { message: health.message } : {}),
              },
            }
          : {}),
        ...(o.kind === 'Service' || o.kind === 'Ingress'
          ? {
              networkingInfo:
                o.kind === 'Service'
                  ? { targetLabels: o.spec?.selector ?? {} }
                  : {
                      externalURLs: (o.spec?.rules ?? [])
                        .filter((r: any) => r.host)
                        .map((r: any) => `http://${r.host}`),
                      targetRefs: (o.spec?.rules ?? []).flatMap((r: any) =>
                        (r.http?.paths ?? []).map((p: any) => ({
                          kind: 'Service',
                          namespace: o.metadata.namespace,
                          name: p.backend?.service?.name,
                        })),
                      ),
                    },
            }
          : {}),
      });
    };
    const childrenOf = (parent: KubeObject, resource: string) => {
      if (!this.cluster.resourceType(resource)) return [];
      return this.cluster
        .list(resource, { namespace: parent.metadata.namespace })
        .items.filter(o =>
          (o.metadata.ownerReferences ?? []).some(
            r => r.uid === parent.metadata.uid,
          ),
        );
    };
    for (const r of (app.status?.resources ?? []) as ResourceStatus[]) {
      const res = this.cluster.resourceForKind(
        r.group ? `${r.group}/${r.version}` : r.version,
        r.kind,
      );
      const live = res
        ? this.cluster.get(res, r.namespace || undefined, r.name)
        : undefined;
      if (!live) continue;
      node(live);
      let owned: KubeObject[] = [];
      if (live.kind === 'Deployment')
        owned = childrenOf(live, 'apps/v1/replicasets');
      else if (
        ['StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(live.kind)
      )
        owned = childrenOf(live, 'v1/pods');
      for (const child of owned) {
        node(child, live);
        if (child.kind === 'ReplicaSet')
          for (const pod of childrenOf(child, 'v1/pods')) node(pod, child);
      }
    }
    return { nodes, hosts: [{ name: 'sandbox-node', resourcesInfo: [] }] };
  }

  /** Commit metadata for GET .../revisions/:revision/metadata. */
  async revisionMetadata(app: KubeObject, revision: string) {
    const loc = parseRepoURL(app.spec?.source?.repoURL);
    if (!loc || !this.ctx.git.exists(loc.owner, loc.repo))
      throw new ApiError(
        404,
        `repository not found: ${app.spec?.source?.repoURL}`,
      );
    const sha = await this.ctx.git.resolve(loc.owner, loc.repo, revision);
    if (!sha) throw new ApiError(404, `revision ${revision} not found`);
    const out = await this.ctx.git.git(loc.owner, loc.repo, [
      'show',
      '-s',
      '--format=%an <%ae>%x00%aI%x00%B',
      sha,
    ]);
    const [author, date, message] = out.split('\0');
    const tags = (
      await this.ctx.git.git(loc.owner, loc.repo, ['tag', '--points-at', sha])
    )
      .split('\n')
      .filter(Boolean);
    return {
      author,
      date: new Date(date).toISOString(),
      tags,
      message: message.replace(/\n+$/, ''),
    };
  }

  /** Deletes an application, and with `cascade` the objects it manages. */
  deleteApplication(name: string, cascade: boolean) {
    const app = this.getApp(name);
    if (!app)
      throw new ApiError(404, `applications.argoproj.io "${name}" not found`);
    const flight = this.#inflight.get(name);
    if (flight) {
      flight.terminated = true;
      if (flight.timer) this.ctx.clock.clear(flight.timer);
      this.#inflight.delete(name);
    }
    if (cascade) {
      const types = new Set<string>();
      for (const r of (app.status?.resources ?? []) as ResourceStatus[]) {
        const res = this.cluster.resourceForKind(
          r.group ? `${r.group}/${r.version}` : r.version,
          r.kind,
        );
        if (res) types.add(res);
      }
      for (const o of this.#liveManaged(app, types).sort(
        (a, b) => kindRank(b.kind) - kindRank(a.kind),
      )) {
        const res = this.cluster.resourceForKind(o.apiVersion, o.kind);
        if (res)
          this.cluster.delete(res, o.metadata.namespace, o.metadata.name);
      }
    }
    if ((app.metadata as any).finalizers?.length) {
      // the controller has done the finalizer's work (cascade) itself
      const copy = structuredClone(app);
      delete (copy.metadata as any).finalizers;
      delete copy.metadata.resourceVersion;
      try {
        this.cluster.update(APPLICATIONS, copy);
      } catch {
        // already gone
      }
    }
    this.cluster.delete(APPLICATIONS, this.namespace, name);
    this.#events.delete(name);
  }
}
