import { CustomErrorBase } from '@backstage/errors';

/**
 * GitHub refused because a rate limit (primary or secondary) is exhausted. `resetAt` tells a
 * UI what to show ("rate-limited until HH:MM").
 * @public
 */
export class GithubRateLimitedError extends CustomErrorBase {
  name = 'GithubRateLimitedError' as const;
  readonly resetAt: Date;
  readonly kind: 'primary' | 'secondary';
  readonly host: string;
  /** HTTP status when this error reaches Backstage's error handler. */
  readonly statusCode = 429;
  constructor(options: {
    host: string;
    resetAt: Date;
    kind: 'primary' | 'secondary';
    cause?: Error;
  }) {
    super(
      `GitHub ${options.host} ${
        options.kind === 'secondary' ? 'secondary ' : ''
      }rate limit exceeded; retry after ${options.resetAt.toISOString()}`,
      options.cause,
    );
    this.resetAt = options.resetAt;
    this.kind = options.kind;
    this.host = options.host;
  }
}

/**
 * GitHub is unreachable or answering 5xx after retries.
 * @public
 */
export class GithubUnavailableError extends CustomErrorBase {
  name = 'GithubUnavailableError' as const;
  readonly host: string;
  /** GitHub's last HTTP status (5xx), if it answered at all. */
  readonly upstreamStatus?: number;
  /** HTTP status when this error reaches Backstage's error handler. */
  readonly statusCode = 503;
  constructor(options: { host: string; status?: number; cause?: Error }) {
    super(
      `GitHub ${options.host} is unavailable${
        options.status ? ` (HTTP ${options.status})` : ''
      }${options.cause ? `: ${options.cause.message}` : ''}`,
      options.cause,
    );
    this.host = options.host;
    this.upstreamStatus = options.status;
  }
}
