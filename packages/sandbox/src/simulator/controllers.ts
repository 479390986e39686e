import { createHash, randomBytes } from 'node:crypto';
import type { KubeObject } from '../core/cluster';
import type { SandboxContext } from '../core/context';
import {
  isoNow,
  jsonEqual,
  type MemoryClusterStore,
} from '../kubernetes/store';
import {
  behaviourOf,
  NODE_MEMORY_BYTES,
  parseQuantity,
  serviceAndEnv,
  type Behaviour,
} from './behaviour';
import { EventRecorder, NODE_NAME } from './events';
import { crashLines, missingEnvLines, oomLines, startupLines } from './logs';
import type { SimulatorState } from './state';

type Timer = NodeJS.Timeout;

type Terminated = {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
  message?: string;
};

type ContainerRuntime = {
  name: string;
  image: string;
  state: 'creating' | 'running' | 'terminated' | 'backoff';
  ready: boolean;
  restartCount: number;
  startedAt?: string;
  containerID: string;
  terminated?: Terminated;
  lastTerminated?: Terminated;
  backoffSeconds?: number;
  timer?: Timer;
  probeTimer?: Timer;
  behaviour?: Behaviour;
};

type PodRuntime = {
  uid: string;
  namespace: string;
  name: string;
  podIP: string;
  startTime: string;
  containers: ContainerRuntime[];
  conditions: Map<string, { status: string; at: string }>;
  deleted: boolean;
};

const MAX_BACKOFF_SECONDS = 300;
const BATCH = 300;
/** Real ms of reconciling before yielding to the event loop (keeps the API responsive). */
const SLICE_MS = 20;
const HOST_IP = '10.0.0.10';

/** ms of simulated time */
const s = (seconds: number) => seconds * 1000;

function controllerOf(obj: KubeObject, kind: string) {
  return obj.metadata.ownerReferences?.find(
    r => r.controller && r.kind === kind,
  );
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** A pod-template-hash-like string for a pod template. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256')
    .update(stableStringify(template))
    .digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[digest[i] % SAFE.length];
  return out;
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter(k => (v as any)[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${stableStringify((v as any)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function intOrPercent(
  v: unknown,
  total: number,
  roundUp: boolean,
  fallback: number,
) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return fallback;
}

function isPodReady(pod: KubeObject): boolean {
  return !!pod.status?.conditions?.some(
    (c: any) => c.type === 'Ready' && c.status === 'True',
  );
}

/**
 * The cluster's controllers and kubelet: Deployment → ReplicaSet → Pod reconcilers driven by store
 * changes (a de-duplicated work queue processed in batches), and per-container state machines on
 * the simulated clock (creating → running → terminated → CrashLoopBackOff → restart ...).
 */
export class Simulator {
  readonly store: MemoryClusterStore;
  readonly events: EventRecorder;
  #queue = new Set<string>();
  #flushScheduled = false;
  #pods = new Map<string, PodRuntime>();
  #deadlineTimers = new Map<string, Timer>();
  #unsubscribe?: () => void;
  #stopped = false;
  #ipSeq = 2;
  #instantPods = new Set<string>();
  #hashes = new Map<string, { generation?: number; hash: string }>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: SimulatorState,
  ) {
    this.store = ctx.cluster as MemoryClusterStore;
    this.events = new EventRecorder(this.store, ctx.clock);
  }

  start() {
    this.#unsubscribe = this.store.onChange((resource, type, obj, prev) =>
      this.#onChange(resource, type, obj, prev),
    );
    this.state.onChaosChange = (service, env) =>
      this.#chaosChanged(service, env);
    for (const d of this.store.listRaw('apps/v1/deployments'))
      this.#enqueue('d', d);
    for (const rs of this.store.listRaw('apps/v1/replicasets'))
      this.#enqueue('rs', rs);
    for (const p of this.store.listRaw('v1/pods')) this.#enqueue('p', p);
  }

  stop() {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.state.onChaosChange = undefined;
    for (const pr of this.#pods.values()) this.#clearTimers(pr);
    for (const t of this.#deadlineTimers.values()) this.ctx.clock.clear(t);
  }

  /** Resolves once the work queue is empty (tests, bulk seeding). */
  async idle(): Promise<void> {
    while (this.#queue.size || this.#flushScheduled)
      await new Promise(r => setImmediate(r));
  }

  #enqueue(kind: 'd' | 'rs' | 'p', obj: { metadata: KubeObject['metadata'] }) {
    this.#queue.add(`${kind}|${obj.metadata.namespace}|${obj.metadata.name}`);
    this.#scheduleFlush();
  }

  #scheduleFlush() {
    if (this.#flushScheduled || this.#stopped) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush() {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    let n = 0;
    const started = Date.now();
    for (const key of this.#queue) {
      this.#queue.delete(key);
      const [kind, ns, name] = key.split('|');
      try {
        if (kind === 'd') this.#reconcileDeployment(ns, name);
        else if (kind === 'rs') this.#reconcileReplicaSet(ns, name);
        else this.#reconcilePod(ns, name);
      } catch (e) {
        this.ctx.logger.warn(`simulator: reconcile ${key} failed`, {
          error: String((e as Error)?.stack ?? e),
        });
      }
      if (++n >= BATCH || Date.now() - started > SLICE_MS) break;
    }
    if (this.#queue.size) this.#scheduleFlush();
  }

  #onChange(
    resource: string,
    type: string,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ) {
    if (resource === 'apps/v1/deployments') {
      if (type !== 'DELETED') this.#enqueue('d', obj);
      else {
        this.#hashes.delete(obj.metadata.uid!);
        const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
        const t = this.#deadlineTimers.get(key);
        if (t) this.ctx.clock.clear(t);
        this.#deadlineTimers.delete(key);
      }
    } else if (resource === 'apps/v1/replicasets') {
      if (type !== 'DELETED') this.#enqueue('rs', obj);
      const owner = controllerOf(obj, 'Deployment');
      if (owner)
        this.#enqueue('d', {
          metadata: { name: owner.name, namespace: obj.metadata.namespace },
        });
    } else if (resource === 'v1/pods') {
      if (type === 'DELETED') {
        const pr = this.#pods.get(obj.metadata.uid!);
        if (pr) {
          this.#clearTimers(pr);
          this.#pods.delete(pr.uid);
        }
        this.state.logs.forget(obj.metadata.uid!);
        this.#instantPods.delete(obj.metadata.uid!);
      } else if (
        type === 'ADDED' ||
        (obj.metadata.deletionTimestamp && !prev?.metadata.deletionTimestamp)
      ) {
        this.#enqueue('p', obj);
      }
      const owner = controllerOf(obj, 'ReplicaSet');
      if (
        owner &&
        (type !== 'MODIFIED' ||
          isPodReady(obj) !== isPodReady(prev!) ||
          !!obj.metadata.deletionTimestamp !==
            !!prev?.metadata.deletionTimestamp)
      )
        this.#enqueue('rs', {
          metadata: { name: owner.name, namespace: obj.metadata.namespace },
        });
    }
  }

  // ---------------------------------------------------------------- Deployments

  #reconcileDeployment(ns: string, name: string) {
    const d = this.store.getRaw('apps/v1/deployments', ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const all = this.store
      .ownedBy(d.metadata.uid!, 'apps/v1/replicasets')
      .filter(rs => controllerOf(rs, 'Deployment')?.uid === d.metadata.uid);
    let cached = this.#hashes.get(d.metadata.uid!);
    if (!cached || cached.generation !== d.metadata.generation) {
      cached = {
        generation: d.metadata.generation,
        hash: templateHash(spec.template),
      };
      this.#hashes.set(d.metadata.uid!, cached);
    }
    const hash = cached.hash;
    let newRS = all.find(
      rs => rs.metadata.labels?.['pod-template-hash'] === hash,
    );
    const old = all
      .filter(rs => rs !== newRS)
      .sort((a, b) =>
        a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1,
      );
    const revisionOf = (rs: KubeObject) =>
      Number(
        rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0,
      );
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    let createdNew = false;
    const rolling = spec.strategy?.type !== 'Recreate';
    const maxSurge = rolling
      ? intOrPercent(spec.strategy?.rollingUpdate?.maxSurge, replicas, true, 1)
      : 0;
    let maxUnavailable = rolling
      ? intOrPercent(
          spec.strategy?.rollingUpdate?.maxUnavailable,
          replicas,
          false,
          0,
        )
      : replicas;
    if (rolling && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const specOf = (rs: KubeObject): number => rs.spec?.replicas ?? 0;
    const availOf = (rs: KubeObject): number =>
      rs.status?.availableReplicas ?? 0;

    if (!spec.paused) {
      if (!newRS) {
        const oldSpec = old.reduce((a, rs) => a + specOf(rs), 0);
        let initial = 0;
        if (rolling)
          initial = Math.max(
            0,
            Math.min(replicas, replicas + maxSurge - oldSpec),
          );
        else if (
          !old.some(rs => (rs.status?.replicas ?? 0) > 0 || specOf(rs) > 0)
        )
          initial = replicas;
        newRS = this.#createReplicaSet(d, hash, maxOldRevision + 1, initial);
        createdNew = true;
        if (initial > 0) this.#scalingEvent(d, newRS, 0, initial);
      } else if (revisionOf(newRS) <= maxOldRevision && old.length) {
        newRS = this.#patchReplicaSet(
          newRS,
          specOf(newRS),
          maxOldRevision + 1,
          replicas,
          maxSurge,
        );
      }

      if (rolling) {
        // scale up the new replica set within maxSurge
        let newSpec = specOf(newRS);
        const allSpec = () =>
          specOf(newRS!) + old.reduce((a, rs) => a + specOf(rs), 0);
        if (newSpec < replicas) {
          const up = Math.min(
            replicas + maxSurge - allSpec(),
            replicas - newSpec,
          );
          if (up > 0) newSpec += up;
        } else if (newSpec > replicas) newSpec = replicas;
        if (newSpec !== specOf(newRS)) {
          const from = specOf(newRS);
          newRS = this.#patchReplicaSet(
            newRS,
            newSpec,
            undefined,
            replicas,
            maxSurge,
          );
          this.#scalingEvent(d, newRS, from, newSpec);
        }
        // scale down old replica sets, unhealthy ones first, keeping minAvailable
        const minAvailable = replicas - maxUnavailable;
        const newUnavailable = Math.max(0, specOf(newRS) - availOf(newRS));
        let maxScaledDown = allSpec() - minAvailable - newUnavailable;
        const targets = new Map<KubeObject, number>(
          old.map(rs => [rs, specOf(rs)]),
        );
        if (maxScaledDown > 0) {
          for (const rs of old) {
            const unhealthy = targets.get(rs)! - availOf(rs);
            if (unhealthy <= 0 || maxScaledDown <= 0) continue;
            const dec = Math.min(unhealthy, maxScaledDown);
            targets.set(rs, targets.get(rs)! - dec);
            maxScaledDown -= dec;
          }
          let canScaleDown =
            availOf(newRS) +
            old.reduce((a, rs) => a + availOf(rs), 0) -
            minAvailable;
          for (const rs of old) {
            if (canScaleDown <= 0) break;
            const cur = targets.get(rs)!;
            const dec = Math.min(cur, canScaleDown);
            if (dec <= 0) continue;
            targets.set(rs, cur - dec);
            canScaleDown -= dec;
          }
        }
        for (const [rs, target] of targets) {
          if (target !== specOf(rs)) {
            const updated = this.#patchReplicaSet(
              rs,
              target,
              undefined,
              replicas,
              maxSurge,
            );
            this.#scalingEvent(d, updated, specOf(rs), target);
            old[old.indexOf(rs)] = updated;
          }
        }
      } else {
        // Recreate: old to zero first, then the new one
        for (let i = 0; i < old.length; i++) {
          if (specOf(old[i]) > 0) {
            const from = specOf(old[i]);
            old[i] = this.#patchReplicaSet(old[i], 0, undefined, replicas, 0);
            this.#scalingEvent(d, old[i], from, 0);
          }
        }
        const oldPods = old.reduce(
          (a, rs) => a + (rs.status?.replicas ?? 0),
          0,
        );
        if (!oldPods && specOf(newRS) !== replicas) {
          const from = specOf(newRS);
          newRS = this.#patchReplicaSet(
            newRS,
            replicas,
            undefined,
            replicas,
            0,
          );
          this.#scalingEvent(d, newRS, from, replicas);
        }
      }

      // revision history limit
      const limit = spec.revisionHistoryLimit ?? 10;
      const idle = old.filter(
        rs => specOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0,
      );
      idle.sort((a, b) => revisionOf(a) - revisionOf(b));
      while (idle.length > limit) {
        const rs = idle.shift()!;
        this.store.delete('apps/v1/replicasets', ns, rs.metadata.name);
      }
    }

    const revision =
      newRS?.metadata.annotations?.['deployment.kubernetes.io/revision'];
    if (
      revision &&
      d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== revision
    ) {
      this.store.update(
        'apps/v1/deployments',
        {
          ...d,
          metadata: {
            ...d.metadata,
            resourceVersion: undefined,
            annotations: {
              ...d.metadata.annotations,
              'deployment.kubernetes.io/revision': revision,
            },
          },
        },
        { validate: false, raw: true },
      );
    }
    const current = this.store.getRaw('apps/v1/deployments', ns, name) ?? d;
    this.#updateDeploymentStatus(
      current,
      newRS,
      old,
      maxUnavailable,
      createdNew,
    );
  }

  #createReplicaSet(
    d: KubeObject,
    hash: string,
    revision: number,
    replicas: number,
  ): KubeObject {
    const template = structuredClone(d.spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = {
      ...template.metadata.labels,
      'pod-template-hash': hash,
    };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = {
      ...selector.matchLabels,
      'pod-template-hash': hash,
    };
    const maxSurge = intOrPercent(
      d.spec.strategy?.rollingUpdate?.maxSurge,
      d.spec.replicas ?? 1,
      true,
      1,
    );
    const name = `${d.metadata.name}-${hash}`;
    return this.store.create(
      'apps/v1/replicasets',
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels: { ...template.metadata.labels },
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(
              d.spec.replicas ?? 1,
            ),
            'deployment.kubernetes.io/max-replicas': String(
              (d.spec.replicas ?? 1) + maxSurge,
            ),
            'deployment.kubernetes.io/revision': String(revision),
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: d.metadata.name,
              uid: d.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector,
          template,
        },
        status: { replicas: 0 },
      },
      { validate: false, raw: true },
    );
  }

  #patchReplicaSet(
    rs: KubeObject,
    replicas: number,
    revision: number | undefined,
    desired: number,
    maxSurge: number,
  ): KubeObject {
    const annotations: Record<string, string> = {
      ...rs.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String(desired),
      'deployment.kubernetes.io/max-replicas': String(desired + maxSurge),
    };
    if (revision !== undefined)
      annotations['deployment.kubernetes.io/revision'] = String(revision);
    return this.store.update(
      'apps/v1/replicasets',
      {
        ...rs,
        metadata: { ...rs.metadata, annotations, resourceVersion: undefined },
        spec: { ...rs.spec, replicas },
      },
      { validate: false, raw: true },
    );
  }

  #scalingEvent(d: KubeObject, rs: KubeObject, from: number, to: number) {
    if (from === to) return;
    this.events.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${to > from ? 'up' : 'down'} replica set ${
        rs.metadata.name
      } from ${from} to ${to}`,
      { source: { component: 'deployment-controller' } },
    );
  }

  #updateDeploymentStatus(
    d: KubeObject,
    newRS: KubeObject | undefined,
    old: KubeObject[],
    maxUnavailable: number,
    createdNew: boolean,
  ) {
    const all = newRS ? [newRS, ...old] : old;
    const sum = (f: (rs: KubeObject) => number) =>
      all.reduce((a, rs) => a + f(rs), 0);
    const replicas: number = d.spec?.replicas ?? 1;
    const statusReplicas = sum(rs => rs.status?.replicas ?? 0);
    const updated = newRS?.status?.replicas ?? 0;
    const ready = sum(rs => rs.status?.readyReplicas ?? 0);
    const available = sum(rs => rs.status?.availableReplicas ?? 0);
    const specTotal = sum(rs => rs.spec?.replicas ?? 0);
    const unavailable = Math.max(0, Math.max(specTotal, replicas) - available);
    const prev = d.status ?? {};
    const now = isoNow(this.ctx.clock);
    const prevCond = (type: string) =>
      (prev.conditions ?? []).find((c: any) => c.type === type);

    const cond = (
      type: string,
      status: string,
      reason: string,
      message: string,
      touch: boolean,
    ) => {
      const p = prevCond(type);
      const same = p && p.status === status && p.reason === reason;
      return {
        type,
        status,
        lastUpdateTime: same && !touch ? p.lastUpdateTime : now,
        lastTransitionTime:
          p && p.status === status ? p.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const minAvailable = replicas - maxUnavailable;
    const availableCond =
      available >= minAvailable
        ? cond(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
            false,
          )
        : cond(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            false,
          );

    const rsName = newRS?.metadata.name ?? d.metadata.name;
    const complete =
      updated === replicas &&
      available >= replicas &&
      statusReplicas === replicas &&
      (newRS?.spec?.replicas ?? 0) === replicas;
    // like the deployment controller's DeploymentProgressing: more updated/ready/available
    // pods, or fewer old ones
    const progressed =
      updated > (prev.updatedReplicas ?? 0) ||
      ready > (prev.readyReplicas ?? 0) ||
      available > (prev.availableReplicas ?? 0) ||
      statusReplicas - updated <
        (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0);
    const p = prevCond('Progressing');
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    let progressing;
    if (complete) {
      progressing = cond(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
        false,
      );
    } else if (createdNew) {
      progressing = cond(
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${rsName}"`,
        true,
      );
    } else if (progressed || !p) {
      progressing = cond(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `ReplicaSet "${rsName}" is progressing.`,
        true,
      );
    } else if (
      p.status === 'True' &&
      p.reason !== 'NewReplicaSetAvailable' &&
      Date.now() - Date.parse(p.lastUpdateTime) > this.ctx.clock.real(deadline)
    ) {
      progressing = cond(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rsName}" has timed out progressing.`,
        true,
      );
    } else progressing = p;

    if (
      !complete &&
      progressing.status === 'True' &&
      progressing.reason !== 'NewReplicaSetAvailable'
    ) {
      const key = `${d.metadata.namespace}/${d.metadata.name}`;
      const pending = this.#deadlineTimers.get(key);
      if (pending) this.ctx.clock.clear(pending);
      const elapsed = Date.now() - Date.parse(progressing.lastUpdateTime);
      this.#deadlineTimers.set(
        key,
        setTimeout(() => {
          this.#deadlineTimers.delete(key);
          this.#enqueue('d', d);
        }, Math.max(10, this.ctx.clock.real(deadline) - elapsed + 50)).unref(),
      );
    }

    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
    };
    if (statusReplicas) status.replicas = statusReplicas;
    if (updated) status.updatedReplicas = updated;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (unavailable) status.unavailableReplicas = unavailable;
    status.conditions = [availableCond, progressing];
    if (!jsonEqual(status, prev))
      this.store.replaceStatus(
        'apps/v1/deployments',
        d.metadata.namespace,
        d.metadata.name,
        status,
        undefined,
        { raw: true },
      );
  }

  // ---------------------------------------------------------------- ReplicaSets

  #reconcileReplicaSet(ns: string, name: string) {
    const rs = this.store.getRaw('apps/v1/replicasets', ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const pods = this.store
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

  #createPod(rs: KubeObject): KubeObject | undefined {
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
    if (instant) this.#instantPods.add(pod.metadata.uid!);
    return pod;
  }

  // ---------------------------------------------------------------- Pods (kubelet)

  #reconcilePod(ns: string, name: string) {
    const pod = this.store.getRaw('v1/pods', ns, name);
    if (!pod) return;
    let pr = this.#pods.get(pod.metadata.uid!);
    if (pod.metadata.deletionTimestamp) {
      if (pr && !pr.deleted) this.#killPod(pod, pr);
      return;
    }
    if (pr) return;
    pr = this.#newRuntime(pod);
    this.#pods.set(pr.uid, pr);
    const instant = this.#instantPods.delete(pr.uid);
    const statuses: any[] = pod.status?.containerStatuses ?? [];
    if (!pod.spec?.nodeName) {
      this.store.update(
        'v1/pods',
        {
          ...pod,
          metadata: { ...pod.metadata, resourceVersion: undefined },
          spec: { ...pod.spec, nodeName: NODE_NAME },
        },
        { validate: false, raw: true },
      );
    }
    if (instant) {
      for (const c of pr.containers)
        this.#startContainer(pr, c, { quiet: true });
      this.#writePodStatus(pr);
      return;
    }
    if (statuses.length) {
      // restored from saved state: resume where the pod was
      for (const c of pr.containers) {
        const st = statuses.find(x => x.name === c.name);
        c.restartCount = st?.restartCount ?? 0;
        if (
          st?.state?.running ||
          st?.state?.terminated ||
          st?.state?.waiting?.reason === 'CrashLoopBackOff'
        ) {
          c.startedAt = st?.state?.running?.startedAt;
          this.#startContainer(pr, c, { quiet: true, resume: true });
        } else this.#scheduleCreation(pr, c);
      }
      this.#writePodStatus(pr);
      return;
    }
    this.events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${name} to ${NODE_NAME}`,
      {
        source: { component: 'default-scheduler' },
      },
    );
    this.#writePodStatus(pr);
    for (const c of pr.containers) {
      this.events.record(
        pod,
        'Normal',
        'Pulled',
        `Container image "${c.image}" already present on machine`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.#scheduleCreation(pr, c);
    }
  }

  #newRuntime(pod: KubeObject): PodRuntime {
    const n = this.#ipSeq++;
    const now = isoNow(this.ctx.clock);
    return {
      uid: pod.metadata.uid!,
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name,
      podIP:
        pod.status?.podIP ??
        `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
      startTime: pod.status?.startTime ?? now,
      containers: (pod.spec?.containers ?? []).map((c: any) => ({
        name: c.name,
        image: c.image,
        state: 'creating',
        ready: false,
        restartCount: 0,
        containerID: newContainerId(),
      })),
      conditions: new Map(),
      deleted: false,
    };
  }

  #pod(pr: PodRuntime): KubeObject | undefined {
    const pod = this.store.getRaw('v1/pods', pr.namespace, pr.name);
    return pod && pod.metadata.uid === pr.uid ? pod : undefined;
  }

  #behaviour(pr: PodRuntime, c: ContainerRuntime): Behaviour | undefined {
    const pod = this.#pod(pr);
    if (!pod) return undefined;
    const spec = (pod.spec?.containers ?? []).find(
      (x: any) => x.name === c.name,
    );
    if (!spec) return undefined;
    const { service, env } = serviceAndEnv(pod);
    const chaos = this.state.chaos.get(service, env);
    return behaviourOf(spec, pod, chaos, this.#envFromKeys(pod, spec));
  }

  #envFromKeys(pod: KubeObject, container: any): Set<string> {
    const keys = new Set<string>();
    for (const src of container.envFrom ?? []) {
      const ref = src.configMapRef ?? src.secretRef;
      if (!ref?.name) continue;
      const obj = this.store.getRaw(
        src.configMapRef ? 'v1/configmaps' : 'v1/secrets',
        pod.metadata.namespace,
        ref.name,
      );
      for (const k of Object.keys({
        ...(obj?.data as object),
        ...(obj?.stringData as object),
      }))
        keys.add(`${src.prefix ?? ''}${k}`);
    }
    return keys;
  }

  #after(pr: PodRuntime, c: ContainerRuntime, seconds: number, fn: () => void) {
    if (c.timer) this.ctx.clock.clear(c.timer);
    c.timer = this.ctx.clock.setTimeout(() => {
      c.timer = undefined;
      if (pr.deleted || this.#stopped) return;
      try {
        fn();
      } catch (e) {
        this.ctx.logger.warn('simulator: container transition failed', {
          error: String((e as Error)?.stack ?? e),
        });
      }
    }, s(seconds));
  }

  #scheduleCreation(pr: PodRuntime, c: ContainerRuntime) {
    const b = this.#behaviour(pr, c);
    this.#after(pr, c, b?.startupSeconds ?? 5, () => {
      const pod = this.#pod(pr);
      if (!pod) return;
      this.events.record(
        pod,
        'Normal',
        'Created',
        `Created container: ${c.name}`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.events.record(
        pod,
        'Normal',
        'Started',
        `Started container ${c.name}`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.#startContainer(pr, c);
      this.#writePodStatus(pr);
    });
  }

  /** A container instance starts running; schedules what its behaviour makes happen next. */
  #startContainer(
    pr: PodRuntime,
    c: ContainerRuntime,
    opts: { quiet?: boolean; resume?: boolean } = {},
  ) {
    const b = this.#behaviour(pr, c);
    if (!b) return;
    c.behaviour = b;
    c.state = 'running';
    c.ready = false;
    c.terminated = undefined;
    if (!opts.resume || !c.startedAt) c.startedAt = isoNow(this.ctx.clock);
    if (!opts.resume) c.containerID = newContainerId();
    const pod = this.#pod(pr)!;
    const { service } = serviceAndEnv(pod);
    if (!opts.resume || !this.state.logs.has(pr.uid, c.name)) {
      this.state.logs.start(pr.uid, c.name, b.stack);
      const lines = startupLines(b.stack, service ?? pod.metadata.name, b);
      const upTo = b.missingEnv ? 1 : lines.length;
      for (const l of lines.slice(0, upTo))
        this.state.logs.append(pr.uid, c.name, l);
    }
    this.#runBehaviour(pr, c, b, opts.quiet ?? false);
  }

  #runBehaviour(
    pr: PodRuntime,
    c: ContainerRuntime,
    b: Behaviour,
    quiet: boolean,
  ) {
    if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
    c.probeTimer = undefined;
    if (b.missingEnv) {
      const variable = b.missingEnv;
      this.#after(pr, c, 0.5, () => {
        for (const l of missingEnvLines(b.stack, variable))
          this.state.logs.append(pr.uid, c.name, l);
        this.#terminate(pr, c, 'Error', 1);
      });
    } else if (b.crashOnStart) {
      const cause =
        b.crashMessage ??
        'failed to start: DEMO_CRASH_ON_START=true (simulated crash on start)';
      this.#after(pr, c, 1.5, () => {
        for (const l of crashLines(b.stack, cause))
          this.state.logs.append(pr.uid, c.name, l);
        this.#terminate(pr, c, 'Error', 1);
      });
    } else if (b.oom) {
      // memory grows while it starts: a fresh container is killed before it becomes ready;
      // a running one (chaos) stays ready until the kill
      this.#after(pr, c, quiet ? 1 : 0.5, () => {
        this.#after(pr, c, 2.5, () => {
          for (const l of oomLines(b.stack, b))
            this.state.logs.append(pr.uid, c.name, l);
          const pod = this.#pod(pr);
          if (pod)
            this.events.record(
              pod,
              'Warning',
              'OOMKilling',
              `Memory cgroup out of memory: Killed process 1 (${
                c.name
              }) total-vm:${Math.round(
                b.memoryDemandBytes / 1024,
              )}kB, anon-rss:${Math.round(
                (b.memoryLimitBytes ?? NODE_MEMORY_BYTES) / 1024,
              )}kB`,
              { source: { component: 'kernel-monitor', host: NODE_NAME } },
            );
          this.#terminate(pr, c, 'OOMKilled', 137);
        });
      });
    } else if (b.readinessFail) {
      c.ready = false;
      const probe = this.#probeOf(pr, c);
      const tick = () => {
        const pod = this.#pod(pr);
        if (!pod || pr.deleted || c.state !== 'running') return;
        this.events.record(
          pod,
          'Warning',
          'Unhealthy',
          `Readiness probe failed: HTTP probe failed with statuscode: 503`,
          {
            fieldPath: `spec.containers{${c.name}}`,
          },
        );
        this.state.logs.append(pr.uid, c.name, readinessLogLine(b.stack));
        c.probeTimer = this.ctx.clock.setTimeout(tick, s(probe.period));
      };
      this.#setReady(pr, c, false);
      c.probeTimer = this.ctx.clock.setTimeout(
        tick,
        s(Math.min(2, probe.period)),
      );
    } else {
      const probe = this.#probeOf(pr, c);
      if (quiet) this.#setReady(pr, c, true, false);
      else
        this.#after(pr, c, Math.max(1, probe.initialDelay), () =>
          this.#setReady(pr, c, true),
        );
    }
  }

  #probeOf(pr: PodRuntime, c: ContainerRuntime) {
    const spec = (this.#pod(pr)?.spec?.containers ?? []).find(
      (x: any) => x.name === c.name,
    );
    const p = spec?.readinessProbe ?? {};
    return {
      initialDelay: Number(p.initialDelaySeconds ?? 0),
      period: Math.max(1, Number(p.periodSeconds ?? 10)),
    };
  }

  #setReady(pr: PodRuntime, c: ContainerRuntime, ready: boolean, write = true) {
    if (c.state !== 'running') return;
    c.ready = ready;
    if (write) this.#writePodStatus(pr);
  }

  #terminate(
    pr: PodRuntime,
    c: ContainerRuntime,
    reason: string,
    exitCode: number,
  ) {
    if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
    c.probeTimer = undefined;
    c.state = 'terminated';
    c.ready = false;
    c.terminated = {
      exitCode,
      reason,
      startedAt: c.startedAt ?? isoNow(this.ctx.clock),
      finishedAt: isoNow(this.ctx.clock),
      containerID: `containerd://${c.containerID}`,
    };
    this.state.logs.stop(pr.uid, c.name);
    this.#writePodStatus(pr);
    this.#after(pr, c, 1, () => this.#enterBackoff(pr, c));
  }

  #enterBackoff(pr: PodRuntime, c: ContainerRuntime) {
    const pod = this.#pod(pr);
    if (!pod) return;
    const backoff = Math.min(10 * 2 ** c.restartCount, MAX_BACKOFF_SECONDS);
    c.state = 'backoff';
    c.backoffSeconds = backoff;
    c.lastTerminated = c.terminated;
    c.terminated = undefined;
    this.events.record(
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pr.uid})`,
      {
        fieldPath: `spec.containers{${c.name}}`,
      },
    );
    this.#writePodStatus(pr);
    this.#after(pr, c, backoff, () => this.#restart(pr, c));
  }

  #restart(pr: PodRuntime, c: ContainerRuntime) {
    const pod = this.#pod(pr);
    if (!pod) return;
    c.restartCount++;
    const fp = { fieldPath: `spec.containers{${c.name}}` };
    this.events.record(
      pod,
      'Normal',
      'Pulled',
      `Container image "${c.image}" already present on machine`,
      fp,
    );
    this.events.record(
      pod,
      'Normal',
      'Created',
      `Created container: ${c.name}`,
      fp,
    );
    this.events.record(
      pod,
      'Normal',
      'Started',
      `Started container ${c.name}`,
      fp,
    );
    this.#startContainer(pr, c);
    this.#writePodStatus(pr);
  }

  #killPod(pod: KubeObject, pr: PodRuntime) {
    pr.deleted = true;
    this.#clearTimers(pr);
    for (const c of pr.containers) {
      if (c.state === 'running') {
        this.events.record(
          pod,
          'Normal',
          'Killing',
          `Stopping container ${c.name}`,
          {
            fieldPath: `spec.containers{${c.name}}`,
          },
        );
        this.state.logs.stop(pr.uid, c.name);
      }
      c.ready = false;
    }
    this.#writePodStatus(pr, true);
  }

  #clearTimers(pr: PodRuntime) {
    for (const c of pr.containers) {
      if (c.timer) this.ctx.clock.clear(c.timer);
      if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
      c.timer = c.probeTimer = undefined;
    }
  }

  /** Re-evaluates the pods of a service and environment after a chaos switch. */
  #chaosChanged(service: string, env: string) {
    const pods = this.store
      .listRaw('v1/pods', {
        labelSelector: `app.kubernetes.io/name=${service}`,
      })
      .concat(
        this.store.listRaw('v1/pods', {
          labelSelector: `!app.kubernetes.io/name,backstage.io/kubernetes-id=${service}`,
        }),
      );
    for (const pod of pods) {
      if (serviceAndEnv(pod).env !== env || pod.metadata.deletionTimestamp)
        continue;
      const pr = this.#pods.get(pod.metadata.uid!);
      if (!pr) continue;
      for (const c of pr.containers) {
        const b = this.#behaviour(pr, c);
        if (!b) continue;
        const healthy = !b.missingEnv && !b.crashOnStart && !b.oom;
        if (c.state === 'running') {
          if (c.timer) this.ctx.clock.clear(c.timer);
          c.timer = undefined;
          c.behaviour = b;
          if (b.missingEnv) {
            // the variable disappears: the process restarts and fails its config check
            this.#after(pr, c, 1, () => {
              for (const l of missingEnvLines(b.stack, b.missingEnv!))
                this.state.logs.append(pr.uid, c.name, l);
              this.#terminate(pr, c, 'Error', 1);
            });
          } else this.#runBehaviour(pr, c, b, false);
        } else if (c.state === 'backoff' && healthy) {
          // recovered: restart soon instead of waiting for the full back-off
          this.#after(pr, c, 1, () => this.#restart(pr, c));
        }
      }
    }
  }

  #writePodStatus(pr: PodRuntime, terminating = false) {
    const pod = this.#pod(pr);
    if (!pod) return;
    const now = isoNow(this.ctx.clock);
    const containers = pr.containers;
    const creating = containers.some(c => c.state === 'creating');
    const allReady =
      !terminating && containers.length > 0 && containers.every(c => c.ready);
    const notReady = containers.filter(c => !c.ready).map(c => c.name);
    const setCond = (type: string, status: string) => {
      const p = pr.conditions.get(type);
      if (!p || p.status !== status)
        pr.conditions.set(type, { status, at: now });
      return pr.conditions.get(type)!.at;
    };
    const readyReason = allReady
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${notReady.join(' ')}]`,
        };
    const conditions = [
      {
        type: 'PodReadyToStartContainers',
        status: 'True',
        lastTransitionTime: setCond('PodReadyToStartContainers', 'True'),
      },
      {
        type: 'Initialized',
        status: 'True',
        lastTransitionTime: setCond('Initialized', 'True'),
      },
      {
        type: 'Ready',
        status: allReady ? 'True' : 'False',
        lastTransitionTime: setCond('Ready', allReady ? 'True' : 'False'),
        ...readyReason,
      },
      {
        type: 'ContainersReady',
        status: allReady ? 'True' : 'False',
        lastTransitionTime: setCond(
          'ContainersReady',
          allReady ? 'True' : 'False',
        ),
        ...readyReason,
      },
      {
        type: 'PodScheduled',
        status: 'True',
        lastTransitionTime: setCond('PodScheduled', 'True'),
      },
    ];
    const specs: any[] = pod.spec?.containers ?? [];
    const containerStatuses = containers.map(c => {
      const spec = specs.find(x => x.name === c.name) ?? {};
      let state: any;
      switch (c.state) {
        case 'creating':
          state = { waiting: { reason: 'ContainerCreating' } };
          break;
        case 'running':
          state = { running: { startedAt: c.startedAt } };
          break;
        case 'terminated':
          state = { terminated: c.terminated };
          break;
        default:
          state = {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off ${formatBackoff(
                c.backoffSeconds ?? 10,
              )} restarting failed container=${c.name} pod=${
                pod.metadata.name
              }_${pod.metadata.namespace}(${pr.uid})`,
            },
          };
      }
      const status: Record<string, unknown> = {
        name: c.name,
        state,
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
        ready: c.ready,
        restartCount: c.restartCount,
        image: c.image,
        imageID: `${String(c.image).split(':')[0]}@sha256:${createHash('sha256')
          .update(String(c.image))
          .digest('hex')}`,
        started: c.state === 'running',
      };
      if (c.state !== 'creating')
        status.containerID = `containerd://${c.containerID}`;
      if (spec.resources && Object.keys(spec.resources).length)
        status.resources = spec.resources;
      return status;
    });
    const status = {
      phase: creating ? 'Pending' : 'Running',
      conditions,
      hostIP: HOST_IP,
      hostIPs: [{ ip: HOST_IP }],
      ...(creating ? {} : { podIP: pr.podIP, podIPs: [{ ip: pr.podIP }] }),
      startTime: pr.startTime,
      containerStatuses,
      qosClass: qosClass(specs),
    };
    this.store.replaceStatus(
      'v1/pods',
      pr.namespace,
      pr.name,
      status,
      undefined,
      {
        raw: true,
      },
    );
  }
}

function formatBackoff(seconds: number) {
  return seconds >= 60
    ? `${Math.floor(seconds / 60)}m${seconds % 60}s`
    : `${seconds}s`;
}

function readinessLogLine(stack: Behaviour['stack']) {
  switch (stack) {
    case 'python':
      return 'WARNING:  readiness check failed: dependency "cache" not ready';
    case 'go':
      return '{"level":"warn","msg":"readiness check failed","dependency":"cache"}';
    default:
      return 'warn: readiness check failed: dependency "cache" not ready';
  }
}

function newContainerId() {
  return randomBytes(32).toString('hex');
}

function qosClass(containers: any[]): string {
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = parseQuantity(lim[r]);
      const q = parseQuantity(req[r] ?? lim[r]);
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (guaranteed) return 'Guaranteed';
  return any ? 'Burstable' : 'BestEffort';
}
