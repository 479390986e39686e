import { DEFAULT_TOKENS, waitFor } from '@openluffy/sandbox';
import { startTestSandbox, type TestSandbox } from '../__testUtils__/sandbox';
import { createGithubClients } from './createGithubClients';
import { GithubRateLimitedError, GithubUnavailableError } from './errors';
import type { GithubClientOptions } from './types';

jest.setTimeout(60_000);

describe('createGithubClients against the sandbox', () => {
  let sbx: TestSandbox;

  beforeAll(async () => {
    sbx = await startTestSandbox();
  }, 180_000); // the sandbox starts slower when other suites share the CPU
  afterAll(async () => {
    await sbx?.stop();
  });
  afterEach(async () => {
    await sbx.control('faults', { method: 'DELETE' });
  });

  const factory = (options: GithubClientOptions & Record<string, unknown> = {}) =>
    createGithubClients({
      config: sbx.config,
      logger: sbx.logger,
      options: { retryBaseDelayMs: 20, contentCreationIntervalMs: 0, ...options },
    });

  it('reads the GHE apiBaseUrl from integrations.github and talks REST and GraphQL', async () => {
    const github = factory();
    expect(github.hosts[0]).toBe(sbx.githubHost);
    const client = await github.forRepo('acme/gitops');
    expect(client.apiBaseUrl).toBe(`${sbx.urls.github}/api/v3`);
    const { data: repo } = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(repo.full_name).toBe('acme/gitops');
    const gql = await client.graphql<{ viewer: { login: string } }>(
      '{ viewer { login } }',
    );
    expect(gql.viewer.login).toBe('luffy-bot');
  });

  it('answers a repeat GET from the ETag cache: the 304 costs no rate limit, across callers', async () => {
    const github = factory();
    const a = await github.forRepo('acme/checkout');
    await sbx.control('counters', { method: 'DELETE' });

    const first = await a.octokit.rest.repos.get({ owner: 'acme', repo: 'checkout' });
    const afterFirst = a.rateLimit().remaining!;
    expect(afterFirst).toBeGreaterThan(0);

    // another caller (forHost gives the same credential) repeats the GET
    const b = await github.forHost();
    const second = await b.octokit.rest.repos.get({ owner: 'acme', repo: 'checkout' });
    expect(second.status).toBe(200);
    expect(second.data).toEqual(first.data);
    expect(b.rateLimit().remaining).toBe(afterFirst); // the 304 did not count
    expect(github.cacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    // both went to GitHub (the second as a conditional request)
    expect((await sbx.githubCalls(k => k.includes('GET'))).total).toBe(2);

    // a user's token has its own cache entries and limits
    const alice = github.asUser(DEFAULT_TOKENS.githubAlice);
    const me = await alice.octokit.rest.users.getAuthenticated();
    expect(me.data.login).toBe('alice');
    await alice.octokit.rest.repos.get({ owner: 'acme', repo: 'checkout' });
    expect(github.cacheStats().hits).toBe(1);
  });

  it('retries 5xx answers and succeeds once GitHub recovers', async () => {
    const github = factory({ retries: 4, retryBaseDelayMs: 100 });
    const client = await github.forHost();
    await sbx.control('counters', { method: 'DELETE' });
    await sbx.control('faults', {
      method: 'POST',
      body: {
        family: 'github',
        service: 'recommender',
        kind: 'status',
        status: 502,
        durationSeconds: 0.3,
      },
    });
    const { data } = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'recommender',
    });
    expect(data.name).toBe('recommender');
    const calls = await sbx.githubCalls(k => k.includes('GET /api/v3/repos'));
    expect(calls.total).toBeGreaterThan(1);
  });

  it('gives a GithubUnavailableError when GitHub is down', async () => {
    const github = factory({ retries: 2 });
    const client = await github.forHost();
    await sbx.control('faults', {
      method: 'POST',
      body: { family: 'github', kind: 'down', durationSeconds: 30 },
    });
    const error = await client.octokit.rest.repos
      .get({ owner: 'acme', repo: 'gitops' })
      .catch(e => e);
    expect(error).toBeInstanceOf(GithubUnavailableError);
    expect(error.statusCode).toBe(503);
    expect(error.message).toMatch(/GitHub .* is unavailable/);

    await sbx.control('faults', { method: 'DELETE' });
    await sbx.control('faults', {
      method: 'POST',
      body: { family: 'github', kind: 'status', status: 503, durationSeconds: 30 },
    });
    const e503 = await client.octokit.rest.repos
      .get({ owner: 'acme', repo: 'gitops' })
      .catch(e => e);
    expect(e503).toBeInstanceOf(GithubUnavailableError);
    expect(e503.upstreamStatus).toBe(503);
  });

  it('turns an exhausted primary limit into GithubRateLimitedError with the reset time, then fails fast', async () => {
    const github = factory({ maxRateLimitWaitMs: 1000 });
    const client = await github.forHost();
    await sbx.control('faults', {
      method: 'POST',
      body: { family: 'github', kind: 'rate-limit', durationSeconds: 30 },
    });
    const error = await client.octokit.rest.repos
      .get({ owner: 'acme', repo: 'gitops' })
      .catch(e => e);
    expect(error).toBeInstanceOf(GithubRateLimitedError);
    expect(error.kind).toBe('primary');
    expect(error.statusCode).toBe(429);
    expect(error.resetAt.getTime()).toBeGreaterThan(Date.now());
    const state = github.rateLimit();
    expect(state.remaining).toBe(0);
    expect(state.blockedUntil?.getTime()).toBe(error.resetAt.getTime());

    // while blocked, callers get the error without spending a request
    await sbx.control('counters', { method: 'DELETE' });
    const again = await client.octokit.rest.repos
      .get({ owner: 'acme', repo: 'checkout' })
      .catch(e => e);
    expect(again).toBeInstanceOf(GithubRateLimitedError);
    expect((await sbx.githubCalls()).total).toBe(0);
  });

  it('waits out a secondary limit (retry-after) and retries', async () => {
    const github = factory();
    const client = await github.forHost();
    await sbx.control('counters', { method: 'DELETE' });
    await sbx.control('faults', {
      method: 'POST',
      body: {
        family: 'github',
        service: 'inventory',
        kind: 'secondary-rate-limit',
        retryAfterSeconds: 1,
        durationSeconds: 0.5,
      },
    });
    const { data } = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'inventory',
    });
    expect(data.name).toBe('inventory');
    expect(
      (await sbx.githubCalls(k => k.includes('GET /api/v3/repos'))).total,
    ).toBe(2);
  });

  it('refuses to wait longer than maxRateLimitWaitMs for a secondary limit', async () => {
    const github = factory({ maxRateLimitWaitMs: 1000 });
    const client = await github.forHost();
    await sbx.control('faults', {
      method: 'POST',
      body: {
        family: 'github',
        kind: 'secondary-rate-limit',
        retryAfterSeconds: 120,
        durationSeconds: 30,
      },
    });
    const error = await client.octokit.rest.repos
      .get({ owner: 'acme', repo: 'gitops' })
      .catch(e => e);
    expect(error).toBeInstanceOf(GithubRateLimitedError);
    expect(error.kind).toBe('secondary');
    expect(error.resetAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('honours retry-after on a plain 429', async () => {
    const github = factory();
    const client = await github.forHost();
    await sbx.control('counters', { method: 'DELETE' });
    await sbx.control('faults', {
      method: 'POST',
      body: {
        family: 'github',
        service: 'checkout',
        kind: 'too-many-requests',
        retryAfterSeconds: 1,
        durationSeconds: 0.5,
      },
    });
    const { data } = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'checkout',
    });
    expect(data.name).toBe('checkout');
    expect(
      (await sbx.githubCalls(k => k.includes('GET /api/v3/repos'))).total,
    ).toBe(2);
  });

  it('spaces content-creating requests per credential, but not GraphQL or GETs', async () => {
    const waits: number[] = [];
    const github = factory({
      contentCreationIntervalMs: 1000,
      contentCreationBurst: 1,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    });
    const client = await github.forRepo('acme/gitops');
    await Promise.all(
      ['a', 'b', 'c'].map(content =>
        client.octokit.rest.git.createBlob({
          owner: 'acme',
          repo: 'gitops',
          content,
        }),
      ),
    );
    expect(waits).toHaveLength(2);
    for (const w of waits) {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(1000);
    }
    await client.graphql('{ viewer { login } }');
    await client.octokit.rest.repos.get({ owner: 'acme', repo: 'gitops' });
    expect(waits).toHaveLength(2);
  });

  it('lets a burst of content-creating requests through at once, then spaces the rest', async () => {
    const waits: number[] = [];
    const github = factory({
      contentCreationIntervalMs: 1000,
      contentCreationBurst: 3,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    });
    const client = await github.forRepo('acme/gitops');
    for (const content of ['a', 'b', 'c']) {
      await client.octokit.rest.git.createBlob({ owner: 'acme', repo: 'gitops', content });
    }
    expect(waits).toEqual([]);
    await client.octokit.rest.git.createBlob({ owner: 'acme', repo: 'gitops', content: 'd' });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(1000);
  });

  it('caps concurrent requests per host', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const github = factory({ concurrency: 2, fetch: countingFetch });
    const client = await github.forHost();
    await sbx.control('faults', {
      method: 'POST',
      body: { family: 'github', kind: 'latency', ms: 100, durationSeconds: 30 },
    });
    const repos = ['checkout', 'recommender', 'inventory', 'gitops', 'checkout', 'gitops'];
    await Promise.all(
      repos.map(repo => client.octokit.rest.repos.get({ owner: 'acme', repo })),
    );
    expect(maxInFlight).toBe(2);
  });

  it('never logs a token', async () => {
    const github = factory({ maxRateLimitWaitMs: 0 });
    const alice = github.asUser(DEFAULT_TOKENS.githubAlice);
    await sbx.control('faults', {
      method: 'POST',
      body: { family: 'github', kind: 'secondary-rate-limit', retryAfterSeconds: 5, durationSeconds: 30 },
    });
    await alice.octokit.rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch(() => {});
    await waitFor(() => (sbx.logger.warn as jest.Mock).mock.calls.length > 0, 'a warning');
    const logged = JSON.stringify([
      (sbx.logger.warn as jest.Mock).mock.calls,
      (sbx.logger.debug as jest.Mock).mock.calls,
      (sbx.logger.info as jest.Mock).mock.calls,
      (sbx.logger.error as jest.Mock).mock.calls,
    ]);
    expect(logged).not.toContain(DEFAULT_TOKENS.githubAlice);
    expect(logged).not.toContain(DEFAULT_TOKENS.githubBot);
  });
});
