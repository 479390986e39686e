import pLimit from 'p-limit';
import type { SandboxContext } from '../../core/context';
import type { KubeObject, WatchEvent } from '../../core/cluster';
import type { PushEvent } from '../../core/git';
import { parseRepoURL } from '../source';
import { Comparer, statusFrom } from './compare';
import { AppEvents } from './events';
import { runSync } from './operation';
import { deleteManaged, managedResources, resourceTree } from './resourceTree';
import { revisionMetadata, targetManifests } from './views';
import {
  APPLICATIONS,
  ApiError,
  DEFAULT_POLL_MS,
  FAILED_PRECONDITION,
  OPERATION_DELAY_MS,
  RESOURCES_FINALIZER,
  SELF_HEAL_BACKOFF_MS,
  TRACKING_LABEL,
  WATCHED_WORKLOADS,
  asApplication,
  stableJson,
  type AppEvent,
  type Application,
  type Comparison,
  type Flight,
  type HistoryEntry,
  type Operation,
} from './types';

export * from './types';
export { Comparer, inSync, statusFrom, statusResources } from './compare';
export { applied, runSync } from './operation';
export { liveResources, podsOf, resourceTree } from './resourceTree';
export { revisionMetadata, targetManifests } from './views';

/**
 * The Argo CD application controller: compares each Application (CRs in ctx.cluster, namespace
 * `argocd`) with its git source, reports sync and health status, runs sync operations (manual,
 * automated on push/poll, self-heal) and keeps history. See README.md.
 *
 * The work is split by concern: `compare.ts` (desired vs live state, status), `operation.ts`
 * (sync operations), `resourceTree.ts` (API views of the live objects, cascade deletion),
 * `views.ts` (target manifests and commit metadata from git), `events.ts`.
 */
export class ArgoCdController {
  readonly namespace: string;
  readonly pollIntervalMs: number;
  readonly comparer: Comparer;
  #events: AppEvents;
  #specKeys = new Map<string, string>();
  #repoOf = new Map<string, string>();
  #timers = new Map<string, NodeJS.Timeout>();
  #chains = new Map<string, Promise<unknown>>();
  #inflight = new Map<string, Flight>();
  #unsubscribe: Array<() => void> = [];
  #poll?: NodeJS.Timeout;
  /** At most 4 reconciles / operations at a time. */
  #limit = pLimit(4);
  #stopped = false;
  #onPush = (e: PushEvent) => this.#handlePush(e);

  constructor(
    readonly ctx: SandboxContext,
    options: { namespace?: string; pollIntervalMs?: number } = {},
  ) {
    this.namespace = options.namespace ?? 'argocd';
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.comparer = new Comparer(ctx);
    this.#events = new AppEvents(
      this.namespace,
      () => this.ctx.cluster,
      () => this.#now(),
    );
  }

  get cluster() {
    return this.ctx.cluster;
  }

  #now() {
    return this.ctx.clock.now().toISOString();
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
    for (const resource of WATCHED_WORKLOADS) {
      if (!cluster.resourceType(resource)) continue;
      try {
        this.#unsubscribe.push(
          cluster.watch(resource, {}, e => this.#onWorkloadEvent(e)),
        );
      } catch (e) {
        this.ctx.logger.warn(
          `argocd: cannot watch ${resource}; health of its objects follows the poll only`,
          { error: String(e) },
        );
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
      this.#recover(asApplication(app));
      this.schedule(app.metadata.name, 0);
    }
  }

  /** After a restart: resume a requested operation, close one that was cut off. */
  #recover(app: Application) {
    const name = app.metadata.name;
    if (app.operation) {
      this.#beginOperation(name, app.operation as Operation);
    } else if (app.status?.operationState?.phase === 'Running') {
      try {
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
          operationState: {
            ...app.status.operationState,
            phase: 'Failed',
            message: 'Operation interrupted (sandbox restarted)',
            finishedAt: this.#now(),
          },
        });
      } catch {
        // deleted meanwhile: nothing to close
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
      op: app.operation,
    });
    const changed = this.#specKeys.get(name) !== key;
    this.#specKeys.set(name, key);
    const loc = parseRepoURL(app.spec?.source?.repoURL);
    if (loc) this.#repoOf.set(name, `${loc.owner}/${loc.repo}`);
    else this.#repoOf.delete(name);
    return changed;
  }

  #onAppEvent(e: WatchEvent) {
    const app = asApplication(e.object);
    const name = app.metadata.name;
    const parent = app.metadata.labels?.[TRACKING_LABEL];
    if (parent && parent !== name && this.#specKeys.has(parent))
      this.schedule(parent, 500);
    if (e.type === 'DELETED') {
      this.#specKeys.delete(name);
      this.#repoOf.delete(name);
      // deleted without the API (kubectl, a parent app's prune): the store has no finalizers,
      // so the controller does the resources finalizer's work here
      if (app.metadata.finalizers?.includes(RESOURCES_FINALIZER)) {
        this.#stopOperation(name);
        deleteManaged(this.cluster, this.comparer, app);
        this.#events.forget(name);
      }
      return;
    }
    const changed = this.#track(e.object);
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
    if (app.operation && !this.#inflight.has(name)) {
      // events may arrive late: act on the stored object's operation, not the event's
      const current = this.getApp(name);
      if (current?.operation) {
        this.#beginOperation(name, current.operation as Operation);
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
    this.comparer.forgetRevisions(key);
    for (const [name, repo] of this.#repoOf)
      if (repo === key) this.schedule(name, 0);
  }

  /** Forgets resolved branch/tag revisions, so the next comparison reads git again. */
  invalidateGitCache() {
    this.comparer.forgetRevisions();
  }

  /** Re-reads git for every application (the poll; also `POST /_sandbox/argocd/refresh`). */
  refreshAll(hard = false) {
    if (hard) this.comparer.forgetRevisions();
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

  /** Serialises work per application (each caller gets and reports its own task's error). */
  #serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(name) ?? Promise.resolve();
    // the previous task's failure was reported to its own caller; this one runs regardless
    const next = prev.then(
      () => this.#limit(fn),
      () => this.#limit(fn),
    );
    this.#chains.set(name, next);
    const clear = () => {
      if (this.#chains.get(name) === next) this.#chains.delete(name);
    };
    next.then(clear, clear);
    return next;
  }

  /** Waits for pending work on `name` (tests, `?refresh=`); errors went to their callers. */
  async idle(name?: string) {
    if (name) await Promise.allSettled([this.#chains.get(name)]);
    else await Promise.allSettled([...this.#chains.values()]);
  }

  // ------------------------------------------------------------------------------------------
  // Comparison and status

  getApp(name: string): Application | undefined {
    return asApplication(this.cluster.get(APPLICATIONS, this.namespace, name));
  }

  /** Compares one app with git (what `GET .../managed-resources` and reconciles read). */
  compare(app: Application) {
    return this.comparer.compare(app);
  }

  /**
   * Compares and writes the status. Writes that would only move timestamps are skipped unless
   * the last one is a poll period old or `force` is set (an explicit refresh always records
   * its `reconciledAt`, as Argo CD's refresh does).
   */
  async reconcile(name: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.#serial(name, () => this.#reconcile(name, !!opts.force));
  }

  async #reconcile(name: string, force: boolean) {
    const app = this.getApp(name);
    if (!app || this.#stopped) return;
    const cmp = await this.comparer.compare(app);
    const fresh = this.getApp(name);
    if (!fresh) return;
    const status = statusFrom(fresh, cmp, this.#now(), this.namespace);
    const comparable = (st: unknown) =>
      stableJson({
        ...(st as object),
        reconciledAt: undefined,
        observedAt: undefined,
      });
    const last = Date.parse(fresh.status?.reconciledAt ?? '') || 0;
    const stale =
      Date.now() - last >= this.ctx.clock.real(this.pollIntervalMs) * 0.9;
    const previous = Object.fromEntries(
      Object.keys(status).map(k => [
        k,
        (fresh.status as Record<string, unknown> | undefined)?.[k],
      ]),
    );
    if (force || stale || comparable(previous) !== comparable(status)) {
      try {
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, status);
      } catch {
        return; // deleted meanwhile
      }
    }
    this.#maybeAutoSync(fresh, cmp, status.sync.status);
  }

  #maybeAutoSync(app: Application, cmp: Comparison, syncStatus: string) {
    const automated = app.spec?.syncPolicy?.automated;
    if (!automated || automated.enabled === false) return;
    if (syncStatus !== 'OutOfSync' || !cmp.revision) return;
    const name = app.metadata.name;
    if (this.#inflight.has(name) || app.operation) return;
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

  /** Whether an operation runs (or was requested) for the app. */
  operationInProgress(name: string) {
    return this.#inflight.has(name) || !!this.getApp(name)?.operation;
  }

  /** Starts a sync operation (API sync/rollback, automated sync); returns the updated app. */
  startOperation(name: string, operation: Operation): Application {
    const app = this.getApp(name);
    if (!app)
      throw new ApiError(404, `applications.argoproj.io "${name}" not found`);
    if (this.#inflight.has(name) || app.operation)
      throw new ApiError(
        400,
        'another operation is already in progress',
        FAILED_PRECONDITION,
      );
    return this.#beginOperation(name, operation) ?? app;
  }

  #beginOperation(name: string, operation: Operation): Application | undefined {
    if (this.#inflight.has(name)) return undefined;
    const flight: Flight = { terminated: false };
    this.#inflight.set(name, flight);
    const startedAt = this.#now();
    let app: Application | undefined;
    try {
      const current = this.getApp(name);
      if (!current) {
        this.#inflight.delete(name);
        return undefined;
      }
      if (stableJson(current.operation) !== stableJson(operation)) {
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
      app = asApplication(
        this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
          operationState: {
            operation,
            phase: 'Running',
            message: 'waiting for operation to start',
            startedAt,
          },
        }),
      );
    } catch (e) {
      this.#inflight.delete(name);
      throw e;
    }
    this.#events.record(
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
        operation: app?.status?.operationState?.operation ?? app?.operation,
        startedAt: app?.status?.operationState?.startedAt ?? this.#now(),
      });
      this.schedule(name, 0);
    }
  }

  #finishOperation(
    name: string,
    state: Record<string, unknown>,
    history?: HistoryEntry[],
  ) {
    this.#inflight.delete(name);
    const app = this.getApp(name);
    if (!app) return;
    if (app.operation) {
      const copy = structuredClone(app);
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
        this.cluster.update(APPLICATIONS, copy as KubeObject);
      } catch {
        // deleted meanwhile
      }
    }
    try {
      this.cluster.updateStatus(APPLICATIONS, this.namespace, name, {
        operationState: { ...state, finishedAt: this.#now() },
        ...(history ? { history } : {}),
      });
    } catch {
      // deleted meanwhile
    }
    const revision =
      (state.syncResult as { revision?: string } | undefined)?.revision ?? '';
    this.#events.record(
      name,
      'OperationCompleted',
      `Sync operation to ${revision} ${
        state.phase === 'Succeeded' ? 'succeeded' : `failed: ${state.message}`
      }`,
      state.phase === 'Succeeded' ? 'Normal' : 'Warning',
    );
  }

  async #runOperation(
    name: string,
    operation: Operation,
    startedAt: string,
    flight: Flight,
  ) {
    if (flight.terminated) return;
    const app = this.getApp(name);
    if (!app) {
      this.#inflight.delete(name);
      return;
    }
    const outcome = await runSync({
      comparer: this.comparer,
      cluster: this.cluster,
      app,
      operation,
      startedAt,
      flight,
      now: () => this.#now(),
      current: () => this.getApp(name),
    });
    this.#finishOperation(name, outcome.state, outcome.history);
  }

  // ------------------------------------------------------------------------------------------
  // Views for the API

  recordEvent(name: string, reason: string, message: string, type = 'Normal') {
    this.#events.record(name, reason, message, type);
  }

  events(name: string): AppEvent[] {
    return this.#events.list(name);
  }

  /** Desired and live state of every managed resource (GET .../managed-resources). */
  async managedResources(app: Application) {
    return managedResources(await this.comparer.compare(app));
  }

  /** The rendered target manifests at the app's (or `revision`'s) commit (GET .../manifests). */
  async manifests(app: Application, revision?: string) {
    return targetManifests(this.comparer, app, revision);
  }

  /** The application's resource tree: managed objects and their ReplicaSets and Pods. */
  resourceTree(app: Application) {
    return resourceTree(this.cluster, app);
  }

  /** Commit metadata for GET .../revisions/:revision/metadata. */
  async revisionMetadata(app: Application, revision: string) {
    return revisionMetadata(this.ctx.git, app, revision);
  }

  #stopOperation(name: string) {
    const flight = this.#inflight.get(name);
    if (flight) {
      flight.terminated = true;
      if (flight.timer) this.ctx.clock.clear(flight.timer);
      this.#inflight.delete(name);
    }
  }

  /** Deletes an application, and with `cascade` the objects it manages. */
  deleteApplication(name: string, cascade: boolean) {
    const app = this.getApp(name);
    if (!app)
      throw new ApiError(404, `applications.argoproj.io "${name}" not found`);
    this.#stopOperation(name);
    if (cascade) deleteManaged(this.cluster, this.comparer, app);
    if (app.metadata.finalizers) {
      // the controller has done the finalizer's work (cascade) itself
      const copy = structuredClone(app);
      delete copy.metadata.finalizers;
      delete copy.metadata.resourceVersion;
      try {
        this.cluster.update(APPLICATIONS, copy as KubeObject);
      } catch {
        // already gone
      }
    }
    this.cluster.delete(APPLICATIONS, this.namespace, name);
    this.#events.forget(name);
  }
}
