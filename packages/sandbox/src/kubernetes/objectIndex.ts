import type { KubeObject } from '../core/cluster';
import {
  matchesFields,
  matchesLabels,
  type FieldRequirement,
  type LabelRequirement,
} from './selectors';

type Bucket = {
  /** namespace ('' for cluster-scoped) → name → object */
  byNs: Map<string, Map<string, KubeObject>>;
  /** label key → value → `ns/name` keys */
  labels: Map<string, Map<string, Set<string>>>;
  count: number;
};

/**
 * Where the store keeps its objects: per resource type by namespace and name, a label index
 * (label key → value → objects) for selective lists, the dependents of every owner uid
 * (ownerReferences) and the set of live uids.
 */
export class ObjectIndex {
  #buckets = new Map<string, Bucket>();
  /** owner uid → `resource|ns|name` of its dependents */
  #dependents = new Map<string, Set<string>>();
  #uids = new Set<string>();

  constructor(resources: string[]) {
    for (const r of resources)
      this.#buckets.set(r, { byNs: new Map(), labels: new Map(), count: 0 });
  }

  has(resource: string): boolean {
    return this.#buckets.has(resource);
  }

  get(resource: string, ns: string, name: string): KubeObject | undefined {
    return this.#buckets.get(resource)?.byNs.get(ns)?.get(name);
  }

  count(resource: string): number {
    return this.#buckets.get(resource)?.count ?? 0;
  }

  namespaces(resource: string): string[] {
    return [...(this.#buckets.get(resource)?.byNs.keys() ?? [])];
  }

  /** A snapshot of the objects of one namespace. */
  objectsIn(resource: string, ns: string): KubeObject[] {
    return [...(this.#buckets.get(resource)?.byNs.get(ns)?.values() ?? [])];
  }

  /** `resource|ns|name` keys of the objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): string[] {
    return [...(this.#dependents.get(uid) ?? [])];
  }

  uidExists(uid: string): boolean {
    return this.#uids.has(uid);
  }

  /** Matching objects by reference, sorted by namespace and name. */
  select(
    resource: string,
    ns: string | undefined,
    labels: LabelRequirement[],
    fields: FieldRequirement[],
  ): KubeObject[] {
    const bucket = this.#buckets.get(resource)!;
    let candidates: Iterable<KubeObject>;
    // Use the label index for the most selective equality requirement.
    let best: Set<string> | undefined;
    for (const r of labels) {
      if (r.op !== 'in' || r.values.length !== 1) continue;
      const set = bucket.labels.get(r.key)?.get(r.values[0]);
      if (!set) {
        best = new Set();
        break;
      }
      if (!best || set.size < best.size) best = set;
    }
    if (best) {
      const out: KubeObject[] = [];
      for (const key of best) {
        const i = key.indexOf('/');
        const kns = key.slice(0, i);
        if (ns !== undefined && kns !== ns) continue;
        const o = bucket.byNs.get(kns)?.get(key.slice(i + 1));
        if (o) out.push(o);
      }
      candidates = out;
    } else if (ns !== undefined) {
      candidates = bucket.byNs.get(ns)?.values() ?? [];
    } else {
      candidates = (function* all() {
        for (const m of bucket.byNs.values()) yield* m.values();
      })();
    }
    const items: KubeObject[] = [];
    for (const o of candidates) {
      if (labels.length && !matchesLabels(o.metadata.labels, labels)) continue;
      if (fields.length && !matchesFields(o, fields)) continue;
      items.push(o);
    }
    items.sort((a, b) => {
      const na = a.metadata.namespace ?? '';
      const nb = b.metadata.namespace ?? '';
      if (na !== nb) return na < nb ? -1 : 1;
      if (a.metadata.name === b.metadata.name) return 0;
      return a.metadata.name < b.metadata.name ? -1 : 1;
    });
    return items;
  }

  /**
   * Stores `obj` (replacing `prev`); the label and owner indexes are only rebuilt when the
   * labels or ownerReferences changed (objects are never mutated in place).
   */
  put(resource: string, obj: KubeObject, prev?: KubeObject) {
    const bucket = this.#buckets.get(resource)!;
    const ns = obj.metadata.namespace ?? '';
    const reindex =
      !prev ||
      prev.metadata.labels !== obj.metadata.labels ||
      prev.metadata.ownerReferences !== obj.metadata.ownerReferences;
    if (prev && reindex) this.#index(resource, prev, false);
    let nsMap = bucket.byNs.get(ns);
    if (!nsMap) bucket.byNs.set(ns, (nsMap = new Map()));
    if (!nsMap.has(obj.metadata.name)) bucket.count++;
    nsMap.set(obj.metadata.name, obj);
    if (reindex) this.#index(resource, obj, true);
  }

  remove(resource: string, obj: KubeObject, prev?: KubeObject) {
    const bucket = this.#buckets.get(resource)!;
    const ns = obj.metadata.namespace ?? '';
    if (prev) this.#index(resource, prev, false);
    const nsMap = bucket.byNs.get(ns);
    if (nsMap?.delete(obj.metadata.name)) bucket.count--;
    if (nsMap && !nsMap.size) bucket.byNs.delete(ns);
  }

  *all(): Generator<[string, KubeObject]> {
    for (const [resource, b] of this.#buckets)
      for (const m of b.byNs.values())
        for (const o of m.values()) yield [resource, o];
  }

  #index(resource: string, obj: KubeObject, add: boolean) {
    const bucket = this.#buckets.get(resource)!;
    const ns = obj.metadata.namespace ?? '';
    const key = `${ns}/${obj.metadata.name}`;
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      let byValue = bucket.labels.get(k);
      if (!byValue) bucket.labels.set(k, (byValue = new Map()));
      let set = byValue.get(v);
      if (!set) byValue.set(v, (set = new Set()));
      if (add) set.add(key);
      else {
        set.delete(key);
        if (!set.size) byValue.delete(v);
      }
    }
    const depKey = `${resource}|${ns}|${obj.metadata.name}`;
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let deps = this.#dependents.get(ref.uid);
      if (!deps) this.#dependents.set(ref.uid, (deps = new Set()));
      if (add) deps.add(depKey);
      else {
        deps.delete(depKey);
        if (!deps.size) this.#dependents.delete(ref.uid);
      }
    }
    if (add) this.#uids.add(obj.metadata.uid!);
    else this.#uids.delete(obj.metadata.uid!);
  }
}
