import { createHash, randomBytes } from 'node:crypto';
import type { PodObject } from '../core/cluster';
import { parseQuantity, type Behaviour } from './behaviour';

export const HOST_IP = '10.0.0.10';

type Timer = NodeJS.Timeout;

export type Terminated = {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
  message?: string;
};

export type ContainerRuntime = {
  name: string;
  image: string | undefined;
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

export type PodRuntime = {
  uid: string;
  namespace: string;
  name: string;
  podIP: string;
  startTime: string;
  containers: ContainerRuntime[];
  conditions: Map<string, { status: string; at: string }>;
  deleted: boolean;
};


/**
 * The status the kubelet reports for a pod from its runtime: phase, the five conditions (with
 * stable lastTransitionTime, kept in `pr.conditions`), IPs, container statuses and QoS class.
 */
export function podStatusOf(
  pr: PodRuntime,
  pod: PodObject,
  now: string,
  terminating: boolean,
) {
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
  return status;
}

function formatBackoff(seconds: number) {
  return seconds >= 60
    ? `${Math.floor(seconds / 60)}m${seconds % 60}s`
    : `${seconds}s`;
}

export function readinessLogLine(stack: Behaviour['stack']) {
  switch (stack) {
    case 'python':
      return 'WARNING:  readiness check failed: dependency "cache" not ready';
    case 'go':
      return '{"level":"warn","msg":"readiness check failed","dependency":"cache"}';
    default:
      return 'warn: readiness check failed: dependency "cache" not ready';
  }
}

export function newContainerId() {
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