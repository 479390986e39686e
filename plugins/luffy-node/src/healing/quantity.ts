const SUFFIX: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Parses a Kubernetes quantity (`256Mi`, `1Gi`, `500m`, `2`) to a number; undefined if malformed. @public */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = q.trim().match(/^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]{0,2})$/);
  if (!m || !(m[2] in SUFFIX)) return undefined;
  return Number(m[1]) * SUFFIX[m[2]];
}

/** Bytes as a memory quantity in whole Mi (rounded up). @public */
export function formatMemory(bytes: number): string {
  const mi = Math.ceil(bytes / 1024 ** 2);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** Cores as a CPU quantity in millicores. @public */
export function formatCpu(cores: number): string {
  const m = Math.ceil(cores * 1000);
  return m % 1000 === 0 ? `${m / 1000}` : `${m}m`;
}
