import type { KubeObject } from '../core/cluster';
import type { SandboxContext } from '../core/context';
import type { MemoryClusterStore } from '../kubernetes/store';
import { DeploymentController } from './deploymentController';
import { EventRecorder } from './events';
import { Kubelet } from './kubelet';
import { controllerOf, isPodReady } from './objects';
import { ReplicaSetController } from './replicaSetController';
import type { SimulatorState } from './state';
import { WorkQueue, type WorkItem } from './workQueue';

export { templateHash } from './deploymentController';

/**
 * The cluster's controllers and kubelet: Deployment → ReplicaSet → Pod reconcilers driven by
 * store changes through one de-duplicated {@link WorkQueue}:
 * - {@link DeploymentController} (deploymentController.ts),
 * - {@link ReplicaSetController} (replicaSetController.ts),
 * - {@link Kubelet} (kubelet.ts; pod status in podRuntime.ts).
 */
export class Simulator {
  readonly store: MemoryClusterStore;
  readonly events: EventRecorder;
  readonly #queue: WorkQueue;
  readonly #deployments: DeploymentController;
  readonly #replicaSets: ReplicaSetController;
  readonly #kubelet: Kubelet;
  #unsubscribe?: () => void;

  constructor(
    ctx: SandboxContext,
    private readonly state: SimulatorState,
  ) {
    this.store = ctx.cluster as MemoryClusterStore;
    this.events = new EventRecorder(this.store, ctx.clock, ctx.logger);
    this.#queue = new WorkQueue(item => this.#reconcile(item), ctx.logger);
    this.#deployments = new DeploymentController(
      ctx,
      this.store,
      this.events,
      d => this.#queue.add('deployment', d),
    );
    this.#kubelet = new Kubelet(ctx, this.store, this.events, state);
    this.#replicaSets = new ReplicaSetController(
      this.store,
      this.events,
      state,
      uid => this.#kubelet.startInstantly(uid),
    );
  }

  start() {
    this.#unsubscribe = this.store.onChange((resource, type, obj, prev) =>
      this.#onChange(resource, type, obj, prev),
    );
    this.state.onChaosChange = (service, env) =>
      this.#kubelet.chaosChanged(service, env);
    for (const d of this.store.listRaw('apps/v1/deployments'))
      this.#queue.add('deployment', d);
    for (const rs of this.store.listRaw('apps/v1/replicasets'))
      this.#queue.add('replicaset', rs);
    for (const p of this.store.listRaw('v1/pods')) this.#queue.add('pod', p);
  }

  stop() {
    this.#queue.stop();
    this.#unsubscribe?.();
    this.state.onChaosChange = undefined;
    this.#kubelet.stop();
    this.#deployments.stop();
  }

  /** Resolves once the work queue is empty (tests, bulk seeding). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #reconcile({ kind, namespace, name }: WorkItem) {
    switch (kind) {
      case 'deployment':
        this.#deployments.reconcile(namespace, name);
        return;
      case 'replicaset':
        this.#replicaSets.reconcile(namespace, name);
        return;
      default:
        this.#kubelet.reconcile(namespace, name);
    }
  }

  /** What a committed change queues: the object itself and the controller that owns it. */
  #onChange(
    resource: string,
    type: string,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ) {
    const owner = (kind: string) => {
      const ref = controllerOf(obj, kind);
      return ref
        ? { metadata: { name: ref.name, namespace: obj.metadata.namespace } }
        : undefined;
    };
    if (resource === 'apps/v1/deployments') {
      if (type !== 'DELETED') this.#queue.add('deployment', obj);
      else this.#deployments.forget(obj);
    } else if (resource === 'apps/v1/replicasets') {
      if (type !== 'DELETED') this.#queue.add('replicaset', obj);
      const d = owner('Deployment');
      if (d) this.#queue.add('deployment', d);
    } else if (resource === 'v1/pods') {
      if (type === 'DELETED') this.#kubelet.forget(obj.metadata.uid!);
      else if (
        type === 'ADDED' ||
        (obj.metadata.deletionTimestamp && !prev?.metadata.deletionTimestamp)
      )
        this.#queue.add('pod', obj);
      const rs = owner('ReplicaSet');
      if (
        rs &&
        (type !== 'MODIFIED' ||
          isPodReady(obj) !== isPodReady(prev!) ||
          !!obj.metadata.deletionTimestamp !==
            !!prev?.metadata.deletionTimestamp)
      )
        this.#queue.add('replicaset', rs);
    }
  }
}
