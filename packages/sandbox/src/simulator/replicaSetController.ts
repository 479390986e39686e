import type { PodObject, ReplicaSetObject } from '../core/cluster';
import { jsonEqual, type MemoryClusterStore } from '../kubernetes/store';
import { NODE_NAME, type EventRecorder } from './events';
import { controllerOf, isPodReady } from './objects';
import type { SimulatorState } from './state';

/**
 * The ReplicaSet controller: pods named `<rs>-<5 chars>` with an owner reference on the one
 * node; scaling down deletes not-ready pods first, then the newest; SuccessfulCreate and
 * SuccessfulDelete events; the ReplicaSet's replica counts in its status.
 */
export class ReplicaSetController {
  constructor(
    private readonly store: MemoryClusterStore,
    private readonly events: EventRecorder,
    private readonly state: SimulatorState,
    /** A pod of a bulk-seeded Deployment was created: the kubelet starts it already running. */
    private readonly onInstantPod: (uid: string) => void,
  ) {}

  /** Creates or deletes pods until the ReplicaSet has spec.replicas, then writes its status. */
  reconcile(ns: string, name: string) {
    const rs: ReplicaSetObject | undefined = this.store.getRaw(
      'apps/v1/replicasets',
      ns,
      name,
    );
    if (!rs || rs.metadata.deletionTimestamp) return;
    const pods: PodObject[] = this.store
      .ownedBy(rs.metadata.uid!, 'v1/pods')
      .filter(p => controllerOf(p, 'ReplicaSet')?.uid === rs.metadata.uid);
    const active = pods.filter(p => !p.metadata.deletionTimestamp);
    const desired: number = rs.spec?.replicas ?? 1;
    if (active.length < desired) {
      for (let i = active.length; i < desired; i++) {
        const pod = this.#createPod(rs);
        if (pod) {
          active.push(pod);
          this.events.record(
            rs,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${pod.metadata.name}`,
            {
              source: { component: 'replicaset-controller' },
            },
          );
        }
      }
    } else if (active.length > desired) {
      const victims = [...active]
        .sort((a, b) => {
          const ra = isPodReady(a) ? 1 : 0;
          const rb = isPodReady(b) ? 1 : 0;
          if (ra !== rb) return ra - rb;
          return a.metadata.creationTimestamp! > b.metadata.creationTimestamp!
            ? -1
            : 1;
        })
        .slice(0, active.length - desired);
      for (const v of victims) {
        this.store.delete('v1/pods', ns, v.metadata.name);
        this.events.record(
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${v.metadata.name}`,
          {
            source: { component: 'replicaset-controller' },
          },
        );
        active.splice(active.indexOf(v), 1);
      }
    }
    const ready = active.filter(isPodReady).length;
    const status: Record<string, unknown> = {
      replicas: active.length,
    };
    if (active.length) status.fullyLabeledReplicas = active.length;
    if (ready) status.readyReplicas = ready;
    if (ready) status.availableReplicas = ready;
    status.observedGeneration = rs.metadata.generation;
    if (!jsonEqual(status, rs.status))
      this.store.replaceStatus(
        'apps/v1/replicasets',
        ns,
        name,
        status,
        undefined,
        {
          raw: true,
        },
      );
  }

  #createPod(rs: ReplicaSetObject): PodObject | undefined {
    const template = rs.spec?.template ?? {};
    const owner = controllerOf(rs, 'Deployment');
    const instant =
      !!owner &&
      this.state.instant.has(`${rs.metadata.namespace}/${owner.name}`);
    const pod = this.store.create(
      'v1/pods',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: '',
          generateName: `${rs.metadata.name}-`,
          namespace: rs.metadata.namespace,
          labels: { ...template.metadata?.labels },
          ...(template.metadata?.annotations
            ? { annotations: { ...template.metadata.annotations } }
            : {}),
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name,
              uid: rs.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          ...structuredClone(template.spec ?? {}),
          nodeName: NODE_NAME,
          serviceAccountName: template.spec?.serviceAccountName ?? 'default',
        },
      },
      { validate: false, raw: true },
    );
    if (instant) this.onInstantPod(pod.metadata.uid!);
    return pod;
  }
}
