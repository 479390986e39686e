/**
 * The one poller for tests of the sandbox and of the code that runs against it.
 *
 * `waitFor(fn, what)` calls `fn` until it returns something truthy and resolves with that value.
 * A throw from `fn` counts as "not yet" (the last error is named in the timeout message), unless
 * `failFast` is set. After `timeoutMs` it fails with "timed out waiting for <what>". Deadlines
 * only: no test asserts on how long something took.
 */
export type Truthy<T> = T extends false | undefined | null | 0 | '' ? never : T;

export interface WaitForOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Pause between attempts in milliseconds (default 25). */
  intervalMs?: number;
  /** Rethrow the first error of `fn` instead of retrying (default false). */
  failFast?: boolean;
}

export async function waitFor<T>(
  fn: () => Promise<T> | T,
  what: string,
  options: WaitForOptions | number = {},
): Promise<Truthy<T>> {
  const opts = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (e) {
      if (opts.failFast) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${
          last ? `: ${last instanceof Error ? last.message : String(last)}` : ''
        }`,
      );
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}
