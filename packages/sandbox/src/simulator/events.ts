import type { KubeObject } from '../core/cluster';
import type { Clock } from '../core/clock';
import type { SandboxLogger } from '../core/context';
import { isoNow, type MemoryClusterStore } from '../kubernetes/store';

export const NODE_NAME = 'sandbox-node-1';
const MAX_EVENTS = 20000;
const EVENT_TTL_MS = 60 * 60 * 1000;

type Source = { component: string; host?: string };

/**
 * Records core/v1 Events like the kubelet and controllers do: one Event per (object, reason,
 * message), with `count` and `lastTimestamp` bumped on repeats; the oldest are dropped beyond a cap
 * or after an hour (the API server's event TTL).
 */
export class EventRecorder {
  #byKey = new Map<string, { ns: string; name: string }>();
  #order: Array<{ key: string; ns: string; name: string; at: number }> = [];
  #seq = 0;

  constructor(
    private readonly store: MemoryClusterStore,
    private readonly clock: Clock,
    private readonly logger?: SandboxLogger,
  ) {}

  record(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    options: { source?: Source; fieldPath?: string } = {},
  ) {
    const ns = involved.metadata.namespace ?? 'default';
    const source = options.source ?? { component: 'kubelet', host: NODE_NAME };
    const key = `${involved.metadata.uid}|${reason}|${message}`;
    const now = isoNow(this.clock);
    const existing = this.#byKey.get(key);
    if (existing) {
      const ev = this.store.getRaw('v1/events', existing.ns, existing.name);
      if (ev) {
        this.store.update(
          'v1/events',
          {
            ...ev,
            metadata: { ...ev.metadata },
            count: ((ev.count as number) ?? 1) + 1,
            lastTimestamp: now,
          },
          { validate: false, raw: true },
        );
        return;
      }
    }
    const name = `${involved.metadata.name}.${(
      Date.now() * 1000 +
      (this.#seq++ % 1000)
    ).toString(16)}`;
    const involvedObject: Record<string, unknown> = {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    };
    if (options.fieldPath) involvedObject.fieldPath = options.fieldPath;
    try {
      this.store.create(
        'v1/events',
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: ns },
          involvedObject,
          reason,
          message,
          source,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          type,
          reportingComponent: source.component,
          reportingInstance: source.host ?? '',
        },
        { validate: false, raw: true },
      );
    } catch (e) {
      this.logger?.warn('simulator: could not record an event', {
        involvedObject: `${ns}/${involved.metadata.name}`,
        reason,
        error: String((e as Error)?.message ?? e),
      });
      return;
    }
    this.#byKey.set(key, { ns, name });
    this.#order.push({ key, ns, name, at: Date.now() });
    this.#prune();
  }

  #prune() {
    const cutoff = Date.now() - EVENT_TTL_MS;
    while (
      this.#order.length > MAX_EVENTS ||
      (this.#order.length && this.#order[0].at < cutoff)
    ) {
      const e = this.#order.shift()!;
      this.#byKey.delete(e.key);
      this.store.delete('v1/events', e.ns, e.name);
    }
  }
}
