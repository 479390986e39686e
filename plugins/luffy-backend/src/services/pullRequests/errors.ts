import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  GithubRateLimitedError,
  GithubUnavailableError,
} from '@openluffy/plugin-luffy-node';

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

function githubMessage(e: unknown): string {
  const data = (e as { response?: { data?: { message?: string } } })?.response
    ?.data;
  return data?.message ?? (isError(e) ? e.message : String(e));
}

/**
 * GitHub failures as the clear states the tab shows: no access (403), GitHub down (503),
 * rate-limited (429 with `resetAt`), conflicts (409). The cause is never attached, so no
 * request detail (headers, tokens) reaches a response body.
 */
export function toHttpError(e: unknown, what: string): Error {
  if (
    e instanceof GithubRateLimitedError ||
    (e as any)?.name === 'GithubRateLimitedError'
  ) {
    const r = e as GithubRateLimitedError;
    return new GithubRateLimitedError({
      host: r.host,
      resetAt: new Date(r.resetAt),
      kind: r.kind,
    });
  }
  if (
    e instanceof GithubUnavailableError ||
    (e as any)?.name === 'GithubUnavailableError'
  ) {
    return new ServiceUnavailableError(
      `GitHub is unavailable (${(e as Error).message}); try again shortly`,
    );
  }
  if (
    e instanceof InputError ||
    e instanceof NotAllowedError ||
    e instanceof NotFoundError ||
    e instanceof ConflictError ||
    e instanceof ServiceUnavailableError
  ) {
    return e;
  }
  const graphqlErrors = (
    e as { errors?: Array<{ type?: string; message?: string }> }
  )?.errors;
  if (Array.isArray(graphqlErrors) && graphqlErrors.length) {
    if (
      graphqlErrors.some(g => g.type === 'NOT_FOUND' || g.type === 'FORBIDDEN')
    ) {
      return new NotAllowedError(
        `No access to ${what} on GitHub (or it does not exist): ${graphqlErrors
          .map(g => g.message)
          .join('; ')}`,
      );
    }
    if (graphqlErrors.some(g => g.type === 'RATE_LIMITED')) {
      return new GithubRateLimitedError({
        host: 'github',
        resetAt: new Date(Date.now() + 60_000),
        kind: 'secondary',
      });
    }
  }
  const status = statusOf(e);
  if (status === 401) {
    return new NotAllowedError(
      `GitHub refused the credentials for ${what}: ${githubMessage(e)}`,
    );
  }
  if (status === 403 || status === 404) {
    return new NotAllowedError(
      `No access to ${what} on GitHub (or it does not exist): ${githubMessage(
        e,
      )}`,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ServiceUnavailableError(
      `GitHub answered ${status} for ${what}; try again shortly`,
    );
  }
  if (
    status === undefined &&
    isError(e) &&
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|fetch failed|socket/i.test(e.message)
  ) {
    return new ServiceUnavailableError(
      `GitHub is unreachable for ${what}: ${e.message}`,
    );
  }
  return isError(e) ? e : new Error(String(e));
}
