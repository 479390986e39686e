import {
  ClusterError,
  type KubeObject,
  type WatchEvent,
  type WatchEventType,
} from '../core/cluster';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelRequirement,
} from './selectors';

/** Watch history kept for `resourceVersion` resumes; older versions answer 410 Expired. */
export const WATCH_HISTORY = 20000;

/** One committed write. */
export type Change = {
  rv: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
  prev?: KubeObject;
};

type Watcher = {
  namespace?: string;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  listener: (e: WatchEvent) => void;
};

/**
 * The store's watch side: the bounded history of changes (for resumes from a
 * `resourceVersion`) and the live watchers per resource, with selector-aware delivery (an
 * object that stops matching is sent as DELETED, one that starts matching as ADDED).
 */
export class WatchHub {
  #history: Change[] = [];
  #historyStart = 0;
  #watchers = new Map<string, Set<Watcher>>();

  constructor(private readonly limit: number = WATCH_HISTORY) {}

  /** Records a change and delivers it to the resource's watchers. */
  publish(change: Change) {
    this.#history.push(change);
    if (this.#history.length > Math.ceil(this.limit * 1.25))
      this.#history.splice(0, this.#history.length - this.limit);
    this.#historyStart = this.#history[0]?.rv ?? change.rv + 1;
    for (const w of this.#watchers.get(change.resource) ?? [])
      deliver(w, change);
  }

  /**
   * Replays the changes after `resourceVersion` (410 Expired when it is older than the kept
   * history; `currentRv` is the store's), then delivers live ones until unsubscribed.
   */
  watch(
    resource: string,
    options: {
      namespace?: string;
      labelSelector?: string;
      fieldSelector?: string;
      resourceVersion?: string;
    },
    currentRv: number,
    listener: (e: WatchEvent) => void,
  ): () => void {
    const w: Watcher = {
      namespace: options.namespace,
      labels: parseLabelSelector(options.labelSelector),
      fields: parseFieldSelector(options.fieldSelector),
      listener,
    };
    const rvText = options.resourceVersion;
    if (rvText && rvText !== '0') {
      const from = Number(rvText);
      if (!Number.isFinite(from) || from < 0)
        throw new ClusterError(
          400,
          'BadRequest',
          `invalid resource version "${rvText}"`,
        );
      if (from < currentRv && from < this.#historyStart - 1)
        throw new ClusterError(
          410,
          'Expired',
          `too old resource version: ${from} (${this.#historyStart - 1})`,
        );
      for (const c of this.#history)
        if (c.rv > from && c.resource === resource) deliver(w, c);
    }
    let set = this.#watchers.get(resource);
    if (!set) this.#watchers.set(resource, (set = new Set()));
    set.add(w);
    return () => set!.delete(w);
  }

  /** Forgets the history (after a restore: every older resourceVersion is 410). */
  reset(currentRv: number) {
    this.#history = [];
    this.#historyStart = currentRv + 1;
  }

  clear() {
    this.#watchers.clear();
  }
}

function deliver(w: Watcher, c: Change) {
  if (w.namespace !== undefined && c.object.metadata.namespace !== w.namespace)
    return;
  const match = (o: KubeObject | undefined) =>
    !!o &&
    (!w.labels.length || matchesLabels(o.metadata.labels, w.labels)) &&
    (!w.fields.length || matchesFields(o, w.fields));
  const now = match(c.object);
  if (c.type === 'MODIFIED' && (w.labels.length || w.fields.length)) {
    const before = match(c.prev);
    if (now && !before) w.listener({ type: 'ADDED', object: c.object });
    else if (!now && before) w.listener({ type: 'DELETED', object: c.object });
    else if (now) w.listener({ type: 'MODIFIED', object: c.object });
    return;
  }
  if (now) w.listener({ type: c.type, object: c.object });
}
