/** The value of the first pair whose condition holds, else `fallback` (flat alternative to nested ternaries). */
export function firstOf<T>(
  pairs: Array<[boolean | undefined | null | number, T]>,
  fallback: T,
): T {
  for (const [cond, value] of pairs) if (cond) return value;
  return fallback;
}

/** Runs at most `concurrency` tasks at a time (git-heavy background work: CI, webhook payloads). */
export class Limiter {
  #active = 0;
  #queue: Array<() => void> = [];

  constructor(private readonly concurrency: number) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#active += 1;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#active -= 1;
            this.#queue.shift()?.();
          });
      };
      if (this.#active < this.concurrency) start();
      else this.#queue.push(start);
    });
  }

  get pending(): number {
    return this.#active + this.#queue.length;
  }
}
