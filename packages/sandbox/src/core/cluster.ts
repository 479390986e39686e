import type {
  IDeploymentSpec,
  IDeploymentStatus,
  IReplicaSetSpec,
  IReplicaSetStatus,
} from 'kubernetes-models/apps/v1';
import type {
  INamespaceSpec,
  INamespaceStatus,
  IPodSpec,
  IPodStatus,
} from 'kubernetes-models/v1';

/**
 * The contract between the simulated cluster's object store (implemented in src/kubernetes/),
 * the simulator (src/simulator/) and the Argo CD controller (src/argocd/).
 *
 * Objects are plain Kubernetes JSON as the API server would return them. A resource type is
 * named by its API group path and plural, e.g. `v1/pods`, `apps/v1/deployments`,
 * `argoproj.io/v1alpha1/applications` (core group: `v1/<plural>`).
 */
export type ObjectMeta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  [key: string]: unknown;
};

/** A stored object whose spec and status have the given types. */
export type KubeObjectOf<Spec, Status> = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
  [key: string]: unknown;
};

/** Any stored object; narrow it to one of the typed kinds below where the kind is known. */
export type KubeObject = KubeObjectOf<any, any>;

/** Typed views of the kinds the simulator drives (types from kubernetes-models). */
export type DeploymentObject = KubeObjectOf<IDeploymentSpec, IDeploymentStatus>;
export type ReplicaSetObject = KubeObjectOf<IReplicaSetSpec, IReplicaSetStatus>;
export type PodObject = KubeObjectOf<IPodSpec, IPodStatus>;
export type NamespaceObject = KubeObjectOf<INamespaceSpec, INamespaceStatus>;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type WatchEvent = { type: WatchEventType; object: KubeObject };

export type ListOptions = {
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),!f,g` */
  labelSelector?: string;
  /** Kubernetes field selector syntax: `metadata.name=x,status.phase!=Running` */
  fieldSelector?: string;
};

export interface ClusterStore {
  /** `v1/pods` → { kind: 'Pod', namespaced: true, ... } for every served type. */
  resourceType(resource: string):
    | {
        resource: string;
        apiVersion: string;
        kind: string;
        namespaced: boolean;
      }
    | undefined;
  resourceForKind(apiVersion: string, kind: string): string | undefined;
  get(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  list(
    resource: string,
    options?: ListOptions,
  ): { items: KubeObject[]; resourceVersion: string };
  /** Creates; throws {@link ClusterError} 409 AlreadyExists when present. */
  create(resource: string, object: KubeObject): KubeObject;
  /** Replaces (optimistic concurrency when object.metadata.resourceVersion is set: 409 Conflict). */
  update(resource: string, object: KubeObject): KubeObject;
  /** Create or replace, ignoring resourceVersion (what a controller's apply does). */
  apply(resource: string, object: KubeObject): KubeObject;
  /** Merges `status` only. */
  updateStatus(
    resource: string,
    namespace: string | undefined,
    name: string,
    status: unknown,
  ): KubeObject;
  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  /** Events after `resourceVersion` (when given) then live ones; returns an unsubscribe function. */
  watch(
    resource: string,
    options: ListOptions & { resourceVersion?: string },
    listener: (e: WatchEvent) => void,
  ): () => void;
}

/** An error shaped like a Kubernetes `Status` failure. */
export class ClusterError extends Error {
  constructor(
    readonly code: number,
    readonly reason:
      | 'NotFound'
      | 'AlreadyExists'
      | 'Conflict'
      | 'Invalid'
      | 'BadRequest'
      | 'MethodNotAllowed'
      | 'Forbidden'
      | 'Unauthorized'
      | 'Expired'
      | 'TooManyRequests',
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string },
  ) {
    super(message);
  }

  toStatus() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}
