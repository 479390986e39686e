/**
 * Request counters per family and endpoint, so tests and benchmarks can measure the API calls
 * a sweep or a page view costs. Keys are `METHOD <route pattern>` (e.g. `GET /api/v1/pods`,
 * `GET /api/v3/repos/:owner/:repo/pulls`), falling back to the raw path for unmatched requests.
 */
export class RequestCounters {
  #counts = new Map<string, number>();

  increment(family: string, key: string) {
    const k = `${family} ${key}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort());
  }

  total(prefix = ''): number {
    let n = 0;
    for (const [k, v] of this.#counts) if (k.startsWith(prefix)) n += v;
    return n;
  }

  reset() {
    this.#counts.clear();
  }
}
