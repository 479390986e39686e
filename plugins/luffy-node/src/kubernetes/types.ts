import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1Deployment,
} from '@kubernetes/client-node';

/** A cluster from `kubernetes.clusterLocatorMethods` (type config). @public */
export type KubernetesCluster = { name: string; url: string };

/**
 * A kind to list or watch. Presets in `KUBERNETES_KINDS`; custom resources give group,
 * version and plural.
 * @public
 */
export type KubernetesKind = {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. `pods`, `deployments`, `kustomizations`. */
  plural: string;
  /** Kind name, e.g. `Pod`. */
  kind: string;
};

/** Result of a cluster-wide list for one cluster. @public */
export type KubernetesClusterList<T = KubernetesObject> = {
  cluster: string;
  items: T[];
  resourceVersion?: string;
  /** Set when this cluster failed; other clusters still answer. */
  error?: Error;
};

/** A watch event. `RELISTED` delivers a full fresh list after a 410 Gone. @public */
export type KubernetesWatchEvent<T = KubernetesObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; cluster: string }
  | { type: 'RELISTED'; items: T[]; cluster: string; resourceVersion?: string };

/** A running watch. @public */
export interface KubernetesWatchHandle {
  /** Last resourceVersion seen (resume point). */
  resourceVersion(): string | undefined;
  stop(): void;
}

/** Object reference for events. @public */
export type KubernetesObjectRef = { kind: string; name: string; uid?: string };

/**
 * The shared Kubernetes access layer over every configured cluster.
 * @public
 */
export interface KubernetesAccess {
  clusters(): KubernetesCluster[];
  /** The client-node KubeConfig of a cluster, for anything not covered here. */
  kubeConfig(cluster: string): KubeConfig;
  /**
   * Lists a kind cluster-wide: ONE request per cluster (label selector pushed to the API server).
   * A failing cluster gives an entry with `error`, never a rejected promise for all.
   */
  list<T extends KubernetesObject = KubernetesObject>(
    kind: KubernetesKind,
    options?: { labelSelector?: string; fieldSelector?: string; namespace?: string; clusters?: string[] },
  ): Promise<KubernetesClusterList<T>[]>;
  /**
   * Watches a kind cluster-wide in one cluster, resuming from the last resourceVersion when the
   * stream ends and relisting (a `RELISTED` event) on 410 Gone.
   */
  watch<T extends KubernetesObject = KubernetesObject>(
    cluster: string,
    kind: KubernetesKind,
    options: {
      labelSelector?: string;
      namespace?: string;
      resourceVersion?: string;
      onEvent: (event: KubernetesWatchEvent<T>) => void;
      onError?: (error: Error) => void;
    },
  ): KubernetesWatchHandle;
  /** Pod logs as text. */
  podLogs(
    cluster: string,
    namespace: string,
    pod: string,
    options?: { container?: string; tailLines?: number; previous?: boolean; limitBytes?: number },
  ): Promise<string>;
  /** Events whose involvedObject is the given object, oldest first. */
  events(
    cluster: string,
    namespace: string,
    object: KubernetesObjectRef,
    options?: { type?: 'Warning' | 'Normal' },
  ): Promise<CoreV1Event[]>;
  getDeployment(cluster: string, namespace: string, name: string): Promise<V1Deployment>;
  /** `kubectl rollout restart`: sets the pod-template annotation `kubectl.kubernetes.io/restartedAt`. */
  rolloutRestart(
    cluster: string,
    namespace: string,
    deployment: string,
    options?: { dryRun?: boolean; now?: Date },
  ): Promise<{ restartedAt: string; deployment: V1Deployment }>;
  /** Scales through the scale subresource. */
  scale(
    cluster: string,
    namespace: string,
    deployment: string,
    replicas: number,
    options?: { dryRun?: boolean },
  ): Promise<{ previousReplicas: number; replicas: number }>;
  deletePod(cluster: string, namespace: string, pod: string, options?: { dryRun?: boolean }): Promise<void>;
}
