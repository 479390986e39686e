import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `url` until it answers 2xx. Throws after `timeoutMs` (with the last error), or at once
 * with the reason `abort()` returns (e.g. the process being waited for has exited).
 */
export async function waitForUrl(
  url,
  { timeoutMs, intervalMs = 500, abort = () => undefined },
) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const reason = abort();
    if (reason) throw new Error(reason);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (e) {
      lastError = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} not ready after ${timeoutMs / 1000}s: ${lastError}`);
}
