import type { KubernetesObject } from '@kubernetes/client-node';
import type { ArgoCdApplication } from '../argocd/types';
import type { DetectedFailure, DetectionSnapshot } from '../extensions';

/** Tuning of the built-in detectors. @public */
export type DetectionOptions = {
  /** Restarts of one container that count as a restart loop. Default 5. */
  restartThreshold?: number;
  /** Only restarts whose last termination is inside this window count. Default 10 minutes. */
  restartWindowMs?: number;
  /** A running container that stays unready longer than this is failing readiness. Default 60 s. */
  readinessGraceMs?: number;
};

/**
 * Failure reasons from the most to the least specific: one workload gets one incident, for
 * its most specific reason; the other findings become evidence.
 * @public
 */
export const FAILURE_REASON_PRIORITY = [
  'OOMKilled',
  'CrashLoopBackOff',
  'RestartLoop',
  'ReadinessFailing',
  'ProgressDeadlineExceeded',
  'ArgoCDOperationFailed',
  'ArgoCDDegraded',
] as const;

type AnyObj = KubernetesObject & { spec?: any; status?: any };

/** Environment of an object: label `openluffy.io/env`, else the namespace suffix. @public */
export function environmentOf(obj: {
  metadata?: { namespace?: string; labels?: Record<string, string> };
}): string | undefined {
  const label = obj.metadata?.labels?.['openluffy.io/env'];
  if (label) return label;
  const m = (obj.metadata?.namespace ?? '').match(
    /-(dev|development|test|qa|staging|stage|preprod|uat|prod|production)$/,
  );
  return m?.[1];
}

/**
 * The Deployment (or other owner) a pod belongs to: ownerReferences through the ReplicaSet
 * when the snapshot has it, else the ReplicaSet name without its pod-template hash.
 */
function ownerOf(
  pod: AnyObj,
  replicaSets: Map<string, AnyObj>,
): { kind: string; name: string } {
  const ref =
    pod.metadata?.ownerReferences?.find(o => o.controller) ??
    pod.metadata?.ownerReferences?.[0];
  if (!ref) return { kind: 'Pod', name: pod.metadata?.name ?? '' };
  if (ref.kind === 'ReplicaSet') {
    const rs = replicaSets.get(`${pod.metadata?.namespace}/${ref.name}`);
    const rsOwner =
      rs?.metadata?.ownerReferences?.find(o => o.controller) ??
      rs?.metadata?.ownerReferences?.[0];
    if (rsOwner) return { kind: rsOwner.kind, name: rsOwner.name };
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    const name =
      hash && ref.name.endsWith(`-${hash}`)
        ? ref.name.slice(0, -hash.length - 1)
        : ref.name.replace(/-[a-z0-9]{5,10}$/, '');
    return { kind: 'Deployment', name };
  }
  return { kind: ref.kind, name: ref.name };
}

type Finding = {
  reason: string;
  message: string;
  pod?: string;
  container?: string;
};

function ms(value: unknown): number | undefined {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const t = new Date(value as string).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** Findings of one pod (pure). @public */
export function podFindings(
  pod: AnyObj,
  now: Date,
  options: DetectionOptions = {},
): Finding[] {
  const threshold = options.restartThreshold ?? 5;
  const windowMs = options.restartWindowMs ?? 10 * 60_000;
  const graceMs = options.readinessGraceMs ?? 60_000;
  const name = pod.metadata?.name ?? '';
  if (pod.metadata?.deletionTimestamp) return [];
  const out: Finding[] = [];
  const statuses: any[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const cs of statuses) {
    const c = cs.name as string;
    const waiting = cs.state?.waiting;
    const terminated = cs.state?.terminated;
    const lastTerminated = cs.lastState?.terminated;
    const lastEnd = ms(lastTerminated?.finishedAt);
    // a pod OOMKilled long ago that runs fine since is not failing now
    const recentLast =
      lastEnd === undefined || now.getTime() - lastEnd <= windowMs;
    if (
      terminated?.reason === 'OOMKilled' ||
      (lastTerminated?.reason === 'OOMKilled' && recentLast)
    ) {
      out.push({
        reason: 'OOMKilled',
        message: `container ${c} of pod ${name} was OOMKilled (exit ${
          (terminated ?? lastTerminated).exitCode ?? 137
        }, ${cs.restartCount ?? 0} restarts)`,
        pod: name,
        container: c,
      });
    }
    if (waiting?.reason === 'CrashLoopBackOff') {
      out.push({
        reason: 'CrashLoopBackOff',
        message: `container ${c} of pod ${name} is in CrashLoopBackOff${
          lastTerminated
            ? ` (last exit ${lastTerminated.exitCode ?? '?'}: ${
                lastTerminated.reason ?? 'Error'
              })`
            : ''
        }`,
        pod: name,
        container: c,
      });
    }
    if (
      (cs.restartCount ?? 0) >= threshold &&
      lastEnd !== undefined &&
      now.getTime() - lastEnd <= windowMs
    ) {
      out.push({
        reason: 'RestartLoop',
        message: `container ${c} of pod ${name} restarted ${
          cs.restartCount
        } times (last ${new Date(lastEnd).toISOString()})`,
        pod: name,
        container: c,
      });
    }
    const runningSince = ms(cs.state?.running?.startedAt);
    if (
      cs.state?.running &&
      cs.ready === false &&
      runningSince !== undefined &&
      now.getTime() - runningSince > graceMs
    ) {
      out.push({
        reason: 'ReadinessFailing',
        message: `container ${c} of pod ${name} has been running unready for ${Math.round(
          (now.getTime() - runningSince) / 1000,
        )}s`,
        pod: name,
        container: c,
      });
    }
  }
  return out;
}

/** Findings of one Deployment (pure): unavailable past its progress deadline. @public */
export function deploymentFindings(deployment: AnyObj): Finding[] {
  const conditions: any[] = deployment.status?.conditions ?? [];
  const progressing = conditions.find(c => c.type === 'Progressing');
  // Progressing inside its deadline is not a failure: only the controller's verdict counts.
  if (
    progressing?.status === 'False' &&
    progressing.reason === 'ProgressDeadlineExceeded'
  ) {
    const unavailable = deployment.status?.unavailableReplicas ?? 0;
    return [
      {
        reason: 'ProgressDeadlineExceeded',
        message: `deployment ${deployment.metadata?.name}: ${
          progressing.message ?? 'progress deadline exceeded'
        } (${unavailable} unavailable of ${deployment.spec?.replicas ?? '?'})`,
      },
    ];
  }
  return [];
}

function degradedDetail(
  app: ArgoCdApplication,
  degraded: NonNullable<NonNullable<ArgoCdApplication['status']>['resources']>,
): string {
  if (degraded.length) {
    return `: ${degraded
      .map(
        r =>
          `${r.kind} ${r.name}${
            r.health?.message ? ` (${r.health.message})` : ''
          }`,
      )
      .join(', ')}`;
  }
  return app.status?.health?.message ? `: ${app.status.health.message}` : '';
}

/** Findings of one Argo CD Application (pure): Degraded health, failed operation. @public */
export function applicationFindings(
  app: ArgoCdApplication,
): Array<Finding & { workload?: string; workloadKind?: string }> {
  const out: Array<Finding & { workload?: string; workloadKind?: string }> = [];
  const phase = app.status?.operationState?.phase;
  if (phase === 'Failed' || phase === 'Error') {
    out.push({
      reason: 'ArgoCDOperationFailed',
      message: `Argo CD application ${app.metadata.name}: operation ${phase}: ${
        app.status?.operationState?.message ?? ''
      }`.trim(),
    });
  }
  if (app.status?.health?.status === 'Degraded') {
    const degraded = (app.status?.resources ?? []).filter(
      r => r.health?.status === 'Degraded',
    );
    const workload = degraded.find(r =>
      ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(r.kind),
    );
    out.push({
      reason: 'ArgoCDDegraded',
      message: `Argo CD application ${
        app.metadata.name
      } is Degraded${degradedDetail(app, degraded)}`,
      workload: workload?.name,
      workloadKind: workload?.kind,
    });
  }
  return out;
}

const rank = (reason: string) => {
  const i = (FAILURE_REASON_PRIORITY as readonly string[]).indexOf(reason);
  return i < 0 ? FAILURE_REASON_PRIORITY.length : i;
};

/**
 * The built-in detectors over one snapshot (lists per cluster and kind): one failure per
 * workload, for its most specific reason, with every finding as evidence. Pure: no I/O.
 * @public
 */
export function detectFailures(
  snapshot: DetectionSnapshot,
  options: DetectionOptions = {},
): DetectedFailure[] {
  type Acc = {
    cluster: string;
    namespace: string;
    workload: string;
    workloadKind: string;
    findings: Finding[];
    pods: Set<string>;
    containers: Set<string>;
    labels?: Record<string, string>;
  };
  const byWorkload = new Map<string, Acc>();
  const acc = (
    cluster: string,
    namespace: string,
    workload: string,
    workloadKind: string,
    labels?: Record<string, string>,
  ) => {
    const key = `${cluster}/${namespace}/${workload}`;
    let a = byWorkload.get(key);
    if (!a) {
      a = {
        cluster,
        namespace,
        workload,
        workloadKind,
        findings: [],
        pods: new Set(),
        containers: new Set(),
        labels,
      };
      byWorkload.set(key, a);
    }
    if (!a.labels && labels) a.labels = labels;
    return a;
  };

  for (const [cluster, kinds] of Object.entries(snapshot.objects)) {
    const replicaSets = new Map<string, AnyObj>();
    for (const rs of (kinds.replicasets ?? []) as AnyObj[]) {
      replicaSets.set(`${rs.metadata?.namespace}/${rs.metadata?.name}`, rs);
    }
    const deployments = new Map<string, AnyObj>();
    for (const d of (kinds.deployments ?? []) as AnyObj[]) {
      deployments.set(`${d.metadata?.namespace}/${d.metadata?.name}`, d);
      const found = deploymentFindings(d);
      if (found.length) {
        acc(
          cluster,
          d.metadata!.namespace!,
          d.metadata!.name!,
          'Deployment',
          d.metadata?.labels,
        ).findings.push(...found);
      }
    }
    for (const pod of (kinds.pods ?? []) as AnyObj[]) {
      const found = podFindings(pod, snapshot.now, options);
      if (!found.length) continue;
      const owner = ownerOf(pod, replicaSets);
      const ns = pod.metadata!.namespace!;
      const d = deployments.get(`${ns}/${owner.name}`);
      const a = acc(
        cluster,
        ns,
        owner.name,
        owner.kind,
        d?.metadata?.labels ?? pod.metadata?.labels,
      );
      a.findings.push(...found);
      for (const f of found) {
        if (f.pod) a.pods.add(f.pod);
        if (f.container) a.containers.add(f.container);
      }
    }
  }

  // Argo CD: only where no pod or deployment finding already explains the workload.
  const clusters = Object.keys(snapshot.objects);
  for (const app of snapshot.argoApplications) {
    for (const f of applicationFindings(app)) {
      const ns =
        app.spec.destination?.namespace ?? app.metadata.namespace ?? 'default';
      const dest = app.spec.destination;
      let cluster = dest?.name ?? dest?.server ?? 'in-cluster';
      if (dest?.name && clusters.includes(dest.name)) cluster = dest.name;
      else if (clusters.length === 1) cluster = clusters[0];
      const workload = f.workload ?? app.metadata.name;
      const existing = byWorkload.get(`${cluster}/${ns}/${workload}`);
      if (
        existing &&
        existing.findings.some(x => !x.reason.startsWith('ArgoCD'))
      ) {
        existing.findings.push(f);
        continue;
      }
      acc(
        cluster,
        ns,
        workload,
        f.workloadKind ?? 'Application',
        app.metadata.labels,
      ).findings.push(f);
    }
  }

  const out: DetectedFailure[] = [];
  for (const a of byWorkload.values()) {
    const sorted = [...a.findings].sort(
      (x, y) => rank(x.reason) - rank(y.reason),
    );
    const top = sorted[0];
    out.push({
      cluster: a.cluster,
      namespace: a.namespace,
      workload: a.workload,
      workloadKind: a.workloadKind,
      reason: top.reason,
      message: top.message,
      pods: [...a.pods],
      containers: [...a.containers],
      detectedAt: snapshot.now.toISOString(),
      details: {
        findings: [...new Set(sorted.map(f => `${f.reason}: ${f.message}`))],
        labels: a.labels ?? {},
        env: environmentOf({
          metadata: { namespace: a.namespace, labels: a.labels },
        }),
      },
    });
  }
  return out.sort((x, y) =>
    `${x.cluster}/${x.namespace}/${x.workload}`.localeCompare(
      `${y.cluster}/${y.namespace}/${y.workload}`,
    ),
  );
}
