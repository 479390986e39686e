import type { LoggerService } from '@backstage/backend-plugin-api';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  KUBERNETES_KINDS,
  deploymentFindings,
  podFindings,
  type DetectionOptions,
  type KubernetesAccess,
  type KubernetesKind,
  type KubernetesWatchEvent,
  type KubernetesWatchHandle,
} from '@openluffy/plugin-luffy-node';

/** What the watcher drives: detection over one cluster's cached objects. */
export type WatchedDetection = {
  detectWatched(
    cluster: string,
    objects: Record<string, KubernetesObject[]>,
  ): Promise<unknown>;
};

/** Figures of a watcher (for tests, logs and the bench). */
export type HealingWatcherStats = {
  /** Watch events received (ADDED, MODIFIED, DELETED). */
  events: number;
  /** Relists after 410 Gone. */
  relists: number;
  /** Detections the events triggered. */
  detections: number;
  /** List requests made to seed the caches (one per cluster and kind). */
  lists: number;
};

type AnyObj = KubernetesObject & { spec?: any; status?: any };

const WATCHED_KINDS = [
  KUBERNETES_KINDS.pods,
  KUBERNETES_KINDS.replicasets,
  KUBERNETES_KINDS.deployments,
] as const;

/**
 * What detection reads of an object — the cache keeps only that (no managedFields, specs of
 * pod templates, annotations), so memory stays proportional to what matters.
 */
export function slimObject(plural: string, o: AnyObj): AnyObj {
  const m = o.metadata ?? {};
  const metadata = {
    name: m.name,
    namespace: m.namespace,
    labels: m.labels,
    ownerReferences: m.ownerReferences,
    deletionTimestamp: m.deletionTimestamp,
    resourceVersion: m.resourceVersion,
  };
  const base = { apiVersion: o.apiVersion, kind: o.kind, metadata };
  if (plural === 'pods') {
    return {
      ...base,
      status: {
        phase: o.status?.phase,
        initContainerStatuses: o.status?.initContainerStatuses,
        containerStatuses: o.status?.containerStatuses,
      },
    };
  }
  if (plural === 'deployments') {
    return {
      ...base,
      spec: { replicas: o.spec?.replicas },
      status: {
        conditions: o.status?.conditions,
        unavailableReplicas: o.status?.unavailableReplicas,
        readyReplicas: o.status?.readyReplicas,
      },
    };
  }
  return base;
}

const keyOf = (o: KubernetesObject) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Detection driven by Kubernetes watch streams, an informer per cluster and kind (pods,
 * replica sets, deployments) through the shared Kubernetes access layer: ONE list per cluster
 * and kind seeds a cache and gives the resourceVersion the watch resumes from; the access
 * layer resumes a dropped stream from the last resourceVersion and relists on 410 Gone (a
 * `RELISTED` event replaces the cache). An event whose object shows a failure triggers a
 * detection over the cluster's cache — no request per entity, the cost independent of the
 * number of services. Bursts coalesce: at most one detection runs per cluster, and one more
 * follows if events arrived meanwhile.
 */
export class HealingWatcher {
  readonly #caches = new Map<
    string,
    Map<string, Map<string, KubernetesObject>>
  >();
  readonly #handles: KubernetesWatchHandle[] = [];
  readonly #running = new Map<string, Promise<void>>();
  readonly #pending = new Set<string>();
  #stopped = false;
  readonly #unseeded = new Map<string, [KubernetesKind, Set<string>]>();
  #retryTimer?: ReturnType<typeof setTimeout>;
  readonly stats: HealingWatcherStats = {
    events: 0,
    relists: 0,
    detections: 0,
    lists: 0,
  };

  constructor(
    private readonly deps: {
      kubernetes: KubernetesAccess;
      engine: WatchedDetection;
      detection?: DetectionOptions;
      logger: LoggerService;
      kinds?: readonly KubernetesKind[];
      /** Retry period of seeding lists that failed. Default 60 s. */
      retryMs?: number;
    },
  ) {}

  /**
   * Seeds the caches and starts the watches. A cluster whose seeding list fails is logged
   * (the sweep covers it meanwhile) and retried every `retryMs`.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    const kinds = this.deps.kinds ?? WATCHED_KINDS;
    await Promise.all(kinds.map(kind => this.#seed(kind)));
    // failures present at start are detected from the seeded caches
    for (const cluster of this.#caches.keys()) this.#kick(cluster);
    this.#scheduleRetry();
  }

  /** Clusters and kinds whose seeding list failed, as `cluster/plural` (retried). */
  unseeded(): string[] {
    return [...this.#unseeded.values()].flatMap(([kind, clusters]) =>
      [...clusters].map(c => `${c}/${kind.plural}`),
    );
  }

  /** Stops every watch and the retries; waits for running detections. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const h of this.#handles.splice(0)) h.stop();
    await Promise.all([...this.#running.values()]);
  }

  /** One list of a kind (in the given clusters, else all), then a watch per cluster that answered. */
  async #seed(kind: KubernetesKind, clusters?: string[]) {
    const { kubernetes, logger } = this.deps;
    this.stats.lists++;
    for (const list of await kubernetes.list(
      kind,
      clusters ? { clusters } : {},
    )) {
      if (this.#stopped) return;
      if (list.error) {
        logger.warn(
          `Healing watch: listing ${kind.plural} in ${list.cluster} failed: ${list.error.message}; the sweep covers it, retrying`,
        );
        const failed = this.#unseeded.get(kind.plural)?.[1] ?? new Set();
        failed.add(list.cluster);
        this.#unseeded.set(kind.plural, [kind, failed]);
        continue;
      }
      this.#unseeded.get(kind.plural)?.[1].delete(list.cluster);
      this.#replace(list.cluster, kind.plural, list.items);
      this.#handles.push(
        kubernetes.watch(list.cluster, kind, {
          resourceVersion: list.resourceVersion,
          onEvent: e => this.#onEvent(kind.plural, e),
          onError: err =>
            logger.warn(
              `Healing watch of ${kind.plural} in ${list.cluster}: ${err.message}`,
            ),
        }),
      );
      if (clusters) this.#kick(list.cluster);
    }
  }

  #scheduleRetry() {
    if (this.#stopped || this.#retryTimer || !this.unseeded().length) return;
    this.#retryTimer = setTimeout(async () => {
      this.#retryTimer = undefined;
      for (const [kind, clusters] of [...this.#unseeded.values()]) {
        if (clusters.size) await this.#seed(kind, [...clusters]);
      }
      this.#scheduleRetry();
    }, this.deps.retryMs ?? 60_000);
    this.#retryTimer.unref?.();
  }

  /** Resolves when no detection runs or is pending (tests). */
  async idle(): Promise<void> {
    while (this.#running.size) {
      await Promise.all([...this.#running.values()]);
    }
  }

  /** The cached objects of a cluster, by kind plural. */
  objects(cluster: string): Record<string, KubernetesObject[]> {
    const out: Record<string, KubernetesObject[]> = {};
    for (const [plural, byKey] of this.#caches.get(cluster) ?? []) {
      out[plural] = [...byKey.values()];
    }
    return out;
  }

  #replace(cluster: string, plural: string, items: KubernetesObject[]) {
    let kinds = this.#caches.get(cluster);
    if (!kinds) {
      kinds = new Map();
      this.#caches.set(cluster, kinds);
    }
    kinds.set(
      plural,
      new Map(items.map(o => [keyOf(o), slimObject(plural, o as AnyObj)])),
    );
  }

  #onEvent(plural: string, e: KubernetesWatchEvent) {
    if (this.#stopped) return;
    if (e.type === 'RELISTED') {
      this.stats.relists++;
      this.#replace(e.cluster, plural, e.items);
      this.#kick(e.cluster);
      return;
    }
    this.stats.events++;
    let byKey = this.#caches.get(e.cluster)?.get(plural);
    if (!byKey) {
      this.#replace(e.cluster, plural, []);
      byKey = this.#caches.get(e.cluster)!.get(plural)!;
    }
    if (e.type === 'DELETED') {
      byKey.delete(keyOf(e.object));
      return;
    }
    byKey.set(keyOf(e.object), slimObject(plural, e.object as AnyObj));
    if (this.#failing(plural, e.object as AnyObj)) this.#kick(e.cluster);
  }

  /** Does this object show a failure by itself (cheap, pure)? */
  #failing(plural: string, obj: AnyObj): boolean {
    if (plural === 'pods') {
      return podFindings(obj, new Date(), this.deps.detection).length > 0;
    }
    if (plural === 'deployments') return deploymentFindings(obj).length > 0;
    return false;
  }

  /** Runs a detection over the cluster's cache, coalescing bursts. */
  #kick(cluster: string) {
    if (this.#stopped) return;
    if (this.#running.has(cluster)) {
      this.#pending.add(cluster);
      return;
    }
    const run = (async () => {
      do {
        this.#pending.delete(cluster);
        this.stats.detections++;
        try {
          await this.deps.engine.detectWatched(cluster, this.objects(cluster));
        } catch (err: any) {
          this.deps.logger.warn(
            `Healing watch detection in ${cluster} failed: ${
              err?.message ?? err
            }`,
          );
        }
      } while (this.#pending.has(cluster) && !this.#stopped);
    })().finally(() => this.#running.delete(cluster));
    this.#running.set(cluster, run);
  }
}
