import { randomUUID } from 'node:crypto';
import {
  ClusterError,
  type ClusterStore,
  type KubeObject,
  type ListOptions,
  type WatchEvent,
  type WatchEventType,
} from '../core/cluster';
import type { Clock } from '../core/clock';
import type { SandboxLogger } from '../core/context';
import { ObjectIndex } from './objectIndex';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import {
  resourceForKind,
  resourceType,
  STORED_TYPES,
  type ResourceType,
} from './resources';
import { applyDefaults } from './defaults';
import { WATCH_HISTORY, WatchHub, type Change } from './watchHub';
import {
  clone,
  conflict,
  isoNow,
  jsonEqual,
  notFound,
  randomSuffix,
} from './storeHelpers';
import { validateObject } from './validate';

export { isoNow, jsonEqual, randomSuffix } from './storeHelpers';
export { WATCH_HISTORY } from './watchHub';

export type ChangeListener = (
  resource: string,
  type: WatchEventType,
  object: KubeObject,
  prev: KubeObject | undefined,
) => void;

export type WriteOptions = {
  /** Schema-validate with kubernetes-models (default true). */
  validate?: boolean;
  /** Fail with 404 when the namespace does not exist (the HTTP API); internal writers create it. */
  requireNamespace?: boolean;
  /** Validate and default, but do not store (dryRun=All). */
  dryRun?: boolean;
  /** Return the stored object by reference (callers must not mutate it); saves a deep copy. */
  raw?: boolean;
};

export type DeleteOptions = {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Pods: seconds of graceful termination (default: 2 simulated seconds; 0 = now). */
  gracePeriodSeconds?: number;
};


const SPEC_EXCLUDED = new Set(['metadata', 'status', 'apiVersion', 'kind']);

/**
 * The simulated cluster's object store: objects indexed by type, namespace and label; a global
 * resourceVersion counter; bounded watch history; cascading deletion via ownerReferences.
 * Stored objects are never mutated in place (every write stores a new object), so readers that
 * do not mutate may hold references (`listRaw`, `getRaw`, change listeners).
 */
export class MemoryClusterStore implements ClusterStore {
  #rv = 0;
  readonly #objects = new ObjectIndex(STORED_TYPES.map(t => t.resource));
  readonly #watch: WatchHub;
  #listeners = new Set<ChangeListener>();
  #ipSeq = 10;
  #pendingRemovals = new Map<string, NodeJS.Timeout>();

  readonly #logger?: SandboxLogger;

  constructor(
    private readonly clock?: Clock,
    options: { historyLimit?: number; logger?: SandboxLogger } = {},
  ) {
    this.#watch = new WatchHub(options.historyLimit ?? WATCH_HISTORY);
    this.#logger = options.logger;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  resourceType(resource: string) {
    const t = resourceType(resource);
    return t && !t.virtual && !t.view
      ? {
          resource: t.resource,
          apiVersion: t.apiVersion,
          kind: t.kind,
          namespaced: t.namespaced,
        }
      : undefined;
  }

  resourceForKind(apiVersion: string, kind: string) {
    return resourceForKind(apiVersion, kind)?.resource;
  }

  #type(resource: string): ResourceType {
    const t = resourceType(resource);
    if (!t || t.virtual || t.view)
      throw new ClusterError(
        404,
        'NotFound',
        `the server could not find the requested resource (${resource})`,
      );
    return t;
  }


  /** Subscribes to every committed change (synchronously; do not write from the listener). */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  getRaw(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const t = this.#type(resource);
    return this.#objects.get(
      t.resource,
      t.namespaced ? namespace ?? '' : '',
      name,
    );
  }

  get(resource: string, namespace: string | undefined, name: string) {
    const o = this.getRaw(resource, namespace, name);
    return o ? clone(o) : undefined;
  }

  /** Objects whose ownerReferences name `uid` (by reference), optionally of one resource type. */
  ownedBy(uid: string, resource?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of this.#objects.dependentsOf(uid)) {
      const [r, ns, name] = key.split('|');
      if (resource && r !== resource) continue;
      const o = this.getRaw(r, ns || undefined, name);
      if (o) out.push(o);
    }
    return out;
  }

  count(resource: string): number {
    return this.#objects.count(this.#type(resource).resource);
  }

  namespaces(resource: string): string[] {
    return this.#objects.namespaces(this.#type(resource).resource);
  }

  /** Objects matching the options, by reference, sorted by namespace and name. */
  listRaw(resource: string, options: ListOptions = {}): KubeObject[] {
    const t = this.#type(resource);
    return this.#objects.select(
      t.resource,
      t.namespaced ? options.namespace || undefined : undefined,
      parseLabelSelector(options.labelSelector),
      parseFieldSelector(options.fieldSelector),
    );
  }

  list(resource: string, options: ListOptions = {}) {
    return {
      items: this.listRaw(resource, options).map(clone),
      resourceVersion: this.resourceVersion,
    };
  }

  #normalize(resource: string, input: KubeObject): KubeObject {
    const t = this.#type(resource);
    if (!input || typeof input !== 'object' || !input.metadata)
      throw new ClusterError(400, 'BadRequest', 'the object has no metadata');
    const obj = clone(input);
    obj.apiVersion ??= t.apiVersion;
    obj.kind ??= t.kind;
    if (obj.apiVersion !== t.apiVersion || obj.kind !== t.kind)
      throw new ClusterError(
        400,
        'BadRequest',
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${t.apiVersion}) or kind ${obj.kind} is not ${t.kind}`,
      );
    if (t.namespaced) obj.metadata.namespace ||= 'default';
    else delete obj.metadata.namespace;
    return obj;
  }

  #checkName(t: ResourceType, obj: KubeObject) {
    const name = obj.metadata.name;
    if (!name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
      return;
    }
    if (
      typeof name !== 'string' ||
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) ||
      name.length > 253
    ) {
      const err = new ClusterError(
        422,
        'Invalid',
        name
          ? `${t.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
          : `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
        { name: name ?? '', group: t.group, kind: t.kind },
      );
      throw err;
    }
  }

  #ensureNamespace(t: ResourceType, ns: string | undefined, strict: boolean) {
    if (!t.namespaced || !ns) return;
    if (this.getRaw('v1/namespaces', undefined, ns)) return;
    if (strict)
      throw new ClusterError(404, 'NotFound', `namespaces "${ns}" not found`, {
        name: ns,
        kind: 'namespaces',
      });
    this.create(
      'v1/namespaces',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { validate: false },
    );
  }

  #allocateIp = () => {
    const n = this.#ipSeq++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  };

  create(
    resource: string,
    input: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const t = this.#type(resource);
    const obj = this.#normalize(resource, input);
    this.#checkName(t, obj);
    const { namespace, name } = obj.metadata;
    if (this.getRaw(resource, namespace, name)) {
      throw new ClusterError(
        409,
        'AlreadyExists',
        `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" already exists`,
        { name, group: t.group, kind: t.plural },
      );
    }
    if (!options.dryRun)
      this.#ensureNamespace(t, namespace, !!options.requireNamespace);
    applyDefaults(obj, this.#allocateIp);
    const meta = obj.metadata;
    delete meta.deletionTimestamp;
    meta.uid = randomUUID();
    meta.creationTimestamp = isoNow(this.clock);
    if (obj.spec !== undefined || obj.kind === 'Pod') meta.generation = 1;
    else delete meta.generation;
    if (options.validate !== false) validateObject(obj);
    if (options.dryRun) {
      meta.resourceVersion = this.resourceVersion;
      return obj;
    }
    this.#commit(resource, 'ADDED', obj, undefined);
    return options.raw ? obj : clone(obj);
  }

  #prepareReplace(
    resource: string,
    input: KubeObject,
    existing: KubeObject,
    keepStatus: boolean,
  ): KubeObject {
    const t = this.#type(resource);
    const obj = this.#normalize(resource, input);
    // server-assigned fields survive a replace that omits them
    if (obj.kind === 'Service' && obj.spec && existing.spec?.clusterIP) {
      obj.spec.clusterIP ??= existing.spec.clusterIP;
      obj.spec.clusterIPs ??= existing.spec.clusterIPs;
    }
    if (obj.kind === 'Pod' && obj.spec && existing.spec?.nodeName)
      obj.spec.nodeName ??= existing.spec.nodeName;
    applyDefaults(obj, this.#allocateIp);
    const meta = obj.metadata;
    meta.uid = existing.metadata.uid;
    meta.creationTimestamp = existing.metadata.creationTimestamp;
    if (existing.metadata.deletionTimestamp)
      meta.deletionTimestamp = existing.metadata.deletionTimestamp;
    if (existing.metadata.deletionGracePeriodSeconds !== undefined)
      meta.deletionGracePeriodSeconds =
        existing.metadata.deletionGracePeriodSeconds;
    if (keepStatus && (t.subresources ?? []).includes('status')) {
      if (existing.status !== undefined) obj.status = existing.status;
      else delete obj.status;
    }
    const specChanged = Object.keys({ ...obj, ...existing }).some(
      k => !SPEC_EXCLUDED.has(k) && !jsonEqual(obj[k], existing[k]),
    );
    const gen = existing.metadata.generation;
    if (gen !== undefined) meta.generation = specChanged ? gen + 1 : gen;
    else delete meta.generation;
    return obj;
  }

  update(
    resource: string,
    input: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const t = this.#type(resource);
    const ns = t.namespaced
      ? input?.metadata?.namespace || 'default'
      : undefined;
    const name = input?.metadata?.name;
    const existing = this.getRaw(resource, ns, name);
    if (!existing) throw notFound(t, name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) throw conflict(t, name);
    const obj = this.#prepareReplace(resource, input, existing, true);
    return this.#write(resource, obj, existing, options);
  }

  apply(resource: string, input: KubeObject, options: WriteOptions = {}) {
    const t = this.#type(resource);
    const ns = t.namespaced
      ? input?.metadata?.namespace || 'default'
      : undefined;
    const existing = this.getRaw(resource, ns, input?.metadata?.name);
    if (!existing) return this.create(resource, input, options);
    const copy = { ...input, metadata: { ...input.metadata } };
    delete copy.metadata.resourceVersion;
    const obj = this.#prepareReplace(resource, copy, existing, true);
    return this.#write(resource, obj, existing, options);
  }

  /** Replaces the whole status (what the `status` subresource's PUT does). */
  replaceStatus(
    resource: string,
    namespace: string | undefined,
    name: string,
    status: unknown,
    resourceVersion?: string,
    options: { raw?: boolean } = {},
  ): KubeObject {
    const t = this.#type(resource);
    const existing = this.getRaw(resource, namespace, name);
    if (!existing) throw notFound(t, name);
    if (
      resourceVersion &&
      resourceVersion !== existing.metadata.resourceVersion
    )
      throw conflict(t, name);
    if (jsonEqual(existing.status, status))
      return options.raw ? existing : clone(existing);
    const obj = { ...existing, metadata: { ...existing.metadata }, status };
    this.#commit(resource, 'MODIFIED', obj, existing);
    return options.raw ? obj : clone(obj);
  }

  /** Merges `status` (top-level keys) into the stored object's status. */
  updateStatus(
    resource: string,
    namespace: string | undefined,
    name: string,
    status: unknown,
  ): KubeObject {
    const existing = this.getRaw(resource, namespace, name);
    if (!existing) throw notFound(this.#type(resource), name);
    return this.replaceStatus(resource, namespace, name, {
      ...(existing.status ?? {}),
      ...(status as object),
    });
  }

  /** Replaces metadata fields (labels, annotations, ownerReferences) only: controllers' writes. */
  #write(
    resource: string,
    obj: KubeObject,
    existing: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    obj.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (jsonEqual(obj, existing))
      return options.raw ? existing : clone(existing);
    if (options.validate !== false) validateObject(obj);
    if (options.dryRun) return obj;
    this.#commit(resource, 'MODIFIED', obj, existing);
    return options.raw ? obj : clone(obj);
  }

  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | undefined {
    const t = this.#type(resource);
    const existing = this.getRaw(resource, namespace, name);
    if (!existing) return undefined;
    const policy = options.propagationPolicy ?? 'Background';
    if (resource === 'v1/pods') {
      const grace = options.gracePeriodSeconds ?? 2;
      if (grace > 0 && this.clock) {
        if (existing.metadata.deletionTimestamp) return clone(existing);
        const obj = {
          ...existing,
          metadata: {
            ...existing.metadata,
            deletionTimestamp: isoNow(this.clock),
            deletionGracePeriodSeconds: grace,
          },
        };
        this.#commit(resource, 'MODIFIED', obj, existing);
        const key = `${namespace}/${name}/${existing.metadata.uid}`;
        this.#pendingRemovals.set(
          key,
          this.clock.setTimeout(() => {
            this.#pendingRemovals.delete(key);
            const cur = this.getRaw(resource, namespace, name);
            if (cur && cur.metadata.uid === existing.metadata.uid)
              this.#remove(t, cur);
          }, grace * 1000),
        );
        return clone(obj);
      }
    }
    if (resource === 'v1/namespaces') return this.#deleteNamespace(existing);
    this.#remove(t, existing);
    if (policy === 'Orphan') this.#orphan(existing);
    else this.#cascade(existing);
    return clone(existing);
  }

  /**
   * A namespace goes Terminating (deletionTimestamp, status.phase), its contents are deleted,
   * then it is removed; the Terminating namespace is returned, as the API server's DELETE does.
   * (The namespace controller's work happens at once here: a GET right after is a 404.)
   */
  #deleteNamespace(existing: KubeObject): KubeObject {
    const name = existing.metadata.name;
    const terminating: KubeObject = existing.metadata.deletionTimestamp
      ? existing
      : {
          ...existing,
          metadata: { ...existing.metadata, deletionTimestamp: isoNow(this.clock) },
          spec: { finalizers: ['kubernetes'], ...existing.spec },
          status: { ...existing.status, phase: 'Terminating' },
        };
    if (terminating !== existing)
      this.#commit('v1/namespaces', 'MODIFIED', terminating, existing);
    for (const other of STORED_TYPES) {
      if (!other.namespaced) continue;
      for (const o of this.#objects.objectsIn(other.resource, name))
        this.#remove(other, o);
    }
    this.#remove(this.#type('v1/namespaces'), terminating);
    return clone(terminating);
  }

  #cascade(owner: KubeObject) {
    const uid = owner.metadata.uid!;
    for (const key of this.#objects.dependentsOf(uid)) {
      const [resource, ns, name] = key.split('|');
      const dep = this.getRaw(resource, ns || undefined, name);
      if (!dep) continue;
      // Only cascade when this owner is the only one left.
      const owners = (dep.metadata.ownerReferences ?? []).filter(
        r => r.uid !== uid && this.#uidExists(r.uid),
      );
      if (owners.length) continue;
      this.delete(resource, ns || undefined, name, {
        propagationPolicy: 'Background',
      });
    }
  }

  #uidExists(uid: string): boolean {
    return this.#objects.uidExists(uid);
  }

  #orphan(owner: KubeObject) {
    const uid = owner.metadata.uid!;
    for (const key of this.#objects.dependentsOf(uid)) {
      const [resource, ns, name] = key.split('|');
      const dep = this.getRaw(resource, ns || undefined, name);
      if (!dep) continue;
      const obj = {
        ...dep,
        metadata: {
          ...dep.metadata,
          ownerReferences: (dep.metadata.ownerReferences ?? []).filter(
            r => r.uid !== uid,
          ),
        },
      };
      if (!obj.metadata.ownerReferences.length)
        delete (obj.metadata as any).ownerReferences;
      this.#commit(resource, 'MODIFIED', obj, dep);
    }
  }

  #remove(t: ResourceType, existing: KubeObject) {
    const obj = {
      ...existing,
      metadata: { ...existing.metadata },
    };
    this.#commit(t.resource, 'DELETED', obj, existing);
  }

  #commit(
    resource: string,
    type: WatchEventType,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ) {
    const rv = ++this.#rv;
    obj.metadata.resourceVersion = String(rv);
    if (type === 'DELETED') this.#objects.remove(resource, obj, prev);
    else this.#objects.put(resource, obj, prev);
    const change: Change = { rv, resource, type, object: obj, prev };
    this.#watch.publish(change);
    for (const l of this.#listeners) {
      try {
        l(resource, type, obj, prev);
      } catch (e) {
        // listeners must not break writes, but their failures are worth knowing
        this.#logger?.warn('cluster store: change listener failed', {
          resource,
          type,
          object: `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
          error: String((e as Error)?.stack ?? e),
        });
      }
    }
  }

  /**
   * Watch by reference (objects must not be mutated). Replays history after `resourceVersion`
   * (410 Expired when it is older than the kept history), then delivers live changes.
   */
  watchRaw(
    resource: string,
    options: ListOptions & { resourceVersion?: string },
    listener: (e: WatchEvent) => void,
  ): () => void {
    const t = this.#type(resource);
    return this.#watch.watch(
      t.resource,
      {
        ...options,
        namespace: t.namespaced ? options.namespace || undefined : undefined,
      },
      this.#rv,
      listener,
    );
  }

  watch(
    resource: string,
    options: ListOptions & { resourceVersion?: string },
    listener: (e: WatchEvent) => void,
  ): () => void {
    return this.watchRaw(resource, options, e =>
      listener({ type: e.type, object: clone(e.object) }),
    );
  }

  /** Every stored object (persistence, tests). */
  *all(): Generator<[string, KubeObject]> {
    yield* this.#objects.all();
  }

  save(): unknown {
    const objects: Array<[string, KubeObject]> = [];
    for (const entry of this.all()) objects.push(entry);
    return { resourceVersion: this.#rv, ipSeq: this.#ipSeq, objects };
  }

  load(data: any) {
    if (!data || !Array.isArray(data.objects)) return;
    for (const [resource, obj] of data.objects as Array<[string, KubeObject]>) {
      if (!this.#objects.has(resource)) continue;
      this.#objects.put(
        resource,
        obj,
        this.#objects.get(resource, obj.metadata.namespace ?? '', obj.metadata.name),
      );
    }
    this.#rv = Math.max(this.#rv, Number(data.resourceVersion) || 0);
    this.#ipSeq = Math.max(this.#ipSeq, Number(data.ipSeq) || 10);
    this.#watch.reset(this.#rv);
  }

  dispose() {
    for (const t of this.#pendingRemovals.values()) this.clock?.clear(t);
    this.#pendingRemovals.clear();
    this.#watch.clear();
    this.#listeners.clear();
  }
}
