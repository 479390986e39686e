import fs from 'node:fs';
import path from 'node:path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { AuditEvent, LuffyEvent } from '@openluffy/plugin-luffy-common';
import type { LuffyClients } from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, waitFor, type Sandbox } from '@openluffy/sandbox';
import { parseAllDocuments } from 'yaml';
import { createLuffyEvents } from '../LuffyEvents';
import {
  memoryAuditLog,
  startLuffySandbox,
  switchablePermissions,
} from '../../__testUtils__/luffySandbox';
import { createPullRequestService } from './createPullRequestService';
import { createGithubDeliveryHandler } from './githubDeliveries';
import type { PullRequestService } from './types';

jest.setTimeout(120_000);

const entities = parseAllDocuments(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../../catalog/acme.yaml'),
    'utf8',
  ),
)
  .map(d => d.toJS() as Entity)
  .filter(e => e?.kind === 'Component');
entities.push({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'bare', namespace: 'default', annotations: {} },
  spec: { type: 'service' },
});

const checkout = { namespace: 'default', kind: 'Component', name: 'checkout' };
const alice = mockCredentials.user('user:default/alice');

let sandbox: Sandbox;
let clients: LuffyClients;
let audit: AuditEvent[];
let service: PullRequestService;
const permissions = switchablePermissions();
let stopSandbox: () => Promise<void>;

async function github(p: string, init: RequestInit = {}) {
  const res = await fetch(`${sandbox.urls.github}/api/v3${p}`, {
    ...init,
    headers: {
      authorization: `token ${DEFAULT_TOKENS.githubBot}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The sandbox's GitHub request counters (every request, 304s included). */
async function githubCalls(): Promise<{
  total: number;
  counters: Record<string, number>;
}> {
  const res = await fetch(
    `${sandbox.urls.github}/_sandbox/counters?family=github`,
  );
  const body = (await res.json()) as {
    total: number;
    counters: Record<string, number>;
  };
  return body;
}

function delta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );
}

/** luffy-bot opens a pull request on acme/checkout; returns its title. */
async function openSourcePullRequest(name: string): Promise<string> {
  const main = await github('/repos/acme/checkout/git/ref/heads/main');
  const branch = `test/${name}`;
  await github('/repos/acme/checkout/git/refs', {
    method: 'POST',
    body: JSON.stringify({
      ref: `refs/heads/${branch}`,
      sha: main.body.object.sha,
    }),
  });
  await github(`/repos/acme/checkout/contents/notes/${name}.md`, {
    method: 'PUT',
    body: JSON.stringify({
      message: name,
      content: Buffer.from(`${name}\n`).toString('base64'),
      branch,
    }),
  });
  const title = `Note ${name}`;
  const pr = await github('/repos/acme/checkout/pulls', {
    method: 'POST',
    body: JSON.stringify({ title, head: branch, base: 'main' }),
  });
  expect(pr.status).toBe(201);
  return title;
}

/** A second service over the same sandbox (own cache), for the cache behaviour tests. */
function otherService(options: { cacheTtlMs?: number } = {}) {
  const logger = mockServices.logger.mock();
  const events = createLuffyEvents({ logger });
  const prs = createPullRequestService({
    logger,
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities }),
    permissions: mockServices.permissions(),
    github: clients.github,
    argocd: clients.argocd,
    auditLog: { record: async () => ({} as any), track: (_m, fn) => fn() },
    events,
    gitopsRepo: 'acme/gitops',
    ...options,
  });
  return { prs, events, logger };
}

beforeAll(async () => {
  ({
    sandbox,
    clients,
    stop: stopSandbox,
  } = await startLuffySandbox({ name: 'prs' }));
  const logger = mockServices.logger.mock();
  const { auditLog, rows } = memoryAuditLog(logger);
  audit = rows;
  service = createPullRequestService({
    logger,
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities }),
    permissions,
    github: clients.github,
    argocd: clients.argocd,
    auditLog,
    events: createLuffyEvents({ logger }),
    gitopsRepo: 'acme/gitops',
  });
  // The seed opens the GitOps pull request once acme/gitops has content; wait for its checks.
  await waitFor(
    async () => {
      const list = await service.list(checkout, { credentials: alice });
      service.invalidate('acme/gitops');
      return list.items.some(
        i => i.role === 'gitops' && i.checks.state === 'success',
      );
    },
    'the seeded GitOps pull request with passing checks',
    { timeoutMs: 60_000, intervalMs: 250 },
  );
});

afterAll(async () => {
  await stopSandbox?.();
});

describe('pull request service against the sandbox', () => {
  it('lists source PRs and the GitOps PRs touching the entity folder, with checks', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const source = list.items.find(i => i.role === 'source');
    expect(source).toMatchObject({
      repo: 'acme/checkout',
      title: expect.stringMatching(/Bump express/),
      author: { login: 'alice' },
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      allowedMergeMethods: expect.arrayContaining([
        'squash',
        'merge',
        'rebase',
      ]),
    });
    expect(source!.checks.items.map(c => c.name)).toEqual(
      expect.arrayContaining(['ci/build', 'ci/test']),
    );
    const gitops = list.items.find(i => i.role === 'gitops');
    expect(gitops).toMatchObject({
      repo: 'acme/gitops',
      title: 'checkout (dev): add one replica',
      environments: ['dev'],
      blockers: [],
    });
    expect(list.repos.map(r => r.repo)).toEqual([
      'acme/checkout',
      'acme/gitops',
    ]);

    // The GitOps PR is about checkout only: recommender does not list it.
    const other = await service.list(
      { ...checkout, name: 'recommender' },
      { credentials: alice },
    );
    expect(other.items.filter(i => i.role === 'gitops')).toEqual([]);
    expect(other.items.map(i => i.title)).toEqual([
      expect.stringMatching(/gunicorn/),
    ]);
    expect(other.items[0].blockers.join(' ')).toMatch(/Checks failed/);
  });

  it('costs ONE GitHub request (GraphQL) per view, and nothing on a repeat', async () => {
    service.invalidate('acme/checkout');
    const before = await githubCalls();
    const first = await service.list(checkout, { credentials: alice });
    const after = await githubCalls();
    // Source and GitOps PRs, checks, files and merge settings: one POST /api/graphql.
    expect(after.total - before.total).toBe(1);
    expect(delta(before.counters, after.counters)).toEqual({
      'github POST /api/graphql': 1,
    });
    expect(first.items.map(i => i.role)).toEqual(
      expect.arrayContaining(['source', 'gitops']),
    );

    // A repeat, by the same or another viewer, is served from the shared cache.
    await service.list(checkout, { credentials: alice });
    await service.list(checkout, {
      credentials: mockCredentials.user('user:default/bob'),
    });
    expect((await githubCalls()).total).toBe(after.total);

    // A webhook delivery for the repository clears it: the next view asks GitHub again.
    service.invalidate('acme/checkout');
    await service.list(checkout, { credentials: alice });
    expect((await githubCalls()).total).toBe(after.total + 1);
  });

  it('opens the diff of a listed pull request with one conditional GitHub request', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const pr = list.items.find(i => i.role === 'source')!;
    const before = await githubCalls();
    await service.get(checkout, pr.repo, pr.number, { credentials: alice });
    const after = await githubCalls();
    expect(delta(before.counters, after.counters)).toEqual({
      'github GET /api/v3/repos/:owner/:repo/pulls/:number/files': 1,
    });
    // The repeat is a 304 from the ETag cache: no rate limit spent.
    const client = await clients.github.forRepo(pr.repo);
    const remaining = client.rateLimit().remaining;
    expect(remaining).toBeGreaterThan(0);
    await service.get(checkout, pr.repo, pr.number, { credentials: alice });
    expect((await githubCalls()).total).toBe(after.total + 1);
    expect(client.rateLimit().remaining).toBe(remaining);
    expect(clients.github.cacheStats().hits).toBeGreaterThan(0);
  });

  it('names the missing annotation', async () => {
    await expect(
      service.list({ ...checkout, name: 'bare' }, { credentials: alice }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/github.com\/project-slug/),
    });
  });

  it('returns the files and the unified diff of a pull request', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const pr = list.items.find(i => i.role === 'source')!;
    const detail = await service.get(checkout, 'acme/checkout', pr.number, {
      credentials: alice,
    });
    expect(detail.files.map(f => f.filename)).toContain('package.json');
    expect(detail.diff).toMatch(/^diff --git a\/package.json b\/package.json/m);
    expect(detail.diff).toMatch(/^\+.*express/m);
    await expect(
      service.get(checkout, 'acme/inventory', 1, { credentials: alice }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses to merge without the permission, and audits the denial', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const pr = list.items.find(i => i.role === 'gitops')!;
    permissions.allow = false;
    try {
      await expect(
        service.merge(
          checkout,
          pr.repo,
          pr.number,
          {
            method: 'squash',
            sha: pr.headSha,
            githubToken: DEFAULT_TOKENS.githubAlice,
          },
          { credentials: alice },
        ),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
    } finally {
      permissions.allow = true;
    }
    expect(audit.at(-1)).toMatchObject({
      actor: 'user:default/alice',
      action: 'pullRequest.merge',
      outcome: 'denied',
    });
    const { body } = await github(`/repos/${pr.repo}/pulls/${pr.number}`);
    expect(body.merged).toBe(false);
  });

  it('refuses to merge a head that moved since the review', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const pr = list.items.find(i => i.role === 'gitops')!;
    const stale = 'f'.repeat(40);
    await expect(
      service.merge(
        checkout,
        pr.repo,
        pr.number,
        {
          method: 'squash',
          sha: stale,
          githubToken: DEFAULT_TOKENS.githubAlice,
        },
        { credentials: alice },
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/branch moved since you reviewed it/),
    });
    const { body } = await github(`/repos/${pr.repo}/pulls/${pr.number}`);
    expect(body.merged).toBe(false);
  });

  it('approves and merges as the user with their token, audited, then follows the rollout', async () => {
    const list = await service.list(checkout, { credentials: alice });
    const pr = list.items.find(i => i.role === 'gitops')!;
    const result = await service.merge(
      checkout,
      pr.repo,
      pr.number,
      {
        method: 'squash',
        sha: pr.headSha,
        githubToken: DEFAULT_TOKENS.githubAlice,
      },
      { credentials: alice },
    );
    expect(result).toMatchObject({
      merged: true,
      mergedBy: 'alice',
      actedAs: 'user',
      approved: true,
    });
    const { body } = await github(`/repos/${pr.repo}/pulls/${pr.number}`);
    expect(body.merged).toBe(true);
    expect(body.merged_by.login).toBe('alice');
    const reviews = await github(
      `/repos/${pr.repo}/pulls/${pr.number}/reviews`,
    );
    expect(
      reviews.body.map((r: any) => [r.user.login, r.state]),
    ).toContainEqual(['alice', 'APPROVED']);
    const row = audit.at(-1)!;
    expect(row).toMatchObject({
      actor: 'user:default/alice',
      action: 'pullRequest.merge',
      outcome: 'succeeded',
    });
    expect(JSON.stringify(audit)).not.toContain(DEFAULT_TOKENS.githubAlice);

    const rolled = await waitFor(
      async () => {
        const d = await service.deployments(checkout, {
          credentials: alice,
          revision: result.sha,
        });
        const dev = d.environments.find(e => e.environment === 'dev');
        return dev?.rolledOut ? d : undefined;
      },
      'checkout-dev to roll out the merge',
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(rolled.environments.map(e => e.environment)).toEqual([
      'dev',
      'preprod',
      'prod',
    ]);
    expect(rolled.environments[0]).toMatchObject({
      application: 'checkout-dev',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      revision: result.sha,
    });
  });

  it('serves a stale list at once and refreshes it behind the view', async () => {
    const { prs } = otherService({ cacheTtlMs: 0 });
    await prs.list(checkout, { credentials: alice });
    const title = await openSourcePullRequest(`stale-${Date.now()}`);
    const before = await githubCalls();
    const t = Date.now();
    const stale = await prs.list(checkout, { credentials: alice });
    // answered from the cache, without waiting for GitHub
    expect(stale.items.map(i => i.title)).not.toContain(title);
    expect(Date.now() - t).toBeLessThan(1000);
    const fresh = await waitFor(
      async () => {
        const list = await prs.list(checkout, { credentials: alice });
        return list.items.some(i => i.title === title) ? list : undefined;
      },
      'the refreshed list with the new pull request',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(fresh.items.map(i => i.title)).toContain(title);
    // one refresh at a time: never a burst of GitHub requests
    const calls = (await githubCalls()).total - before.total;
    expect(calls).toBeGreaterThanOrEqual(1);
  });

  it('a webhook delivery refreshes the list before telling open tabs, so their reload is served from the cache', async () => {
    const { prs, events, logger } = otherService();
    await prs.list(checkout, { credentials: alice });
    const title = await openSourcePullRequest(`hook-${Date.now()}`);
    const received: LuffyEvent[] = [];
    events.subscribe({}, e => {
      received.push(e);
    });
    const deliver = createGithubDeliveryHandler({
      pullRequests: prs,
      events,
      logger,
    });
    await deliver({
      id: `d-${Date.now()}`,
      event: 'pull_request',
      payload: { action: 'opened', repository: { full_name: 'acme/checkout' } },
    });
    await waitFor(
      async () => received.some(e => e.type === 'pullRequest.changed'),
      'pullRequest.changed for checkout',
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(received[0]).toMatchObject({
      type: 'pullRequest.changed',
      entityRef: 'component:default/checkout',
    });
    const before = await githubCalls();
    const list = await prs.list(checkout, { credentials: alice });
    expect(list.items.map(i => i.title)).toContain(title);
    expect((await githubCalls()).total).toBe(before.total);
  });
});
