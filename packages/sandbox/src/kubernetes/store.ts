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
import { clone, conflict, isoNow, jsonEqual, notFound } from './storeHelpers';
import { validateObject } from './validate';
import { checkName, normalizeObject, prepareReplace } from './admission';
import { Deletion, type DeleteOptions } from './deletion';

export { isoNow, jsonEqual, randomSuffix } from './storeHelpers';
export { WATCH_HISTORY } from './watchHub';
export type { DeleteOptions } from './deletion';

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

/**
 * The simulated cluster's object store: objects indexed by type, namespace and label; a global
 * resourceVersion counter; bounded watch history; persistence. What a write stores is shaped in
 * `admission.ts`; how objects leave (grace periods, namespaces, ownerReferences) is `deletion.ts`.
 * Stored objects are never mutated in place (every write stores a new object), so readers that
 * do not mutate may hold references (`listRaw`, `getRaw`, change listeners).
 */
export class MemoryClusterStore implements ClusterStore {
  #rv = 0;
  readonly #objects = new ObjectIndex(STORED_TYPES.map(t => t.resource));
  readonly #watch: WatchHub;
  #listeners = new Set<ChangeListener>();
  #ipSeq = 10;
  readonly #deletion: Deletion;

  readonly #logger?: SandboxLogger;

  constructor(
    private readonly clock?: Clock,
    options: { historyLimit?: number; logger?: SandboxLogger } = {},
  ) {
    this.#watch = new WatchHub(options.historyLimit ?? WATCH_HISTORY);
    this.#logger = options.logger;
    this.#deletion = new Deletion({
      clock,
      objects: this.#objects,
      getRaw: (r, ns, name) => this.getRaw(r, ns, name),
      delete: (r, ns, name, opts) => this.delete(r, ns, name, opts),
      commit: (r, type, obj, prev) => this.#commit(r, type, obj, prev),
      namespacesType: this.#type('v1/namespaces'),
    });
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
    const obj = normalizeObject(t, input);
    checkName(t, obj);
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
    const obj = prepareReplace(t, input, existing, true, this.#allocateIp);
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
    const obj = prepareReplace(t, copy, existing, true, this.#allocateIp);
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

  /** Stores a replacement `prepareReplace` made (nothing when it equals the stored object or on dry run). */
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
    return this.#deletion.delete(t, namespace, name, existing, options);
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
        this.#objects.get(
          resource,
          obj.metadata.namespace ?? '',
          obj.metadata.name,
        ),
      );
    }
    this.#rv = Math.max(this.#rv, Number(data.resourceVersion) || 0);
    this.#ipSeq = Math.max(this.#ipSeq, Number(data.ipSeq) || 10);
    this.#watch.reset(this.#rv);
  }

  dispose() {
    this.#deletion.dispose();
    this.#watch.clear();
    this.#listeners.clear();
  }
}
