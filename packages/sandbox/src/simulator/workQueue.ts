import type { SandboxLogger } from '../core/context';

/** What the simulator reconciles: one object of one of the kinds it drives. */
export type WorkKind = 'deployment' | 'replicaset' | 'pod';
export type WorkItem = { kind: WorkKind; namespace: string; name: string };

/** Items per slice at most. */
const BATCH = 300;
/** Real ms of reconciling before yielding to the event loop (keeps the API responsive). */
const SLICE_MS = 20;

/**
 * The simulator's de-duplicated work queue: an object queued twice before it is processed is
 * reconciled once. Items are processed in slices of at most {@link BATCH} items or
 * {@link SLICE_MS} ms, each slice in its own `setImmediate`, so API requests are answered
 * between slices. A failing item is logged and dropped (the next change queues it again).
 */
export class WorkQueue {
  #items = new Map<string, WorkItem>();
  #scheduled = false;
  #stopped = false;

  constructor(
    private readonly process: (item: WorkItem) => void,
    private readonly logger: SandboxLogger,
  ) {}

  add(kind: WorkKind, obj: { metadata: { namespace?: string; name: string } }) {
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    const key = `${kind}|${namespace}|${name}`;
    if (!this.#items.has(key)) this.#items.set(key, { kind, namespace, name });
    this.#schedule();
  }

  get size(): number {
    return this.#items.size;
  }

  /** Resolves once the queue is empty and no slice is scheduled. */
  async idle(): Promise<void> {
    while (this.#items.size || this.#scheduled)
      await new Promise(r => setImmediate(r));
  }

  stop() {
    this.#stopped = true;
  }

  #schedule() {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush() {
    this.#scheduled = false;
    if (this.#stopped) return;
    let n = 0;
    const started = Date.now();
    for (const [key, item] of this.#items) {
      this.#items.delete(key);
      try {
        this.process(item);
      } catch (e) {
        this.logger.warn(
          `simulator: reconcile ${item.kind} ${item.namespace}/${item.name} failed`,
          { error: String((e as Error)?.stack ?? e) },
        );
      }
      if (++n >= BATCH || Date.now() - started > SLICE_MS) break;
    }
    if (this.#items.size) this.#schedule();
  }
}
