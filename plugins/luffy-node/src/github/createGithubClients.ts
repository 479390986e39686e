import crypto from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
  type GithubIntegrationConfig,
} from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import pLimit from 'p-limit';
import { EtagCache } from './etagCache';
import { GithubRateLimitedError, GithubUnavailableError } from './errors';
import type {
  GithubClient,
  GithubClientFactory,
  GithubClientOptions,
  GithubRateLimitState,
  GithubRepoRef,
  LuffyGraphql,
  LuffyOctokit,
} from './types';

/** Internal knobs for tests (not part of the public options). */
type InternalOptions = GithubClientOptions & {
  /** Sleep used for pacing and rate-limit waits (tests record the waits). */
  sleep?: (ms: number) => Promise<void>;
  /** fetch used by Octokit (tests observe concurrency). */
  fetch?: typeof fetch;
};

type Resource = 'core' | 'graphql' | 'search';

/** State shared by every client of one host + credential identity. */
type IdentityState = {
  host: string;
  identity: string;
  limits: Map<string, GithubRateLimitState>;
  /** Content-creating requests that may start now without waiting (pacing token bucket). */
  writeCredits: number;
  /** When writeCredits was last refilled. */
  writeCreditsAt: number;
  writeQueue: Promise<void>;
};

/** What the luffy Octokit plugins need, passed in the Octokit options. */
type LuffyContext = {
  host: string;
  identity: string;
  state: IdentityState;
  getToken: () => Promise<string | undefined>;
  limit: pLimit.Limit;
  cache: EtagCache;
  contentCreationIntervalMs: number;
  contentCreationBurst: number;
  maxRateLimitWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  logger: LoggerService;
};

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

const defaultSleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

function resourceOf(url: string): Resource {
  const path = url.replace(/^https?:\/\/[^/]+/, '');
  if (/\/graphql(\?|$)/.test(path)) return 'graphql';
  if (/(^|\/)search\//.test(path)) return 'search';
  return 'core';
}

function header(
  headers: Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const v = headers?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

/** Reads x-ratelimit-* headers into the identity's state. */
function recordRateLimit(
  state: IdentityState,
  headers: Record<string, unknown> | undefined,
  fallbackResource: Resource,
) {
  const remaining = header(headers, 'x-ratelimit-remaining');
  if (remaining === undefined) return;
  const resource = header(headers, 'x-ratelimit-resource') ?? fallbackResource;
  const reset = header(headers, 'x-ratelimit-reset');
  const limit = header(headers, 'x-ratelimit-limit');
  const prev = state.limits.get(resource);
  const next: GithubRateLimitState = {
    host: state.host,
    resource,
    remaining: Number(remaining),
    limit: limit !== undefined ? Number(limit) : prev?.limit,
    reset: reset !== undefined ? new Date(Number(reset) * 1000) : prev?.reset,
    blockedUntil: prev?.blockedUntil,
    updatedAt: new Date(),
  };
  if (next.remaining === 0 && next.reset && next.reset.getTime() > Date.now()) {
    next.blockedUntil = next.reset;
  } else if (next.blockedUntil && next.blockedUntil.getTime() <= Date.now()) {
    next.blockedUntil = undefined;
  }
  state.limits.set(resource, next);
}

function blockState(
  state: IdentityState,
  resource: string,
  until: Date,
): GithubRateLimitState {
  const prev = state.limits.get(resource) ?? {
    host: state.host,
    resource,
  };
  const next = { ...prev, blockedUntil: until, updatedAt: new Date() };
  state.limits.set(resource, next);
  return next;
}

/**
 * Innermost plugin: runs once per HTTP attempt. Pacing of content-creating requests, the
 * per-host concurrency cap, the credential, ETag conditional requests and rate-limit headers.
 */
function luffyTransport(octokit: any, octokitOptions: any) {
  const ctx: LuffyContext | undefined = octokitOptions.luffy;
  if (!ctx) return {};
  octokit.hook.wrap('request', async (request: any, options: any) => {
    const method = String(options.method ?? 'GET').toUpperCase();
    const parsed = octokit.request.endpoint.parse(options);
    const url: string = parsed.url;
    const resource = resourceOf(url);

    // Content creation pacing (per credential), GraphQL excluded. GitHub asks for a second
    // between mutative requests when making a large number of them (REST best practices) and
    // allows about 80 a minute: a token bucket lets a short burst (one-off writes) through at
    // once and spaces the rest one interval apart (burst + 60/min stays under 80/min).
    if (
      WRITE_METHODS.has(method) &&
      resource !== 'graphql' &&
      ctx.contentCreationIntervalMs > 0
    ) {
      const slot = ctx.state.writeQueue.then(async () => {
        const s = ctx.state;
        const interval = ctx.contentCreationIntervalMs;
        const now = Date.now();
        s.writeCredits = Math.min(
          ctx.contentCreationBurst,
          s.writeCredits + (now - s.writeCreditsAt) / interval,
        );
        s.writeCreditsAt = now;
        if (s.writeCredits >= 1) {
          s.writeCredits -= 1;
          return;
        }
        await ctx.sleep((1 - s.writeCredits) * interval);
        s.writeCredits = 0;
        s.writeCreditsAt = Date.now();
      });
      ctx.state.writeQueue = slot.catch(() => {});
      await slot;
    }

    return ctx.limit(async () => {
      const token = await ctx.getToken();
      options.headers = { ...options.headers };
      if (token) options.headers.authorization = `token ${token}`;

      let cacheKey: string | undefined;
      let cached;
      if (method === 'GET' && !options.headers['if-none-match']) {
        cacheKey = `${ctx.identity}|${
          parsed.headers?.accept ?? options.headers.accept ?? ''
        }|${url}`;
        cached = ctx.cache.get(cacheKey);
        if (cached) options.headers['if-none-match'] = cached.etag;
      }

      try {
        const response = await request(options);
        recordRateLimit(ctx.state, response.headers, resource);
        if (cacheKey) {
          const etag = header(response.headers, 'etag');
          if (etag && response.status === 200) {
            ctx.cache.misses += 1;
            ctx.cache.set(cacheKey, {
              etag,
              status: response.status,
              url: response.url,
              headers: response.headers,
              data: response.data,
            });
          }
        }
        return response;
      } catch (e: any) {
        recordRateLimit(ctx.state, e?.response?.headers, resource);
        if (e?.status === 304 && cached && cacheKey) {
          ctx.cache.hits += 1;
          return {
            status: cached.status,
            url: cached.url,
            headers: {
              ...cached.headers,
              ...Object.fromEntries(
                Object.entries(e.response?.headers ?? {}).filter(([k]) =>
                  k.startsWith('x-ratelimit-'),
                ),
              ),
            },
            data: cached.data,
          };
        }
        throw e;
      }
    });
  });
  return {};
}

function isRateLimitError(e: any): boolean {
  if (e?.status !== 403 && e?.status !== 429) return false;
  const h = e.response?.headers ?? {};
  return (
    e.status === 429 ||
    header(h, 'x-ratelimit-remaining') === '0' ||
    header(h, 'retry-after') !== undefined ||
    /rate limit/i.test(String(e.message))
  );
}

/**
 * Outermost plugin: one call of `octokit.request`. Fails fast (or waits briefly) while a limit is
 * known to be exhausted, honours retry-after on 429, and maps errors to
 * GithubRateLimitedError / GithubUnavailableError.
 */
function luffyErrors(octokit: any, octokitOptions: any) {
  const ctx: LuffyContext | undefined = octokitOptions.luffy;
  if (!ctx) return {};
  octokit.hook.wrap('request', async (request: any, options: any) => {
    const resource = resourceOf(String(options.url ?? ''));
    for (let attempt = 0; ; attempt++) {
      const blocked = ctx.state.limits.get(resource)?.blockedUntil;
      if (blocked) {
        const wait = blocked.getTime() - Date.now();
        if (wait > ctx.maxRateLimitWaitMs) {
          throw new GithubRateLimitedError({
            host: ctx.host,
            resetAt: blocked,
            kind: 'primary',
          });
        } else if (wait > 0) {
          await ctx.sleep(wait);
        }
      }
      try {
        return await request(options);
      } catch (e: any) {
        if (e instanceof GithubRateLimitedError) throw e;
        if (isRateLimitError(e)) {
          const h = e.response?.headers ?? {};
          const retryAfter = header(h, 'retry-after');
          const secondary =
            retryAfter !== undefined || /secondary rate/i.test(e.message);
          const resetAt = retryAfter
            ? new Date(Date.now() + Number(retryAfter) * 1000)
            : new Date(
                Number(header(h, 'x-ratelimit-reset') ?? 0) * 1000 ||
                  Date.now() + 60_000,
              );
          // 429 + retry-after (not handled by the throttling plugin): wait and retry once.
          if (
            e.status === 429 &&
            retryAfter !== undefined &&
            attempt === 0 &&
            resetAt.getTime() - Date.now() <= ctx.maxRateLimitWaitMs
          ) {
            await ctx.sleep(Math.max(0, resetAt.getTime() - Date.now()));
            continue;
          }
          blockState(ctx.state, resource, resetAt);
          throw new GithubRateLimitedError({
            host: ctx.host,
            resetAt,
            kind: secondary ? 'secondary' : 'primary',
            cause: e,
          });
        }
        if (
          typeof e?.status === 'number' &&
          (e.status >= 500 || !e.response) &&
          e.name !== 'AbortError'
        ) {
          throw new GithubUnavailableError({
            host: ctx.host,
            status: e.response ? e.status : undefined,
            cause: e,
          });
        }
        throw e;
      }
    }
  });
  return {};
}

const LuffyOctokitClass = Octokit.plugin(
  luffyTransport,
  // the plugins are typed against another @octokit/core minor; they work with this one
  retry as any,
  throttling as any,
  luffyErrors,
);

/**
 * Octokit's request log reports every non-2xx answer at error level, and a 304 Not Modified is
 * one: the answer to our own conditional request, replayed from the ETag cache. Not an error.
 */
function isNotModifiedLog(message: string): boolean {
  return /^[A-Z]+ \S+ - 304 with id /.test(message);
}

function sha(text: string) {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function parseRepo(repo: GithubRepoRef | string): GithubRepoRef {
  if (typeof repo !== 'string') return repo;
  const m = repo
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\.git$/, '')
    .match(/^(?:([^/]+)\/)?([^/]+)\/([^/]+?)\/?$/);
  if (!m) {
    throw new InputError(
      `Invalid GitHub repository "${repo}": expected "owner/repo" or "host/owner/repo"`,
    );
  }
  return { host: m[1], owner: m[2], repo: m[3] };
}

/**
 * Builds the shared GitHub client factory from `integrations.github`: one set of limits,
 * pacing and ETag cache for the whole backend.
 * @public
 */
export function createGithubClients(options: {
  config: Config;
  logger: LoggerService;
  options?: GithubClientOptions;
}): GithubClientFactory {
  const opts = (options.options ?? {}) as InternalOptions;
  const logger = options.logger;
  const integrations = ScmIntegrations.fromConfig(options.config);
  const credentials =
    DefaultGithubCredentialsProvider.fromIntegrations(integrations);
  const configs: GithubIntegrationConfig[] = integrations.github
    .list()
    .map(i => i.config);
  const hosts = configs.map(c => c.host);
  const cache = new EtagCache(opts.etagCacheSize ?? 2000);
  const sleep = opts.sleep ?? defaultSleep;
  const concurrency = opts.concurrency ?? 8;
  const hostLimits = new Map<string, pLimit.Limit>();
  const states = new Map<string, IdentityState>();
  // Per-factory Bottleneck groups: the throttling plugin's defaults are process-global; ours
  // are unlimited except search (GitHub asks for spacing there) because pacing and the
  // concurrency cap are done by luffyTransport.
  const groups = {
    global: new Bottleneck.Group({}),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    write: new Bottleneck.Group({}),
    notifications: new Bottleneck.Group({}),
    search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
  };
  const integrationClients = new Map<string, Promise<GithubClient>>();
  const userClients = new Map<string, GithubClient>();

  const hostConfig = (host?: string): GithubIntegrationConfig => {
    const h = host ?? hosts[0];
    const c = configs.find(x => x.host === h);
    if (!c) {
      throw new InputError(
        host
          ? `No GitHub integration for host "${host}" in integrations.github (configured: ${
              hosts.join(', ') || 'none'
            })`
          : 'No GitHub integration configured (integrations.github)',
      );
    }
    return c;
  };

  const stateFor = (host: string, identity: string) => {
    const key = `${host}|${identity}`;
    let s = states.get(key);
    if (!s) {
      s = {
        host,
        identity,
        limits: new Map(),
        writeCredits: Math.max(1, opts.contentCreationBurst ?? 10),
        writeCreditsAt: Date.now(),
        writeQueue: Promise.resolve(),
      };
      states.set(key, s);
    }
    return s;
  };

  const limitFor = (host: string) => {
    let l = hostLimits.get(host);
    if (!l) {
      l = pLimit(concurrency);
      hostLimits.set(host, l);
    }
    return l;
  };

  const currentLimit = (state: IdentityState): GithubRateLimitState => {
    const core = state.limits.get('core') ?? {
      host: state.host,
      resource: 'core',
    };
    const now = Date.now();
    const blocked = [...state.limits.values()]
      .map(l => l.blockedUntil)
      .filter((d): d is Date => !!d && d.getTime() > now)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    return { ...core, blockedUntil: blocked };
  };

  const build = (
    cfg: GithubIntegrationConfig,
    identity: string,
    getToken: () => Promise<string | undefined>,
  ): GithubClient => {
    const apiBaseUrl = cfg.apiBaseUrl ?? 'https://api.github.com';
    const state = stateFor(cfg.host, identity);
    const maxRateLimitWaitMs = opts.maxRateLimitWaitMs ?? 60_000;
    const ctx: LuffyContext = {
      host: cfg.host,
      identity,
      state,
      getToken,
      limit: limitFor(cfg.host),
      cache,
      contentCreationIntervalMs: opts.contentCreationIntervalMs ?? 1000,
      contentCreationBurst: Math.max(1, opts.contentCreationBurst ?? 10),
      maxRateLimitWaitMs,
      sleep,
      logger,
    };
    const shouldRetry = (retryAfter: number, retryCount: number) =>
      retryCount < 1 && retryAfter * 1000 <= maxRateLimitWaitMs;
    const octokit = new LuffyOctokitClass({
      baseUrl: apiBaseUrl,
      luffy: ctx,
      ...(opts.fetch ? { request: { fetch: opts.fetch } } : {}),
      log: {
        // never pass the extra arguments on: request options carry the credential
        debug: () => {},
        info: (m: string) => logger.debug(String(m)),
        warn: (m: string) => logger.warn(String(m)),
        error: (m: string) =>
          isNotModifiedLog(String(m))
            ? logger.debug(String(m))
            : logger.error(String(m)),
      },
      retry: {
        retries: opts.retries ?? 3,
        retryAfterBaseValue: opts.retryBaseDelayMs ?? 1000,
        // 403/429 are the throttling plugin's and luffyErrors' business
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: {
        id: `${cfg.host}|${identity}`,
        ...groups,
        onRateLimit: (
          retryAfter: number,
          o: any,
          _o: any,
          retryCount: number,
        ) => {
          const again = shouldRetry(retryAfter, retryCount);
          logger.warn(
            `GitHub rate limit hit for ${o.method} ${o.url} on ${cfg.host}; ${
              again ? `retrying after ${retryAfter}s` : 'giving up'
            }`,
          );
          return again;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          o: any,
          _o: any,
          retryCount: number,
        ) => {
          const again = shouldRetry(retryAfter, retryCount);
          logger.warn(
            `GitHub secondary rate limit hit for ${o.method} ${o.url} on ${
              cfg.host
            }; ${again ? `retrying after ${retryAfter}s` : 'giving up'}`,
          );
          return again;
        },
      },
    }) as unknown as LuffyOctokit;
    return {
      host: cfg.host,
      apiBaseUrl,
      octokit,
      graphql: (octokit as any).graphql as LuffyGraphql,
      rateLimit: () => currentLimit(state),
    };
  };

  const integrationClient = (
    cfg: GithubIntegrationConfig,
    owner?: string,
  ): Promise<GithubClient> => {
    // GitHub Apps have one installation (token) per owner; tokens have one per host.
    const appScoped = (cfg.apps?.length ?? 0) > 0;
    const key = `${cfg.host}|${appScoped ? owner ?? '' : ''}`;
    let c = integrationClients.get(key);
    if (!c) {
      const url = `https://${cfg.host}${owner ? `/${owner}` : ''}`;
      const getToken = async () => {
        if (!appScoped) return cfg.token;
        const creds = await credentials.getCredentials({ url });
        return creds.token;
      };
      c = Promise.resolve(
        build(
          cfg,
          `integration${appScoped ? `:${owner ?? ''}` : ''}`,
          getToken,
        ),
      );
      integrationClients.set(key, c);
    }
    return c;
  };

  return {
    hosts,
    async forRepo(repo) {
      const r = parseRepo(repo);
      return integrationClient(hostConfig(r.host), r.owner);
    },
    async forHost(host) {
      return integrationClient(hostConfig(host));
    },
    asUser(token, host) {
      if (!token) throw new InputError('asUser needs a GitHub token');
      const cfg = hostConfig(host);
      const identity = `user:${sha(token)}`;
      const key = `${cfg.host}|${identity}`;
      let c = userClients.get(key);
      if (!c) {
        c = build(cfg, identity, async () => token);
        userClients.set(key, c);
        if (userClients.size > 200) {
          userClients.delete(userClients.keys().next().value as string);
        }
      }
      return c;
    },
    rateLimit(host) {
      const cfg = hostConfig(host);
      const appScoped = (cfg.apps?.length ?? 0) > 0;
      return currentLimit(
        stateFor(cfg.host, appScoped ? 'integration:' : 'integration'),
      );
    },
    cacheStats() {
      return {
        entries: cache.size,
        maxEntries: cache.maxEntries,
        hits: cache.hits,
        misses: cache.misses,
      };
    },
  };
}
