import { ResponseError } from '@backstage/errors';

/** What the UI should say about a failed call. */
export type ErrorState =
  | { kind: 'missing-annotation'; message: string }
  | { kind: 'no-access'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'rate-limited'; message: string; resetAt?: Date }
  | { kind: 'conflict'; message: string }
  | { kind: 'other'; message: string };

/** Maps a luffy backend error (ResponseError with Backstage's error body) to a UI state. */
export function errorState(error: Error): ErrorState {
  const status =
    error instanceof ResponseError || (error as any)?.name === 'ResponseError'
      ? (error as ResponseError).statusCode
      : undefined;
  const body = (error as ResponseError).body?.error as
    | { name?: string; message?: string; resetAt?: string }
    | undefined;
  const message = body?.message ?? error.message;
  if (status === 429 || body?.name === 'GithubRateLimitedError') {
    return {
      kind: 'rate-limited',
      message,
      resetAt: body?.resetAt ? new Date(body.resetAt) : undefined,
    };
  }
  if (status === 400 && /annotation/.test(message)) {
    return { kind: 'missing-annotation', message };
  }
  if (status === 403) return { kind: 'no-access', message };
  if (status === 503) return { kind: 'unavailable', message };
  if (status === 409) return { kind: 'conflict', message };
  return { kind: 'other', message };
}
