import type { ClusterStore, KubeObject } from '../core/cluster';

export type HealthStatusCode =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

export type Health = { status: HealthStatusCode; message?: string };

/** Argo CD's ordering: the application's health is its worst resource's. */
const ORDER: HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

export function worse(a: HealthStatusCode, b: HealthStatusCode) {
  return ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a;
}

function podContainerProblem(pod: KubeObject): string | undefined {
  for (const cs of (pod.status?.containerStatuses ?? []) as any[]) {
    const waiting = cs.state?.waiting;
    if (
      waiting &&
      [
        'CrashLoopBackOff',
        'ImagePullBackOff',
        'ErrImagePull',
        'CreateContainerConfigError',
        'InvalidImageName',
      ].includes(waiting.reason)
    ) {
      return `pod ${pod.metadata.name}: container ${cs.name}: ${
        waiting.reason
      }${waiting.message ? `: ${waiting.message}` : ''}`;
    }
    const last = cs.lastState?.terminated;
    if (
      last &&
      last.reason === 'OOMKilled' &&
      (cs.restartCount ?? 0) > 0 &&
      !cs.ready
    ) {
      return `pod ${pod.metadata.name}: container ${cs.name} was OOMKilled (restarts: ${cs.restartCount})`;
    }
  }
  return undefined;
}

/**
 * The health of a live object like Argo CD's built-in checks (gitops-engine `pkg/health`);
 * undefined for kinds Argo CD has no check for (ConfigMap, Secret, ...). Workloads are judged
 * by their own status, as in Argo CD: a Deployment whose pods crash-loop is Progressing (its
 * replicas are not available) and Degraded only once its `Progressing` condition is
 * `False/ProgressDeadlineExceeded`; the crash-looping / OOM-killed Pods themselves are Degraded
 * (resource tree).
 */
export function assessHealth(
  _cluster: ClusterStore,
  obj: KubeObject | undefined,
): Health | undefined {
  if (!obj) return { status: 'Missing' };
  if (obj.metadata.deletionTimestamp)
    return { status: 'Progressing', message: 'Pending deletion' };
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const group = obj.apiVersion.includes('/')
    ? obj.apiVersion.split('/')[0]
    : '';
  switch (`${group}/${obj.kind}`) {
    case 'apps/Deployment': {
      if (spec.paused)
        return { status: 'Suspended', message: 'Deployment is paused' };
      const progressing = (status.conditions ?? []).find(
        (c: any) => c.type === 'Progressing',
      );
      if (progressing?.reason === 'ProgressDeadlineExceeded')
        return {
          status: 'Degraded',
          message: `Deployment "${obj.metadata.name}" exceeded its progress deadline`,
        };
      if ((status.observedGeneration ?? 0) < (obj.metadata.generation ?? 1))
        return {
          status: 'Progressing',
          message:
            'Waiting for rollout to finish: observed deployment generation less than desired generation',
        };
      const replicas = spec.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      const total = status.replicas ?? 0;
      const available = status.availableReplicas ?? 0;
      if (updated < replicas)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
        };
      if (total > updated)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${
            total - updated
          } old replicas are pending termination...`,
        };
      if (available < updated)
        return {
          status: 'Progressing',
          message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
        };
      return { status: 'Healthy' };
    }
    case 'apps/StatefulSet':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet': {
      const failure = (status.conditions ?? []).find(
        (c: any) => c.type === 'ReplicaFailure' && c.status === 'True',
      );
      if (obj.kind === 'ReplicaSet' && failure)
        return { status: 'Degraded', message: failure.message };
      if ((status.observedGeneration ?? 0) < (obj.metadata.generation ?? 1))
        return {
          status: 'Progressing',
          message:
            'Waiting for rollout to finish: observed generation less than desired generation',
        };
      const want =
        obj.kind === 'DaemonSet'
          ? status.desiredNumberScheduled ?? 0
          : spec.replicas ?? 1;
      const ready =
        obj.kind === 'DaemonSet'
          ? status.numberAvailable ?? 0
          : status.readyReplicas ?? 0;
      if (ready < want)
        return {
          status: 'Progressing',
          message: `Waiting for ${want - ready} pods to be ready...`,
        };
      return { status: 'Healthy' };
    }
    case '/Pod': {
      const problem = podContainerProblem(obj);
      if (problem) return { status: 'Degraded', message: problem };
      switch (status.phase) {
        case 'Succeeded':
          return { status: 'Healthy', message: status.message };
        case 'Failed':
          return {
            status: 'Degraded',
            message: status.message ?? status.reason,
          };
        case 'Running': {
          const ready = (status.conditions ?? []).find(
            (c: any) => c.type === 'Ready',
          );
          return ready?.status === 'True'
            ? { status: 'Healthy' }
            : { status: 'Progressing', message: 'Waiting for readiness' };
        }
        default:
          return { status: 'Progressing', message: status.message };
      }
    }
    case '/Service':
      if (
        spec.type === 'LoadBalancer' &&
        !(status.loadBalancer?.ingress ?? []).length
      )
        return { status: 'Progressing', message: 'Waiting for load balancer' };
      return { status: 'Healthy' };
    case 'networking.k8s.io/Ingress':
      // Argo CD waits for status.loadBalancer.ingress; the simulated cluster has no ingress
      // controller, so an Ingress is Healthy once it exists.
      return { status: 'Healthy' };
    case '/PersistentVolumeClaim':
      if (status.phase === 'Bound') return { status: 'Healthy' };
      if (status.phase === 'Lost') return { status: 'Degraded' };
      return {
        status: 'Progressing',
        message: 'Waiting for volume to be bound',
      };
    case 'batch/Job': {
      const c = (status.conditions ?? []).find(
        (x: any) =>
          (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
      );
      if (!c) return { status: 'Progressing', message: 'Job is running' };
      return c.type === 'Complete'
        ? { status: 'Healthy', message: c.message }
        : { status: 'Degraded', message: c.message ?? 'Job failed' };
    }
    case 'autoscaling/HorizontalPodAutoscaler':
      return { status: 'Healthy' };
    case 'argoproj.io/Application': {
      const h = status.health?.status as HealthStatusCode | undefined;
      return h
        ? { status: h, message: status.health?.message }
        : { status: 'Unknown' };
    }
    default:
      return undefined;
  }
}
