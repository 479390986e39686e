import { isError, NotFoundError } from '@backstage/errors';

/**
 * Retries `fn` with exponential back-off (no fixed sleep) while it fails with a 404 / NotFound,
 * e.g. a repository GitHub just created that does not answer yet. Other errors are thrown at once.
 */
export async function retryWhileNotFound<T>(
  fn: () => Promise<T>,
  options: { timeoutMs?: number; initialDelayMs?: number; maxDelayMs?: number; onRetry?: (attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let delay = options.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const notFound =
        isError(e) && (e.name === NotFoundError.name || (e as { status?: number }).status === 404);
      if (!notFound || Date.now() + delay > deadline) throw e;
      options.onRetry?.(attempt, delay);
      const wait = delay;
      await new Promise(r => setTimeout(r, wait));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 4000);
    }
  }
}

/** Back-off delays for polling: starts fast, grows to `maxMs`. */
export function backoff(initialMs = 500, maxMs = 5000): () => number {
  let next = initialMs;
  return () => {
    const d = next;
    next = Math.min(Math.round(next * 1.5), maxMs);
    return d;
  };
}
