import pLimit from 'p-limit';

/** The value of the first pair whose condition holds, else `fallback` (flat alternative to nested ternaries). */
export function firstOf<T>(
  pairs: Array<[boolean | undefined | null | number, T]>,
  fallback: T,
): T {
  for (const [cond, value] of pairs) if (cond) return value;
  return fallback;
}

/** Runs at most `concurrency` tasks at a time (git-heavy background work: CI, webhook payloads); p-limit underneath. */
export class Limiter {
  readonly #limit: pLimit.Limit;

  constructor(concurrency: number) {
    this.#limit = pLimit(concurrency);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.#limit(task);
  }

  get pending(): number {
    return this.#limit.activeCount + this.#limit.pendingCount;
  }
}
