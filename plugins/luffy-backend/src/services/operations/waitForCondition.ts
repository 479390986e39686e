import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `fn` (every 250 ms, up to `timeoutMs`) until it returns a value; undefined on timeout. */
export async function waitForCondition<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(250);
  }
}
