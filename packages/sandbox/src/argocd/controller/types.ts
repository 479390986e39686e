import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IOperation } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Operation';
import type { IRevisionHistory } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/RevisionHistory';
import type { KubeObject, ObjectMeta } from '../../core/cluster';
import type { Health } from '../health';

export const APPLICATIONS = 'argoproj.io/v1alpha1/applications';
export const TRACKING_LABEL = 'app.kubernetes.io/instance';
/** With it, deleting an Application deletes the objects it manages (cascade). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Argo CD's default git polling interval (timeout.reconciliation): 3 minutes. */
export const DEFAULT_POLL_MS = 180_000;
/** Kinds the controller watches to refresh the health of the apps that manage them. */
export const WATCHED_WORKLOADS = [
  'apps/v1/deployments',
  'apps/v1/statefulsets',
  'apps/v1/daemonsets',
  'apps/v1/replicasets',
  'v1/pods',
  'v1/services',
  'networking.k8s.io/v1/ingresses',
  'batch/v1/jobs',
];
/** Simulated delay between an operation's start and its apply (so Running is observable). */
export const OPERATION_DELAY_MS = 1_000;
/** selfHeal back-off between two automated syncs of the same revision. */
export const SELF_HEAL_BACKOFF_MS = 5_000;
export const HISTORY_LIMIT = 10;

/**
 * An Argo CD Application as stored in the cluster: the kubernetes-models type, with the
 * store's object metadata (name always set) so it is also a {@link KubeObject}.
 */
export type Application = Omit<IApplication, 'metadata'> & {
  metadata: ObjectMeta & { finalizers?: string[] };
  [key: string]: unknown;
};

/** The one place a stored object is taken for an Application. */
export function asApplication(o: KubeObject): Application;
export function asApplication(
  o: KubeObject | undefined,
): Application | undefined;
export function asApplication(o: KubeObject | undefined) {
  return o as unknown as Application | undefined;
}

/** An Application's `operation` (the sandbox runs sync operations only). */
export type Operation = Omit<IOperation, 'sync'> & {
  sync: NonNullable<IOperation['sync']>;
};
export type SyncOperation = Operation['sync'];
export type HistoryEntry = IRevisionHistory;

/** What a running operation carries between its start and its apply. */
export type Flight = { terminated: boolean; timer?: NodeJS.Timeout };

/** One line of `status.resources`. */
export type ResourceStatus = {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'OutOfSync' | 'Unknown';
  health?: Health;
  requiresPruning?: boolean;
};

/** One resource of a comparison: desired (`target`) and `live` state. */
export type Managed = {
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

export type Comparison = {
  revision?: string;
  sourceType?: string;
  managed: Managed[];
  error?: string;
  conditions: Array<{ type: string; message: string }>;
};

export type AppEvent = KubeObject;

/** gRPC code FailedPrecondition (answered as HTTP 400 by Argo CD's grpc-gateway). */
export const FAILED_PRECONDITION = 9;

/** An error the API answers with `status` (grpc-gateway shaped by the router). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

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
export const kindRank = (k: string) => {
  const i = KIND_ORDER.indexOf(k);
  return i === -1 ? KIND_ORDER.length : i;
};

/** Splits `apps/v1` into group `apps` and version `v1` (core: group ''). */
export function groupVersion(apiVersion: string) {
  const i = apiVersion.lastIndexOf('/');
  return i === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The identity of a managed resource, keyed `group/kind/namespace/name` as Argo CD does. */
export function managedIdentity(o: KubeObject) {
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

/** `apps/v1/deployments` for a status line's group/version/kind. */
export function resourceOfStatus(
  cluster: {
    resourceForKind(apiVersion: string, kind: string): string | undefined;
  },
  r: { group?: string; version: string; kind: string },
) {
  return cluster.resourceForKind(
    r.group ? `${r.group}/${r.version}` : r.version,
    r.kind,
  );
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

/** JSON with object keys sorted, for comparisons. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val).sort(([a], [b]) => a.localeCompare(b)),
        )
      : val,
  );
}
