import type { KubeObject } from '../core/cluster';
import {
  behaviourOf,
  formatMemory,
  parseQuantity,
  serviceAndEnv,
  type ChaosRegistry,
} from './behaviour';

function jitter(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1000) / 1000;
}

/**
 * metrics.k8s.io PodMetrics for a pod (undefined unless it runs): memory near the container's
 * demand (capped by its limit), cpu a few millicores.
 */
export function podMetrics(
  pod: KubeObject,
  chaos: ChaosRegistry,
  now = new Date(),
): KubeObject | undefined {
  if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp)
    return undefined;
  const minute = Math.floor(now.getTime() / 60000);
  const { service, env } = serviceAndEnv(pod);
  const entry = chaos.get(service, env);
  const containers: any[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const st = (pod.status?.containerStatuses ?? []).find(
      (x: any) => x.name === c.name,
    );
    if (!st?.state?.running) continue;
    const b = behaviourOf(c, pod, entry);
    const j = jitter(`${pod.metadata.name}/${c.name}/${minute}`);
    const limit = parseQuantity(c.resources?.limits?.memory);
    let memory = b.memoryDemandBytes * (0.88 + 0.1 * j);
    if (limit) memory = Math.min(memory, limit * (b.oom ? 0.99 : 0.98));
    const cpuLimit = parseQuantity(c.resources?.limits?.cpu);
    let cpu = 0.002 + 0.018 * j;
    if (cpuLimit) cpu = Math.min(cpu, cpuLimit);
    containers.push({
      name: c.name,
      usage: {
        cpu: `${Math.max(1, Math.round(cpu * 1e9))}n`,
        memory: formatMemory(memory),
      },
    });
  }
  if (!containers.length) return undefined;
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      labels: pod.metadata.labels,
    },
    timestamp: new Date(now.getTime() - 15000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    window: '15.01s',
    containers,
  };
}
