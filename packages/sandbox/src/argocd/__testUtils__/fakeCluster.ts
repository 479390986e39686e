import {
  ClusterError,
  type ClusterStore,
  type KubeObject,
  type ListOptions,
  type WatchEvent,
} from '../../core/cluster';
import { matchLabels } from '../labels';

/**
 * A small in-memory {@link ClusterStore} for the Argo CD family's tests (the real one lives in
 * src/kubernetes). With `autoReady`, Deployments become available immediately, like a cluster
 * whose pods start instantly, so health reaches Healthy without the simulator.
 */
const TYPES: Array<[string, string, boolean]> = [
  ['v1/namespaces', 'Namespace', false],
  ['v1/pods', 'Pod', true],
  ['v1/services', 'Service', true],
  ['v1/configmaps', 'ConfigMap', true],
  ['v1/secrets', 'Secret', true],
  ['v1/serviceaccounts', 'ServiceAccount', true],
  ['v1/events', 'Event', true],
  ['apps/v1/deployments', 'Deployment', true],
  ['apps/v1/replicasets', 'ReplicaSet', true],
  ['apps/v1/statefulsets', 'StatefulSet', true],
  ['networking.k8s.io/v1/ingresses', 'Ingress', true],
  ['autoscaling/v2/horizontalpodautoscalers', 'HorizontalPodAutoscaler', true],
  ['argoproj.io/v1alpha1/applications', 'Application', true],
];

export class FakeCluster implements ClusterStore {
  #objects = new Map<string, KubeObject>();
  #rv = 1;
  #watchers = new Set<{
    resource: string;
    options: ListOptions;
    fn: (e: WatchEvent) => void;
  }>();
  #uid = 0;

  constructor(readonly options: { autoReady?: boolean } = {}) {}

  resourceType(resource: string) {
    const t = TYPES.find(x => x[0] === resource);
    if (!t) return undefined;
    const parts = t[0].split('/');
    return {
      resource: t[0],
      apiVersion: parts.slice(0, -1).join('/'),
      kind: t[1],
      namespaced: t[2],
    };
  }

  resourceForKind(apiVersion: string, kind: string) {
    return TYPES.find(
      t =>
        t[1] === kind && t[0].split('/').slice(0, -1).join('/') === apiVersion,
    )?.[0];
  }

  #key(resource: string, ns: string | undefined, name: string) {
    return `${resource}|${ns ?? ''}|${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string) {
    const o = this.#objects.get(this.#key(resource, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  list(resource: string, options: ListOptions = {}) {
    const items = [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(`${resource}|`))
      .map(([, o]) => o)
      .filter(o => this.#matches(o, options))
      .map(o => structuredClone(o));
    return { items, resourceVersion: String(this.#rv) };
  }

  #matches(o: KubeObject, options: ListOptions) {
    if (options.namespace && o.metadata.namespace !== options.namespace)
      return false;
    if (
      options.labelSelector &&
      !matchLabels(o.metadata.labels, options.labelSelector)
    )
      return false;
    return true;
  }

  #emit(resource: string, type: WatchEvent['type'], object: KubeObject) {
    for (const w of [...this.#watchers]) {
      if (w.resource === resource && this.#matches(object, w.options)) {
        w.fn({ type, object: structuredClone(object) });
      }
    }
  }

  #store(resource: string, object: KubeObject, prev?: KubeObject) {
    const o = structuredClone(object);
    const ns = this.resourceType(resource)?.namespaced
      ? o.metadata.namespace ?? 'default'
      : undefined;
    o.metadata.namespace = ns;
    if (!ns) delete o.metadata.namespace;
    o.metadata.uid = prev?.metadata.uid ?? `uid-${++this.#uid}`;
    o.metadata.creationTimestamp =
      prev?.metadata.creationTimestamp ?? new Date().toISOString();
    o.metadata.resourceVersion = String(++this.#rv);
    const specChanged =
      !prev || JSON.stringify(prev.spec) !== JSON.stringify(o.spec);
    o.metadata.generation =
      (prev?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    if (prev && o.status === undefined) o.status = prev.status;
    if (this.options.autoReady && o.kind === 'Deployment') {
      const r = o.spec?.replicas ?? 1;
      o.status = {
        observedGeneration: o.metadata.generation,
        replicas: r,
        updatedReplicas: r,
        readyReplicas: r,
        availableReplicas: r,
        conditions: [
          { type: 'Available', status: 'True' },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
          },
        ],
      };
    }
    this.#objects.set(this.#key(resource, ns, o.metadata.name), o);
    this.#emit(resource, prev ? 'MODIFIED' : 'ADDED', o);
    return structuredClone(o);
  }

  create(resource: string, object: KubeObject) {
    if (!this.resourceType(resource))
      throw new ClusterError(404, 'NotFound', `unknown resource ${resource}`);
    const prev = this.get(
      resource,
      this.#ns(resource, object),
      object.metadata.name,
    );
    if (prev)
      throw new ClusterError(
        409,
        'AlreadyExists',
        `${resource} "${object.metadata.name}" already exists`,
      );
    return this.#store(resource, object);
  }

  #ns(resource: string, o: KubeObject) {
    return this.resourceType(resource)?.namespaced
      ? o.metadata.namespace ?? 'default'
      : undefined;
  }

  update(resource: string, object: KubeObject) {
    const prev = this.get(
      resource,
      this.#ns(resource, object),
      object.metadata.name,
    );
    if (!prev)
      throw new ClusterError(
        404,
        'NotFound',
        `${resource} "${object.metadata.name}" not found`,
      );
    if (
      object.metadata.resourceVersion &&
      object.metadata.resourceVersion !== prev.metadata.resourceVersion
    )
      throw new ClusterError(409, 'Conflict', 'the object has been modified');
    return this.#store(resource, object, prev);
  }

  apply(resource: string, object: KubeObject) {
    if (!this.resourceType(resource))
      throw new ClusterError(404, 'NotFound', `unknown resource ${resource}`);
    const prev = this.get(
      resource,
      this.#ns(resource, object),
      object.metadata.name,
    );
    return this.#store(resource, object, prev);
  }

  updateStatus(
    resource: string,
    namespace: string | undefined,
    name: string,
    status: unknown,
  ) {
    const prev = this.get(resource, namespace, name);
    if (!prev) throw new ClusterError(404, 'NotFound', `${name} not found`);
    const o = {
      ...prev,
      status: { ...(prev.status ?? {}), ...(status as object) },
    };
    o.metadata = { ...o.metadata, resourceVersion: String(++this.#rv) };
    this.#objects.set(this.#key(resource, prev.metadata.namespace, name), o);
    this.#emit(resource, 'MODIFIED', o);
    return structuredClone(o);
  }

  delete(resource: string, namespace: string | undefined, name: string) {
    const k = this.#key(
      resource,
      this.resourceType(resource)?.namespaced
        ? namespace ?? 'default'
        : undefined,
      name,
    );
    const o = this.#objects.get(k);
    if (!o) return undefined;
    this.#objects.delete(k);
    this.#emit(resource, 'DELETED', o);
    return structuredClone(o);
  }

  watch(
    resource: string,
    options: ListOptions & { resourceVersion?: string },
    listener: (e: WatchEvent) => void,
  ) {
    const w = { resource, options, fn: listener };
    this.#watchers.add(w);
    return () => {
      this.#watchers.delete(w);
    };
  }
}
