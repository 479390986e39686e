import type { Octokit } from '@octokit/rest';
import type { graphql as GraphqlFn } from '@octokit/graphql';

/** Octokit with retry and throttling plugins, as handed out by the shared client. @public */
export type LuffyOctokit = Octokit;

/** The `graphql` function of `@octokit/graphql`, bound to one host and token. @public */
export type LuffyGraphql = typeof GraphqlFn;

/** A GitHub repository, optionally on a specific host (default: the first integration). @public */
export type GithubRepoRef = { owner: string; repo: string; host?: string };

/**
 * Rate-limit state of one host and credential, from the last `x-ratelimit-*` headers seen.
 * @public
 */
export type GithubRateLimitState = {
  host: string;
  /** `x-ratelimit-resource` (core, graphql, search...). */
  resource?: string;
  limit?: number;
  remaining?: number;
  /** When the window resets (`x-ratelimit-reset`). */
  reset?: Date;
  /** Set while requests are held back: primary/secondary limit or retry-after. */
  blockedUntil?: Date;
  /** When these figures were last read from a response. */
  updatedAt?: Date;
};

/** Counters of the shared ETag cache. @public */
export type GithubCacheStats = {
  entries: number;
  maxEntries: number;
  /** Requests answered 304 Not Modified (no rate-limit cost). */
  hits: number;
  /** Cacheable GETs that returned a new body. */
  misses: number;
};

/**
 * One authenticated GitHub client for a host and credential (integration token/app, or a user).
 * @public
 */
export interface GithubClient {
  readonly host: string;
  /** REST base URL, e.g. `https://api.github.com` or `http://127.0.0.1:18083/api/v3`. */
  readonly apiBaseUrl: string;
  /** Retrying, throttled, paced, ETag-caching Octokit. */
  readonly octokit: LuffyOctokit;
  /** GraphQL (`/graphql` or, on Enterprise, `/api/graphql`) sharing the same limits. */
  readonly graphql: LuffyGraphql;
  /** Last known rate-limit state of this credential (core resource). */
  rateLimit(): GithubRateLimitState;
}

/**
 * Builds and shares GitHub clients. One instance per backend (see `luffyClientsServiceRef`).
 * @public
 */
export interface GithubClientFactory {
  /** Hosts configured in `integrations.github`. */
  readonly hosts: string[];
  /** Client with the integration's credential for a repository (GitHub App installation or token). */
  forRepo(repo: GithubRepoRef | string): Promise<GithubClient>;
  /** Client with the integration's credential for a host (default: first configured host). */
  forHost(host?: string): Promise<GithubClient>;
  /** Client acting as the signed-in user with their own token (never stored or logged). */
  asUser(token: string, host?: string): GithubClient;
  /** Rate-limit state of the integration credential of a host. */
  rateLimit(host?: string): GithubRateLimitState;
  /** ETag cache statistics (shared across all clients). */
  cacheStats(): GithubCacheStats;
}

/** Tuning of the shared GitHub client; all optional. @public */
export type GithubClientOptions = {
  /** Max concurrent requests per host (default 8). */
  concurrency?: number;
  /** Min spacing between content-creating requests per credential beyond the burst, ms (default 1000 ≈ 60/min). */
  contentCreationIntervalMs?: number;
  /**
   * Content-creating requests per credential that may go without spacing when none went for a
   * while (token bucket, refilled one per interval; default 10: 10 + 60/min stays under
   * GitHub's 80/min). 1 spaces every request.
   */
  contentCreationBurst?: number;
  /** Max ETag cache entries (default 2000, LRU). */
  etagCacheSize?: number;
  /** Retries for 5xx / network errors (default 3). */
  retries?: number;
  /** Base of the quadratic retry back-off in ms: 1×, 4×, 9× (default 1000). */
  retryBaseDelayMs?: number;
  /**
   * How long a caller may wait for a rate limit to reset before getting a
   * `GithubRateLimitedError` instead (default 60 s).
   */
  maxRateLimitWaitMs?: number;
};
