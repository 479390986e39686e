import type { KubeObject, PodObject } from '../core/cluster';

/** ms of simulated time */
export const s = (seconds: number) => seconds * 1000;

/** The owner reference of `obj` that is its controller of `kind`. */
export function controllerOf(obj: KubeObject, kind: string) {
  return obj.metadata.ownerReferences?.find(
    r => r.controller && r.kind === kind,
  );
}

export function isPodReady(pod: PodObject): boolean {
  return !!pod.status?.conditions?.some(
    c => c.type === 'Ready' && c.status === 'True',
  );
}

/** An int-or-percent field (maxSurge, maxUnavailable) resolved against `total`. */
export function intOrPercent(
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
