import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { verifyPayload } from './signature';
import { SandboxContext } from '../core/context';
import { startFamilyServer } from '../http/server';
import { createGithubFamily, getGithubService, seedGithubDemo } from './index';
import {
  quiet,
  type GithubTestEnv,
  startGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let bot: Octokit;

const received: Array<{ event: string; signature: string; body: string }> = [];
let receiver: http.Server;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-github-event']),
        signature: String(req.headers['x-hub-signature-256']),
        body,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>(r => receiver.listen(0, '127.0.0.1', () => r()));
  process.env.SANDBOX_GITHUB_WEBHOOK_URL = `http://127.0.0.1:${
    (receiver.address() as AddressInfo).port
  }/api/luffy/webhooks/github`;
  ({ env, bot } = await startGithubContract({ timeScale: 100 }));
  await seedGithubDemo(env.ctx);
});

afterAll(async () => {
  delete process.env.SANDBOX_GITHUB_WEBHOOK_URL;
  receiver?.close();
  await env?.close();
});

describe('seedGithubDemo', () => {
  it('creates the org, users and source repos with catalog files', async () => {
    expect(
      (await bot.rest.users.getByUsername({ username: 'acme' })).data.type,
    ).toBe('Organization');
    expect(
      (await bot.rest.users.getByUsername({ username: 'guest' })).data.type,
    ).toBe('User');
    const repos = await bot.rest.repos.listForOrg({ org: 'acme' });
    expect(repos.data.map(r => r.name).sort()).toEqual([
      'checkout',
      'gitops',
      'inventory',
      'recommender',
    ]);
    for (const name of ['checkout', 'recommender', 'inventory']) {
      const c = await bot.rest.repos.getContent({
        owner: 'acme',
        repo: name,
        path: 'catalog-info.yaml',
      });
      const text = Buffer.from((c.data as any).content, 'base64').toString();
      expect(text).toContain(`github.com/project-slug: acme/${name}`);
      expect(text).toContain(`backstage.io/kubernetes-id: ${name}`);
    }
    const pkg = await bot.rest.repos.getContent({
      owner: 'acme',
      repo: 'checkout',
      path: 'package.json',
    });
    expect(
      JSON.parse(Buffer.from((pkg.data as any).content, 'base64').toString())
        .name,
    ).toBe('checkout');
    // acme/gitops exists and is empty until src/seed fills it
    expect(
      (await bot.rest.repos.get({ owner: 'acme', repo: 'gitops' })).data
        .default_branch,
    ).toBe('main');
    await expect(
      bot.rest.repos.getContent({ owner: 'acme', repo: 'gitops', path: '' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('opens PRs with passing and failing checks', async () => {
    const checkout = await bot.rest.pulls.list({
      owner: 'acme',
      repo: 'checkout',
    });
    expect(checkout.data.map(p => [p.title, p.user?.login])).toEqual([
      ['Bump express from 4.18.2 to 4.21.2', 'alice'],
    ]);
    const recommender = await bot.rest.pulls.list({
      owner: 'acme',
      repo: 'recommender',
    });
    expect(recommender.data[0].title).toBe('Tune gunicorn workers');
    const state = async (repo: string, ref: string) =>
      (
        await bot.rest.repos.getCombinedStatusForRef({
          owner: 'acme',
          repo,
          ref,
        })
      ).data.state;
    await waitFor(
      async () =>
        (await state('checkout', checkout.data[0].head.sha)) === 'success',
      'checkout PR checks green',
    );
    await waitFor(
      async () =>
        (await state('recommender', recommender.data[0].head.sha)) ===
        'failure',
      'recommender PR checks red',
    );
  });

  it('is idempotent and opens the bot PR on acme/gitops once it has content', async () => {
    await seedGithubDemo(env.ctx);
    expect(
      (await bot.rest.pulls.list({ owner: 'acme', repo: 'checkout' })).data,
    ).toHaveLength(1);
    expect(
      (await bot.rest.repos.listForOrg({ org: 'acme' })).data,
    ).toHaveLength(4);
    // what src/seed does: commit manifests straight into the bare repo
    await env.ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message: 'Seed manifests',
      author: { name: 'Sandbox Seed', email: 'seed@sandbox.local' },
      files: {
        'apps/checkout/dev/deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2 # two pods\n',
      },
    });
    const prs = await waitFor(async () => {
      const list = await bot.rest.pulls.list({ owner: 'acme', repo: 'gitops' });
      return list.data.length === 1 && list.data;
    }, 'the seeded GitOps pull request');
    expect(prs[0].user?.login).toBe('luffy-bot');
    const files = await bot.rest.pulls.listFiles({
      owner: 'acme',
      repo: 'gitops',
      pull_number: prs[0].number,
    });
    expect(files.data[0].patch).toContain('+  replicas: 3 # two pods');
    // the API reflects commits made directly through ctx.git
    const commits = await bot.rest.repos.listCommits({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(commits.data[0].commit.message).toBe('Seed manifests');
  });

  it('registers an org webhook for the OpenLuffy backend, signed with the sandbox secret', async () => {
    await waitFor(
      async () => received.some(r => r.event === 'check_run'),
      'a check_run delivery',
    );
    const r = received.find(x => x.event === 'check_run')!;
    expect(
      await verifyPayload('sandbox-webhook-secret', r.body, r.signature),
    ).toBe(true);
    expect(JSON.parse(r.body).organization.login).toBe('acme');
  });

  it('persists metadata and restores it in a new sandbox on the same data dir', async () => {
    env.ctx.persistence.saveAll();
    const ctx2 = new SandboxContext({
      dataDir: env.dir,
      timeScale: 100,
      logger: { info() {}, warn() {}, error() {} },
    });
    const mod = createGithubFamily(ctx2);
    const srv = await startFamilyServer(ctx2, mod, 0, '127.0.0.1');
    try {
      const o = new Octokit({
        log: quiet,
        auth: 'sandbox-alice-token',
        baseUrl: `${srv.url}/api/v3`,
      });
      const prs = await o.rest.pulls.list({
        owner: 'acme',
        repo: 'recommender',
      });
      expect(prs.data.map(p => p.title)).toEqual(['Tune gunicorn workers']);
      const runs = await o.rest.checks.listForRef({
        owner: 'acme',
        repo: 'recommender',
        ref: prs.data[0].head.sha,
      });
      // the sandbox CI's own checks (the workflow's jobs are check runs of github-actions)
      expect(
        runs.data.check_runs
          .filter(c => c.app?.slug === 'sandbox-ci')
          .map(c => c.conclusion),
      ).toEqual(['failure', 'failure']);
      expect(getGithubService(ctx2).account('acme')?.members?.alice).toBe(
        'member',
      );
    } finally {
      await srv.close();
      ctx2.clock.dispose();
    }
  });
});
