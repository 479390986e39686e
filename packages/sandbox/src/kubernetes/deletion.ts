import type { KubeObject, WatchEventType } from '../core/cluster';
import type { Clock } from '../core/clock';
import type { ObjectIndex } from './objectIndex';
import { STORED_TYPES, type ResourceType } from './resources';
import { clone, isoNow } from './storeHelpers';

export type DeleteOptions = {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Pods: seconds of graceful termination (default: 2 simulated seconds; 0 = now). */
  gracePeriodSeconds?: number;
};

/** What deletion needs of the store it works for. */
export type DeletionHost = {
  clock?: Clock;
  objects: ObjectIndex;
  getRaw(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
  ): KubeObject | undefined;
  /** Stores the change under a new resourceVersion and tells watchers and listeners. */
  commit(
    resource: string,
    type: WatchEventType,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ): void;
  namespacesType: ResourceType;
};

/**
 * How objects leave the store, as the API server and its garbage collector do it: a pod's
 * graceful termination (deletionTimestamp, removed after the grace period on the sandbox
 * clock), a namespace's Terminating phase and contents, and the dependents of a deleted owner
 * (ownerReferences) deleted in the background or orphaned.
 */
export class Deletion {
  #pendingRemovals = new Map<string, NodeJS.Timeout>();

  constructor(private readonly host: DeletionHost) {}

  /** Deletes `existing` (stored as `resource`); what the API's DELETE returns. */
  delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    existing: KubeObject,
    options: DeleteOptions,
  ): KubeObject {
    const { clock } = this.host;
    const resource = t.resource;
    const policy = options.propagationPolicy ?? 'Background';
    if (resource === 'v1/pods') {
      const grace = options.gracePeriodSeconds ?? 2;
      if (grace > 0 && clock) {
        if (existing.metadata.deletionTimestamp) return clone(existing);
        const obj = {
          ...existing,
          metadata: {
            ...existing.metadata,
            deletionTimestamp: isoNow(clock),
            deletionGracePeriodSeconds: grace,
          },
        };
        this.host.commit(resource, 'MODIFIED', obj, existing);
        const key = `${namespace}/${name}/${existing.metadata.uid}`;
        this.#pendingRemovals.set(
          key,
          clock.setTimeout(() => {
            this.#pendingRemovals.delete(key);
            const cur = this.host.getRaw(resource, namespace, name);
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

  /** Cancels the pending removals of terminating pods. */
  dispose() {
    for (const t of this.#pendingRemovals.values()) this.host.clock?.clear(t);
    this.#pendingRemovals.clear();
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
          metadata: {
            ...existing.metadata,
            deletionTimestamp: isoNow(this.host.clock),
          },
          spec: { finalizers: ['kubernetes'], ...existing.spec },
          status: { ...existing.status, phase: 'Terminating' },
        };
    if (terminating !== existing)
      this.host.commit('v1/namespaces', 'MODIFIED', terminating, existing);
    for (const other of STORED_TYPES) {
      if (!other.namespaced) continue;
      for (const o of this.host.objects.objectsIn(other.resource, name))
        this.#remove(other, o);
    }
    this.#remove(this.host.namespacesType, terminating);
    return clone(terminating);
  }

  #cascade(owner: KubeObject) {
    const uid = owner.metadata.uid!;
    for (const key of this.host.objects.dependentsOf(uid)) {
      const [resource, ns, name] = key.split('|');
      const dep = this.host.getRaw(resource, ns || undefined, name);
      if (!dep) continue;
      // Only cascade when this owner is the only one left.
      const owners = (dep.metadata.ownerReferences ?? []).filter(
        r => r.uid !== uid && this.host.objects.uidExists(r.uid),
      );
      if (owners.length) continue;
      this.host.delete(resource, ns || undefined, name, {
        propagationPolicy: 'Background',
      });
    }
  }

  #orphan(owner: KubeObject) {
    const uid = owner.metadata.uid!;
    for (const key of this.host.objects.dependentsOf(uid)) {
      const [resource, ns, name] = key.split('|');
      const dep = this.host.getRaw(resource, ns || undefined, name);
      if (!dep) continue;
      const metadata: KubeObject['metadata'] = {
        ...dep.metadata,
        ownerReferences: (dep.metadata.ownerReferences ?? []).filter(
          r => r.uid !== uid,
        ),
      };
      if (!metadata.ownerReferences?.length) delete metadata.ownerReferences;
      this.host.commit(resource, 'MODIFIED', { ...dep, metadata }, dep);
    }
  }

  #remove(t: ResourceType, existing: KubeObject) {
    const obj = {
      ...existing,
      metadata: { ...existing.metadata },
    };
    this.host.commit(t.resource, 'DELETED', obj, existing);
  }
}
