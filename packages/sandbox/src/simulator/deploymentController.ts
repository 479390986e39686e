import { createHash } from 'node:crypto';
import type {
  DeploymentObject,
  KubeObject,
  ReplicaSetObject,
} from '../core/cluster';
import type { SandboxContext } from '../core/context';
import type { IDeploymentSpec } from 'kubernetes-models/apps/v1';
import {
  isoNow,
  jsonEqual,
  type MemoryClusterStore,
} from '../kubernetes/store';
import type { EventRecorder } from './events';
import { controllerOf, intOrPercent } from './objects';

type Timer = NodeJS.Timeout;

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

/**
 * The Deployment controller: one ReplicaSet per pod template (`<deploy>-<pod-template-hash>`),
 * RollingUpdate within maxSurge/maxUnavailable or Recreate, revision history, and the
 * Deployment's status and Available/Progressing conditions (with the progress deadline).
 */
export class DeploymentController {
  /** Deployment uid → the template hash of its current generation. */
  #hashes = new Map<string, { generation?: number; hash: string }>();
  /** `ns/name` → the timer that re-checks the progress deadline. */
  #deadlineTimers = new Map<string, Timer>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: MemoryClusterStore,
    private readonly events: EventRecorder,
    /** Queues the Deployment for another reconcile. */
    private readonly enqueue: (d: KubeObject) => void,
  ) {}

  /** The Deployment is gone: drop what was kept for it. */
  forget(d: KubeObject) {
    this.#hashes.delete(d.metadata.uid!);
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    const t = this.#deadlineTimers.get(key);
    if (t) clearTimeout(t);
    this.#deadlineTimers.delete(key);
  }

  stop() {
    for (const t of this.#deadlineTimers.values()) clearTimeout(t);
    this.#deadlineTimers.clear();
  }

  /** Brings the Deployment's ReplicaSets and status in line with its spec. */
  reconcile(ns: string, name: string) {
    const d: DeploymentObject | undefined = this.store.getRaw(
      'apps/v1/deployments',
      ns,
      name,
    );
    if (!d || d.metadata.deletionTimestamp) return;
    const spec: Partial<IDeploymentSpec> = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const all: ReplicaSetObject[] = this.store
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
    const revisionOf = (rs: ReplicaSetObject) =>
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
    const specOf = (rs: ReplicaSetObject): number => rs.spec?.replicas ?? 0;
    const availOf = (rs: ReplicaSetObject): number =>
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
        const targets = new Map<ReplicaSetObject, number>(
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
    const current: DeploymentObject =
      this.store.getRaw('apps/v1/deployments', ns, name) ?? d;
    this.#updateDeploymentStatus(
      current,
      newRS,
      old,
      maxUnavailable,
      createdNew,
    );
  }

  #createReplicaSet(
    d: DeploymentObject,
    hash: string,
    revision: number,
    replicas: number,
  ): ReplicaSetObject {
    const spec: Partial<IDeploymentSpec> = d.spec ?? {};
    const template = structuredClone(spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = {
      ...template.metadata.labels,
      'pod-template-hash': hash,
    };
    const selector = structuredClone(spec.selector ?? {});
    selector.matchLabels = {
      ...selector.matchLabels,
      'pod-template-hash': hash,
    };
    const maxSurge = intOrPercent(
      spec.strategy?.rollingUpdate?.maxSurge,
      spec.replicas ?? 1,
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
              spec.replicas ?? 1,
            ),
            'deployment.kubernetes.io/max-replicas': String(
              (spec.replicas ?? 1) + maxSurge,
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
          minReadySeconds: spec.minReadySeconds ?? 0,
          selector,
          template,
        },
        status: { replicas: 0 },
      },
      { validate: false, raw: true },
    );
  }

  #patchReplicaSet(
    rs: ReplicaSetObject,
    replicas: number,
    revision: number | undefined,
    desired: number,
    maxSurge: number,
  ): ReplicaSetObject {
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

  #scalingEvent(d: DeploymentObject, rs: ReplicaSetObject, from: number, to: number) {
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
    d: DeploymentObject,
    newRS: ReplicaSetObject | undefined,
    old: ReplicaSetObject[],
    maxUnavailable: number,
    createdNew: boolean,
  ) {
    const all = newRS ? [newRS, ...old] : old;
    const sum = (f: (rs: ReplicaSetObject) => number) =>
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
      (prev.conditions ?? []).find(c => c.type === type);

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
      Date.now() - Date.parse(p.lastUpdateTime ?? '') > this.ctx.clock.real(deadline)
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
      const elapsed = Date.now() - Date.parse(progressing.lastUpdateTime ?? '');
      this.#deadlineTimers.set(
        key,
        setTimeout(() => {
          this.#deadlineTimers.delete(key);
          this.enqueue(d);
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
}
