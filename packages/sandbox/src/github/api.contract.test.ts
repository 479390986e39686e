import { Octokit } from '@octokit/rest';
import {
  quiet,
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
  createRepoWithFiles,
  createRepoWithPull,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let guest: Octokit;

withGithubContract(c => {
  ({ env, alice, guest } = c);
});

describe('GitHub REST API behaviour: errors, rate-limit headers and ETags, injected faults, request counters', () => {
  it('answers GitHub-shaped errors: 404, 401, 422 and hides private repos from outsiders', async () => {
    await createRepoWithFiles(env, alice, 'hidden', undefined, {
      private: true,
    });
    // alice sees the private repo, so guest's 404 below means hidden, not missing
    expect(
      (await alice.rest.repos.get({ owner: 'acme', repo: 'hidden' })).status,
    ).toBe(200);
    const nf = await alice.rest.repos
      .get({ owner: 'acme', repo: 'nope' })
      .catch(e => e);
    expect(nf.status).toBe(404);
    expect(nf.response.data).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.stringContaining('docs.github.com'),
    });
    await expect(
      guest.rest.repos.get({ owner: 'acme', repo: 'hidden' }),
    ).rejects.toMatchObject({ status: 404 });
    const bad = new Octokit({
      log: quiet,
      auth: 'wrong',
      baseUrl: `${env.url}/api/v3`,
    });
    const e401 = await bad.rest.users.getAuthenticated().catch(e => e);
    expect(e401.status).toBe(401);
    expect(e401.response.data.message).toBe('Bad credentials');
    const e422 = await alice.rest.pulls
      .create({
        owner: 'acme',
        repo: 'hidden',
        title: 'x',
        head: 'missing',
        base: 'main',
      })
      .catch(e => e);
    expect(e422.status).toBe(422);
    expect(e422.response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
    });
    const dup = await alice.rest.repos
      .createInOrg({ org: 'acme', name: 'hidden' })
      .catch(e => e);
    expect(dup.status).toBe(422);
  });

  it('sends rate-limit headers, ETags and 304 that do not count', async () => {
    await createRepoWithFiles(env, alice, 'etags');
    const first = await alice.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'etags',
    });
    expect(first.headers['x-ratelimit-limit']).toBe('5000');
    expect(first.headers['x-ratelimit-resource']).toBe('core');
    expect(first.headers['x-github-request-id']).toBeTruthy();
    expect(first.headers['x-github-media-type']).toMatch(/^github\.v3/);
    const etag = first.headers.etag!;
    expect(etag).toBeTruthy();
    const remaining = Number(first.headers['x-ratelimit-remaining']);
    const res = await fetch(`${env.url}/api/v3/repos/acme/etags`, {
      headers: {
        authorization: 'token sandbox-alice-token',
        'if-none-match': etag,
      },
    });
    expect(res.status).toBe(304);
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(remaining);
    const again = await alice.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'etags',
    });
    expect(Number(again.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
    expect(
      openapiErrors('/repos/{owner}/{repo}', 'get', 200, again.data),
    ).toBeNull();
  });

  it('delivers injected faults the way GitHub sends them', async () => {
    await createRepoWithFiles(env, alice, 'flaky');
    await createRepoWithFiles(env, alice, 'steady');
    const until = Date.now() + 60_000;
    const f1 = env.ctx.faults.add({
      family: 'github',
      service: 'flaky',
      fault: { kind: 'rate-limit' },
      until,
    });
    const e1 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'flaky' })
      .catch(e => e);
    expect(e1.status).toBe(403);
    expect(e1.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(e1.message).toMatch(/rate limit/i);
    env.ctx.faults.remove(f1.id);
    const f2 = env.ctx.faults.add({
      family: 'github',
      service: 'flaky',
      fault: { kind: 'secondary-rate-limit', retryAfterSeconds: 30 },
      until,
    });
    const e2 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'flaky' })
      .catch(e => e);
    expect(e2.status).toBe(403);
    expect(e2.response.headers['retry-after']).toBe('30');
    expect(e2.message).toMatch(/secondary rate limit/);
    env.ctx.faults.remove(f2.id);
    const f3 = env.ctx.faults.add({
      family: 'github',
      service: 'flaky',
      fault: { kind: 'status', status: 502 },
      until,
    });
    const e3 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'flaky' })
      .catch(e => e);
    expect(e3.status).toBe(502);
    // other repos are unaffected
    expect(
      (await alice.rest.repos.get({ owner: 'acme', repo: 'steady' })).status,
    ).toBe(200);
    env.ctx.faults.remove(f3.id);
    expect(
      (await alice.rest.repos.get({ owner: 'acme', repo: 'flaky' })).status,
    ).toBe(200);
  });

  it('counts requests per route pattern', async () => {
    const pull = await createRepoWithPull(env, alice, 'counted');
    await createRepoWithFiles(env, alice, 'listed');
    env.ctx.counters.reset();
    await alice.rest.pulls.list({ owner: 'acme', repo: 'counted' });
    await alice.rest.pulls.list({ owner: 'acme', repo: 'listed' });
    const counts = await waitFor(async () => {
      const snap = env.ctx.counters.snapshot();
      return snap['github GET /api/v3/repos/:owner/:repo/pulls'] === 2 && snap;
    }, 'two pull-list requests counted');
    expect(counts['github GET /api/v3/repos/:owner/:repo/pulls']).toBe(2);
    await alice.rest.pulls.get({
      owner: 'acme',
      repo: 'counted',
      pull_number: pull.number,
    });
    await waitFor(
      async () =>
        env.ctx.counters.snapshot()[
          'github GET /api/v3/repos/:owner/:repo/pulls/:number'
        ] === 1,
      'one pull-get request counted',
    );
    expect(
      env.ctx.counters.snapshot()[
        'github GET /api/v3/repos/:owner/:repo/pulls/:number'
      ],
    ).toBe(1);
  });
});
