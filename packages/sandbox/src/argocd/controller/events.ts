import crypto from 'node:crypto';
import type { ClusterStore } from '../../core/cluster';
import { APPLICATIONS, type AppEvent } from './types';

/** The application events of `GET .../events` (in memory, last 200 per app). */
export class AppEvents {
  #events = new Map<string, AppEvent[]>();

  constructor(
    readonly namespace: string,
    readonly cluster: () => ClusterStore | undefined,
    readonly now: () => string,
  ) {}

  record(name: string, reason: string, message: string, type = 'Normal') {
    const list = this.#events.get(name) ?? [];
    const now = this.now();
    const app = this.cluster()?.get(APPLICATIONS, this.namespace, name);
    list.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${name}.${crypto.randomBytes(8).toString('hex')}`,
        namespace: this.namespace,
        creationTimestamp: now,
      },
      involvedObject: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        name,
        namespace: this.namespace,
        uid: app?.metadata.uid,
        resourceVersion: app?.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'argocd-application-controller' },
      reportingComponent: 'argocd-application-controller',
    });
    this.#events.set(name, list.slice(-200));
  }

  list(name: string): AppEvent[] {
    return this.#events.get(name) ?? [];
  }

  forget(name: string) {
    this.#events.delete(name);
  }
}
