import type { KubeObject } from '../core/cluster';

const SUFFIX: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a Kubernetes quantity (`180Mi`, `1Gi`, `500m`, `2`, `1e3`) to a number. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = q
    .trim()
    .match(/^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]{0,2})$/);
  if (!m || !(m[2] in SUFFIX)) return undefined;
  return Number(m[1]) * SUFFIX[m[2]];
}

export function formatMemory(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

export function formatMi(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)}Mi`;
}

export type ChaosMode = 'oom' | 'crash' | 'readiness' | 'missing-env' | 'none';
export const CHAOS_MODES: ChaosMode[] = [
  'oom',
  'crash',
  'readiness',
  'missing-env',
  'none',
];

export type ChaosEntry = {
  service: string;
  env: string;
  mode: Exclude<ChaosMode, 'none'>;
  since: string;
  /** oom: the memory demand (bytes) fixed when the chaos was switched on. */
  memoryDemandBytes?: number;
  /** missing-env: the variable that disappeared. */
  variable?: string;
};

/** Active chaos per service and environment. */
export class ChaosRegistry {
  #entries = new Map<string, ChaosEntry>();

  static key(service: string, env: string) {
    return `${service}|${env}`;
  }

  set(entry: ChaosEntry) {
    this.#entries.set(ChaosRegistry.key(entry.service, entry.env), entry);
  }

  clear(service: string, env: string): boolean {
    return this.#entries.delete(ChaosRegistry.key(service, env));
  }

  get(service: string | undefined, env: string | undefined) {
    if (!service || !env || !this.#entries.size) return undefined;
    return this.#entries.get(ChaosRegistry.key(service, env));
  }

  list(): ChaosEntry[] {
    return [...this.#entries.values()];
  }

  save() {
    return this.list();
  }

  load(data: unknown) {
    if (Array.isArray(data)) for (const e of data) this.set(e as ChaosEntry);
  }
}

/** The service and environment a pod (or workload) belongs to, from labels or namespace. */
export function serviceAndEnv(obj: { metadata: KubeObject['metadata'] }): {
  service?: string;
  env?: string;
} {
  const labels = obj.metadata.labels ?? {};
  const service =
    labels['app.kubernetes.io/name'] ??
    labels['backstage.io/kubernetes-id'] ??
    labels.app;
  let env = labels['openluffy.io/env'];
  const ns = obj.metadata.namespace ?? '';
  if (!env) {
    const m = ns.match(/^[a-z0-9-]+?-(dev|preprod|prod|staging|qa|test)$/);
    if (m) env = m[1];
  }
  return { service, env };
}

export type Behaviour = {
  memoryDemandBytes: number;
  memoryLimitBytes?: number;
  /** A required env var that is not set (crash on start, exit 1). */
  missingEnv?: string;
  crashOnStart: boolean;
  crashMessage?: string;
  readinessFail: boolean;
  startupSeconds: number;
  oom: boolean;
  stack: 'node' | 'python' | 'go';
};

/** Node allocatable memory: what a container without a limit can use. */
export const NODE_MEMORY_BYTES = 8 * 1024 ** 3;

function envValue(container: any, name: string): string | undefined {
  const e = (container.env ?? []).find((x: any) => x?.name === name);
  return e?.value;
}

export function stackOf(image: string, service?: string): Behaviour['stack'] {
  const s = `${image} ${service ?? ''}`.toLowerCase();
  if (/python|recommender|django|flask/.test(s)) return 'python';
  if (/golang|\bgo\b|inventory/.test(s)) return 'go';
  if (/node|checkout|express/.test(s)) return 'node';
  const h = [...(service ?? image)].reduce((a, c) => a + c.charCodeAt(0), 0);
  return (['node', 'python', 'go'] as const)[h % 3];
}

/**
 * The effective behaviour of a container: its DEMO_* env vars (see CONVENTIONS.md), overridden by
 * chaos for its service and environment. `envFromKeys` are the names provided by envFrom.
 */
export function behaviourOf(
  container: any,
  pod: KubeObject,
  chaos: ChaosEntry | undefined,
  envFromKeys: Set<string> = new Set(),
): Behaviour {
  const limit = parseQuantity(container.resources?.limits?.memory);
  const declared = parseQuantity(envValue(container, 'DEMO_MEMORY_DEMAND'));
  let demand = declared ?? (limit ? Math.round(limit * 0.55) : 96 * 1024 ** 2);
  const names = new Set<string>([
    ...(container.env ?? []).map((e: any) => e?.name),
    ...envFromKeys,
  ]);
  const required = String(envValue(container, 'DEMO_REQUIRED_ENV') ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  let missingEnv = required.find(n => !names.has(n));
  let crashOnStart =
    String(envValue(container, 'DEMO_CRASH_ON_START') ?? '').toLowerCase() ===
    'true';
  let readinessFail =
    String(envValue(container, 'DEMO_READINESS') ?? '').toLowerCase() ===
    'fail';
  const startup = Number(envValue(container, 'DEMO_STARTUP_SECONDS') ?? 5);
  let crashMessage: string | undefined;
  switch (chaos?.mode) {
    case 'oom':
      demand = Math.max(demand, chaos.memoryDemandBytes ?? 0);
      break;
    case 'crash':
      crashOnStart = true;
      crashMessage =
        'unhandled exception: connection to upstream refused (injected crash)';
      break;
    case 'readiness':
      readinessFail = true;
      break;
    case 'missing-env':
      missingEnv ??= chaos.variable ?? required[0] ?? 'DATABASE_URL';
      break;
    default:
      break;
  }
  const effectiveLimit = limit ?? NODE_MEMORY_BYTES;
  const { service } = serviceAndEnv(pod);
  return {
    memoryDemandBytes: demand,
    memoryLimitBytes: limit,
    missingEnv,
    crashOnStart,
    crashMessage,
    readinessFail,
    startupSeconds: Number.isFinite(startup) && startup >= 0 ? startup : 5,
    oom: demand > effectiveLimit,
    stack: stackOf(String(container.image ?? ''), service),
  };
}
