import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import git from 'isomorphic-git';
import gitHttp from 'isomorphic-git/http/node';
import {
  startGithubForTest,
  quiet,
  openapiErrors,
  webhookErrors,
  type GithubTestEnv,
} from './__testUtils__';
import { CI_FAIL_MARKER } from './ci';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

// @octokit/webhooks-methods is ESM-only with an "import"-only export map; load its node build by path.
const webhooksMethods: {
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
} = require(path.join(
  path.dirname(require.resolve('@octokit/openapi-webhooks-types/package.json')),
  '../webhooks-methods/dist-node/index.js',
));

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;

beforeAll(async () => {
  env = await startGithubForTest({ timeScale: 100 });
  alice = new Octokit({
    log: quiet,
    auth: 'sandbox-alice-token',
    baseUrl: `${env.url}/api/v3`,
  });
  bot = new Octokit({
    log: quiet,
    auth: 'sandbox-bot-token',
    baseUrl: `${env.url}/api/v3`,
  });
});

afterAll(async () => {
  await env?.close();
});

const author = { name: 'Alice Martin', email: 'alice@acme.example' };

async function makeRepo(
  name: string,
  files: Record<string, string> = { 'README.md': '# x\n' },
) {
  await alice.rest.repos.createInOrg({ org: 'acme', name });
  await env.ctx.git.commitFiles('acme', name, {
    branch: 'main',
    message: 'initial',
    author,
    files,
    pusher: 'alice',
  });
}

describe('git smart HTTP with isomorphic-git', () => {
  it('challenges with 401 so isomorphic-git sends credentials, then the push lands and is announced', async () => {
    await alice.rest.repos.createInOrg({
      org: 'acme',
      name: 'iso',
      private: true,
    });
    const dir = path.join(env.dir, 'iso');
    fs.mkdirSync(dir);
    await git.init({ fs, dir, defaultBranch: 'main' });
    fs.writeFileSync(path.join(dir, 'catalog-info.yaml'), 'kind: Component\n');
    await git.add({ fs, dir, filepath: 'catalog-info.yaml' });
    const sha = await git.commit({
      fs,
      dir,
      message: 'initial commit',
      author: { name: 'Sandbox Bot', email: 'bot@example.com' },
    });
    const pushes: any[] = [];
    env.ctx.git.on('push', e => pushes.push(e));
    const auths: number[] = [];
    const res = await git.push({
      fs,
      http: gitHttp,
      dir,
      url: `${env.url}/acme/iso.git`,
      ref: 'main',
      onAuth: () => {
        auths.push(1);
        return { username: 'x-access-token', password: 'sandbox-bot-token' };
      },
    });
    expect(res.ok).toBe(true);
    expect(auths.length).toBe(1);
    expect(await env.ctx.git.resolve('acme', 'iso', 'refs/heads/main')).toBe(
      sha,
    );
    expect(pushes).toEqual([
      expect.objectContaining({
        owner: 'acme',
        repo: 'iso',
        ref: 'refs/heads/main',
        after: sha,
        before: '0'.repeat(40),
        pusher: 'luffy-bot',
      }),
    ]);

    // anonymous clone of a private repo is challenged; with the token it works
    const anon = await fetch(
      `${env.url}/acme/iso.git/info/refs?service=git-upload-pack`,
    );
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    const out = path.join(env.dir, 'iso-clone');
    await git.clone({
      fs,
      http: gitHttp,
      dir: out,
      url: `${env.url}/acme/iso.git`,
      onAuth: () => ({ username: 'sandbox-alice-token' }),
    });
    expect(fs.readFileSync(path.join(out, 'catalog-info.yaml'), 'utf8')).toBe(
      'kind: Component\n',
    );

    // a user without access to the org cannot push
    const denied = await fetch(
      `${env.url}/acme/iso.git/info/refs?service=git-receive-pack`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(
            'x-access-token:sandbox-guest-token',
          ).toString('base64')}`,
        },
      },
    );
    expect(denied.status).toBe(404);
  });

  it('allows anonymous clone of public repos but not anonymous push', async () => {
    await makeRepo('public-one');
    const out = path.join(env.dir, 'public-one');
    await env.git(['clone', '-q', `${env.url}/acme/public-one.git`, out]);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('# x\n');
    const push = await fetch(
      `${env.url}/acme/public-one.git/info/refs?service=git-receive-pack`,
    );
    expect(push.status).toBe(401);
  });
});

describe('the scaffolder publish:github request sequence (CLIENT-WIRE-NOTES §3)', () => {
  const headers = {
    accept: 'application/vnd.github.v3+json',
    authorization: 'token sandbox-alice-token',
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'octokit.js/3.2.2 octokit-core.js/5.2.2 Node.js/22',
  };
  const createBody = {
    allow_auto_merge: false,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_update_branch: false,
    delete_branch_on_merge: false,
    description: 'demo repo',
    name: 'scaffolded',
    private: true,
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    visibility: 'private',
  };
  const protectionBody = {
    required_status_checks: { strict: true, contexts: [] },
    restrictions: null,
    enforce_admins: true,
    required_pull_request_reviews: {
      required_approving_review_count: 1,
      require_code_owner_reviews: false,
      dismiss_stale_reviews: false,
      require_last_push_approval: false,
    },
    required_conversation_resolution: false,
    required_linear_history: false,
    block_creations: false,
  };

  async function publish(owner: string, createPath: string, name: string) {
    const user = await fetch(`${env.url}/api/v3/users/${owner}`, { headers });
    const type = (await user.json()).type;
    const created = await fetch(`${env.url}/api/v3${createPath}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...createBody, name }),
    });
    expect(created.status).toBe(201);
    const repo = await created.json();
    const dir = path.join(env.dir, `scaffold-${name}`);
    fs.mkdirSync(dir);
    await git.init({ fs, dir, defaultBranch: 'main' });
    fs.writeFileSync(path.join(dir, 'catalog-info.yaml'), 'kind: Component\n');
    await git.add({ fs, dir, filepath: 'catalog-info.yaml' });
    await git.commit({
      fs,
      dir,
      message: 'initial commit',
      author: { name: 'Sandbox Bot', email: 'bot@example.com' },
    });
    await git.push({
      fs,
      http: gitHttp,
      dir,
      url: repo.clone_url,
      ref: 'main',
      onAuth: () => ({
        username: 'x-access-token',
        password: 'sandbox-alice-token',
      }),
    });
    return { type, repo };
  }

  it('works for an organization owner and a user owner', async () => {
    const org = await publish('acme', '/orgs/acme/repos', 'scaffolded');
    expect(org.type).toBe('Organization');
    expect(org.repo).toMatchObject({
      clone_url: `${env.url}/acme/scaffolded.git`,
      html_url: `${env.url}/acme/scaffolded`,
      private: true,
      visibility: 'private',
    });
    const prot = await fetch(
      `${env.url}/api/v3/repos/acme/scaffolded/branches/main/protection`,
      {
        method: 'PUT',
        headers,
        body: JSON.stringify(protectionBody),
      },
    );
    // alice is a member, not an admin of acme: GitHub refuses (publish:github only warns)
    expect(prot.status).toBe(403);
    const botProt = await fetch(
      `${env.url}/api/v3/repos/acme/scaffolded/branches/main/protection`,
      {
        method: 'PUT',
        headers: { ...headers, authorization: 'token sandbox-bot-token' },
        body: JSON.stringify(protectionBody),
      },
    );
    expect(botProt.status).toBe(200);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/branches/{branch}/protection',
        'put',
        200,
        await botProt.json(),
      ),
    ).toBeNull();
    expect(
      await env.ctx.git.git('acme', 'scaffolded', [
        'log',
        '--format=%s|%an',
        'main',
      ]),
    ).toBe('initial commit|Sandbox Bot\n');

    const mine = await publish('alice', '/user/repos', 'personal');
    expect(mine.type).toBe('User');
    expect(mine.repo.owner.login).toBe('alice');
    const own = await fetch(
      `${env.url}/api/v3/repos/alice/personal/branches/main/protection`,
      {
        method: 'PUT',
        headers,
        body: JSON.stringify(protectionBody),
      },
    );
    expect(own.status).toBe(200);
    expect(
      await env.ctx.git.resolve('alice', 'personal', 'refs/heads/main'),
    ).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('publish:github:pull-request (octokit-plugin-create-pull-request)', () => {
  it('creates a branch, commit and PR through REST + GraphQL, and updates it', async () => {
    const { createPullRequest } = require('octokit-plugin-create-pull-request');
    const OctokitPR = Octokit.plugin(createPullRequest);
    const client = new OctokitPR({
      log: quiet,
      auth: 'sandbox-bot-token',
      baseUrl: `${env.url}/api/v3`,
    });
    await makeRepo('pr-plugin', {
      'README.md': '# pr-plugin\n',
      'config/app.yaml': 'replicas: 1\n',
    });
    const created = await (client as any).createPullRequest({
      owner: 'acme',
      repo: 'pr-plugin',
      title: 'Scale up',
      body: 'More replicas',
      head: 'luffy/scale-up',
      changes: [
        {
          files: { 'config/app.yaml': 'replicas: 3\n', 'NOTES.md': 'scaled\n' },
          commit: 'Scale up to 3',
        },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.data.head.ref).toBe('luffy/scale-up');
    expect(
      (
        await env.ctx.git.readFile(
          'acme',
          'pr-plugin',
          'luffy/scale-up',
          'config/app.yaml',
        )
      )?.toString(),
    ).toBe('replicas: 3\n');
    expect(
      (
        await env.ctx.git.readFile(
          'acme',
          'pr-plugin',
          'luffy/scale-up',
          'README.md',
        )
      )?.toString(),
    ).toBe('# pr-plugin\n');
    // a second run with update=true finds the open PR through GraphQL (ref.associatedPullRequests)
    const updated = await (client as any).createPullRequest({
      owner: 'acme',
      repo: 'pr-plugin',
      title: 'Scale up',
      body: 'More replicas',
      head: 'luffy/scale-up',
      update: true,
      changes: [
        {
          files: { 'config/app.yaml': 'replicas: 4\n' },
          commit: 'Scale up to 4',
        },
      ],
    });
    expect(updated.data.number).toBe(created.data.number);
    expect(
      (
        await env.ctx.git.readFile(
          'acme',
          'pr-plugin',
          'luffy/scale-up',
          'config/app.yaml',
        )
      )?.toString(),
    ).toBe('replicas: 4\n');
    await expect(
      (client as any).createPullRequest({
        owner: 'acme',
        repo: 'pr-plugin',
        title: 'again',
        body: '',
        head: 'luffy/scale-up',
        changes: [{ files: { 'x.txt': 'x' }, commit: 'x' }],
      }),
    ).rejects.toThrow(/Pull request already exists/);
  });
});

describe('simulated CI, statuses and checks', () => {
  it('runs ci/build and ci/test on pushes: success, and failure when the tree has the marker', async () => {
    await makeRepo('ci-ok');
    const ok = (await env.ctx.git.resolve('acme', 'ci-ok', 'main'))!;
    const runs = await waitFor(async () => {
      const r = await alice.rest.checks.listForRef({
        owner: 'acme',
        repo: 'ci-ok',
        ref: 'main',
      });
      return (
        r.data.check_runs.length === 2 &&
        r.data.check_runs.every(c => c.status === 'completed') &&
        r.data
      );
    }, 'CI check runs on ci-ok main');
    expect(runs.check_runs.map(c => [c.name, c.conclusion]).sort()).toEqual([
      ['ci/build', 'success'],
      ['ci/test', 'success'],
    ]);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/commits/{ref}/check-runs',
        'get',
        200,
        runs,
      ),
    ).toBeNull();
    const combined = await waitFor(async () => {
      const s = await alice.rest.repos.getCombinedStatusForRef({
        owner: 'acme',
        repo: 'ci-ok',
        ref: ok,
      });
      return s.data.state === 'success' && s.data;
    }, 'combined status of ci-ok main');
    expect(combined.statuses[0].context).toBe('ci');
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/commits/{ref}/status',
        'get',
        200,
        combined,
      ),
    ).toBeNull();
    const suites = await alice.rest.checks.listSuitesForRef({
      owner: 'acme',
      repo: 'ci-ok',
      ref: ok,
    });
    expect(suites.data.check_suites[0]).toMatchObject({
      status: 'completed',
      conclusion: 'success',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/commits/{ref}/check-suites',
        'get',
        200,
        suites.data,
      ),
    ).toBeNull();

    await env.ctx.git.commitFiles('acme', 'ci-ok', {
      branch: 'broken',
      base: 'main',
      message: 'break',
      author,
      files: { [CI_FAIL_MARKER]: 'x\n' },
      pusher: 'alice',
    });
    const failed = await waitFor(async () => {
      const r = await alice.rest.checks.listForRef({
        owner: 'acme',
        repo: 'ci-ok',
        ref: 'broken',
      });
      return (
        r.data.check_runs.length === 2 &&
        r.data.check_runs.every(c => c.status === 'completed') &&
        r.data
      );
    }, 'two failed check runs on ci-ok broken');
    expect(failed.check_runs.every(c => c.conclusion === 'failure')).toBe(true);
    await waitFor(
      async () =>
        (
          await alice.rest.repos.getCombinedStatusForRef({
            owner: 'acme',
            repo: 'ci-ok',
            ref: 'broken',
          })
        ).data.state === 'failure',
      'combined status failure on ci-ok broken',
    );

    // [ci fail] in the message fails too
    await env.ctx.git.commitFiles('acme', 'ci-ok', {
      branch: 'msg',
      base: 'main',
      message: 'try [ci fail]',
      author,
      files: { 'a.txt': 'a' },
      pusher: 'alice',
    });
    await waitFor(async () => {
      const r = await alice.rest.checks.listForRef({
        owner: 'acme',
        repo: 'ci-ok',
        ref: 'msg',
        check_name: 'ci/build',
      });
      return r.data.check_runs[0]?.conclusion === 'failure';
    }, 'ci/build failing on a [ci fail] commit');
  });

  it('lets an app create and complete its own check runs and statuses', async () => {
    await makeRepo('checks');
    const sha = (await env.ctx.git.resolve('acme', 'checks', 'main'))!;
    const created = await bot.rest.checks.create({
      owner: 'acme',
      repo: 'checks',
      name: 'lint',
      head_sha: sha,
      status: 'in_progress',
    });
    expect(created.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/check-runs',
        'post',
        201,
        created.data,
      ),
    ).toBeNull();
    const done = await bot.rest.checks.update({
      owner: 'acme',
      repo: 'checks',
      check_run_id: created.data.id,
      conclusion: 'neutral',
      output: { title: 'ok', summary: 'fine' },
    });
    expect(done.data.status).toBe('completed');
    expect(done.data.completed_at).toBeTruthy();
    await expect(
      bot.rest.checks.create({
        owner: 'acme',
        repo: 'checks',
        name: 'x',
        head_sha: sha,
        conclusion: 'bogus' as any,
      }),
    ).rejects.toMatchObject({ status: 422 });
    const st = await bot.rest.repos.createCommitStatus({
      owner: 'acme',
      repo: 'checks',
      sha,
      state: 'error',
      context: 'deploy',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/statuses/{sha}',
        'post',
        201,
        st.data,
      ),
    ).toBeNull();
    const combined = await alice.rest.repos.getCombinedStatusForRef({
      owner: 'acme',
      repo: 'checks',
      ref: sha,
    });
    expect(combined.data.state).toBe('failure');
  });

  it('dispatches workflows into runs that complete, and cancels/reruns them', async () => {
    await makeRepo('wf', {
      '.github/workflows/ci.yaml':
        'name: CI\non:\n  push:\n  workflow_dispatch:\n    inputs:\n      reason: {}\njobs: {}\n',
      '.github/workflows/nightly.yml':
        'name: Nightly\non:\n  schedule:\n    - cron: "0 0 * * *"\njobs: {}\n',
    });
    const list = await bot.rest.actions.listRepoWorkflows({
      owner: 'acme',
      repo: 'wf',
    });
    expect(list.data.workflows.map(w => w.name).sort()).toEqual([
      'CI',
      'Nightly',
    ]);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/workflows',
        'get',
        200,
        list.data,
      ),
    ).toBeNull();
    await bot.rest.actions.createWorkflowDispatch({
      owner: 'acme',
      repo: 'wf',
      workflow_id: 'ci.yaml',
      ref: 'main',
      inputs: { reason: 'test' },
    });
    await expect(
      bot.rest.actions.createWorkflowDispatch({
        owner: 'acme',
        repo: 'wf',
        workflow_id: 'nightly.yml',
        ref: 'main',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const run = await waitFor(async () => {
      const r = await bot.rest.actions.listWorkflowRuns({
        owner: 'acme',
        repo: 'wf',
        workflow_id: 'ci.yaml',
        event: 'workflow_dispatch',
      });
      return r.data.workflow_runs[0]?.status === 'completed' && r.data;
    }, 'the dispatched workflow run');
    expect(run.workflow_runs[0].conclusion).toBe('success');
    expect(
      openapiErrors('/repos/{owner}/{repo}/actions/runs', 'get', 200, run),
    ).toBeNull();
    const one = await bot.rest.actions.getWorkflowRun({
      owner: 'acme',
      repo: 'wf',
      run_id: run.workflow_runs[0].id,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/runs/{run_id}',
        'get',
        200,
        one.data,
      ),
    ).toBeNull();
    await expect(
      bot.rest.actions.cancelWorkflowRun({
        owner: 'acme',
        repo: 'wf',
        run_id: one.data.id,
      }),
    ).rejects.toMatchObject({ status: 409 });
    // slow time down so the re-run is still running when we cancel it
    env.ctx.clock.setTimeScale(1);
    await bot.rest.actions.reRunWorkflow({
      owner: 'acme',
      repo: 'wf',
      run_id: one.data.id,
    });
    const rerun = await bot.rest.actions.getWorkflowRun({
      owner: 'acme',
      repo: 'wf',
      run_id: one.data.id,
    });
    expect(rerun.data).toMatchObject({ status: 'queued', run_attempt: 2 });
    await bot.rest.actions.cancelWorkflowRun({
      owner: 'acme',
      repo: 'wf',
      run_id: one.data.id,
    });
    expect(
      (
        await bot.rest.actions.getWorkflowRun({
          owner: 'acme',
          repo: 'wf',
          run_id: one.data.id,
        })
      ).data.conclusion,
    ).toBe('cancelled');
    env.ctx.clock.setTimeScale(100);
    // the push of the initial commit started a `push` run of CI (not of Nightly)
    const pushRuns = await bot.rest.actions.listWorkflowRunsForRepo({
      owner: 'acme',
      repo: 'wf',
      event: 'push',
    });
    expect(pushRuns.data.workflow_runs.map(r => r.name)).toEqual(['CI']);
  });
});

describe('webhooks', () => {
  it('delivers signed push, pull_request, review and check events', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> =
      [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end('thanks');
      });
    });
    await new Promise<void>(r => receiver.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${
      (receiver.address() as AddressInfo).port
    }/hook`;
    try {
      await makeRepo('hooked');
      const hook = await bot.rest.repos.createWebhook({
        owner: 'acme',
        repo: 'hooked',
        config: { url: hookUrl, content_type: 'json', secret: 's3cret' },
        events: [
          'push',
          'pull_request',
          'pull_request_review',
          'check_run',
          'check_suite',
        ],
      });
      expect(
        openapiErrors('/repos/{owner}/{repo}/hooks', 'post', 201, hook.data),
      ).toBeNull();
      await env.ctx.git.commitFiles('acme', 'hooked', {
        branch: 'topic',
        base: 'main',
        message: 'topic work',
        author,
        files: { 't.txt': 't\n' },
        pusher: 'alice',
      });
      const pr = await alice.rest.pulls.create({
        owner: 'acme',
        repo: 'hooked',
        title: 'Topic',
        head: 'topic',
        base: 'main',
      });
      await bot.rest.pulls.createReview({
        owner: 'acme',
        repo: 'hooked',
        pull_number: pr.data.number,
        event: 'APPROVE',
      });
      const byEvent = (e: string) =>
        received.filter(r => r.headers['x-github-event'] === e);
      await waitFor(
        async () =>
          byEvent('ping').length >= 1 &&
          byEvent('push').length >= 1 &&
          byEvent('pull_request').length >= 1 &&
          byEvent('pull_request_review').length >= 1 &&
          byEvent('check_run').length >= 4 &&
          byEvent('check_suite').length >= 1,
        'ping, push, pull_request, review, check_run and check_suite deliveries',
      );
      for (const r of received) {
        expect(r.headers['user-agent']).toBe('GitHub-Hookshot/sandbox');
        expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        expect(
          await webhooksMethods.verify(
            's3cret',
            r.body,
            String(r.headers['x-hub-signature-256']),
          ),
        ).toBe(true);
        expect(
          await webhooksMethods.verify(
            'wrong',
            r.body,
            String(r.headers['x-hub-signature-256']),
          ),
        ).toBe(false);
      }
      const push = JSON.parse(byEvent('push')[0].body);
      expect(push).toMatchObject({
        ref: 'refs/heads/topic',
        created: true,
        repository: { full_name: 'acme/hooked' },
        sender: { login: 'alice' },
      });
      expect(push.head_commit.added).toEqual(['t.txt']);
      const opened = JSON.parse(byEvent('pull_request')[0].body);
      expect(opened).toMatchObject({
        action: 'opened',
        number: pr.data.number,
        pull_request: { title: 'Topic' },
      });
      const review = JSON.parse(byEvent('pull_request_review')[0].body);
      expect(review).toMatchObject({
        action: 'submitted',
        review: { state: 'approved', user: { login: 'luffy-bot' } },
      });
      await env.parts.webhooks.idle();
      expect(webhookErrors('webhook-push', push)).toBeNull();
      expect(webhookErrors('webhook-pull-request-opened', opened)).toBeNull();
      expect(
        webhookErrors('webhook-pull-request-review-submitted', review),
      ).toBeNull();
      const checkRun = byEvent('check_run')
        .map(r => JSON.parse(r.body))
        .find(b => b.action === 'created');
      expect(webhookErrors('webhook-check-run-created', checkRun)).toBeNull();
      expect(
        webhookErrors('webhook-ping', JSON.parse(byEvent('ping')[0].body)),
      ).toBeNull();
      const suite = JSON.parse(byEvent('check_suite')[0].body);
      expect(webhookErrors('webhook-check-suite-completed', suite)).toBeNull();
      const deliveries = await bot.rest.repos.listWebhookDeliveries({
        owner: 'acme',
        repo: 'hooked',
        hook_id: hook.data.id,
      });
      expect(deliveries.data.length).toBe(received.length);
      expect(deliveries.data.every(d => d.status_code === 202)).toBe(true);
      await bot.rest.repos.deleteWebhook({
        owner: 'acme',
        repo: 'hooked',
        hook_id: hook.data.id,
      });
      expect(
        (await bot.rest.repos.listWebhooks({ owner: 'acme', repo: 'hooked' }))
          .data,
      ).toEqual([]);
    } finally {
      receiver.close();
    }
  });
});

describe('GraphQL', () => {
  it('answers the PR list query with checks, reviews and mergeability in one request', async () => {
    await makeRepo('gql', { 'a.txt': 'one\n' });
    await env.ctx.git.commitFiles('acme', 'gql', {
      branch: 'green',
      base: 'main',
      message: 'green',
      author,
      files: { 'a.txt': 'one\ntwo\n' },
      pusher: 'alice',
    });
    await env.ctx.git.commitFiles('acme', 'gql', {
      branch: 'red',
      base: 'main',
      message: 'red',
      author,
      files: { [CI_FAIL_MARKER]: '1' },
      pusher: 'alice',
    });
    const green = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'gql',
      title: 'Green',
      head: 'green',
      base: 'main',
    });
    await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'gql',
      title: 'Red',
      head: 'red',
      base: 'main',
    });
    await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'gql',
      pull_number: green.data.number,
      event: 'APPROVE',
    });
    await waitFor(async () => {
      const runs = (
        await alice.rest.checks.listForRef({
          owner: 'acme',
          repo: 'gql',
          ref: 'red',
        })
      ).data.check_runs;
      // the sandbox CI's two checks, both finished
      return runs.length >= 2 && runs.every(c => c.status === 'completed');
    }, 'check runs completed on gql red');
    await waitFor(async () => {
      const runs = (
        await alice.rest.checks.listForRef({
          owner: 'acme',
          repo: 'gql',
          ref: 'green',
        })
      ).data.check_runs;
      // the sandbox CI's two checks, both finished
      return runs.length >= 2 && runs.every(c => c.status === 'completed');
    }, 'check runs completed on gql green');
    const query = `query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        pullRequests(states: [OPEN], first: 20, orderBy: {field: CREATED_AT, direction: ASC}) {
          totalCount
          nodes {
            number title url updatedAt headRefName baseRefName additions deletions mergeable reviewDecision
            author { login }
            latestReviews(first: 10) { nodes { state author { login } } }
            statusCheckRollup { state contexts(first: 50) { nodes {
              __typename
              ... on CheckRun { name status conclusion }
              ... on StatusContext { context state }
            } } }
          }
        }
      }
    }`;
    env.ctx.counters.reset();
    const data: any = await alice.graphql(query, {
      owner: 'acme',
      name: 'gql',
      baseUrl: `${env.url}/api`,
    });
    expect(env.ctx.counters.total('github POST')).toBe(1);
    const [g, r] = data.repository.pullRequests.nodes;
    expect(data.repository.pullRequests.totalCount).toBe(2);
    expect(g).toMatchObject({
      title: 'Green',
      headRefName: 'green',
      baseRefName: 'main',
      additions: 1,
      deletions: 0,
      mergeable: 'MERGEABLE',
      reviewDecision: 'APPROVED',
      author: { login: 'alice' },
    });
    expect(g.latestReviews.nodes).toEqual([
      { state: 'APPROVED', author: { login: 'luffy-bot' } },
    ]);
    expect(g.statusCheckRollup.state).toBe('SUCCESS');
    expect(g.statusCheckRollup.contexts.nodes).toEqual(
      expect.arrayContaining([
        {
          __typename: 'CheckRun',
          name: 'ci/build',
          status: 'COMPLETED',
          conclusion: 'SUCCESS',
        },
        { __typename: 'StatusContext', context: 'ci', state: 'SUCCESS' },
      ]),
    );
    expect(r.statusCheckRollup.state).toBe('FAILURE');
    expect(r.reviewDecision).toBeNull();

    const missing: any = await alice
      .graphql(`{ repository(owner: "acme", name: "nope") { name } }`, {
        baseUrl: `${env.url}/api`,
      })
      .catch((e: any) => e);
    expect(missing.errors[0].type).toBe('NOT_FOUND');
    const bad: any = await alice
      .graphql(`{ repository(owner: "acme", name: "gql") { nope } }`, {
        baseUrl: `${env.url}/api`,
      })
      .catch((e: any) => e);
    expect(bad.errors[0].message).toMatch(/Cannot query field "nope"/);
  });
});

describe('OAuth app flow', () => {
  it('authorizes, exchanges the code (form or JSON) and serves /user for the issued token', async () => {
    const redirect = 'http://localhost:7007/api/auth/github/handler/frame';
    const auth = await fetch(
      `${
        env.url
      }/login/oauth/authorize?response_type=code&client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}&scope=read%3Auser&state=abc`,
      { redirect: 'manual' },
    );
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(redirect);
    expect(loc.searchParams.get('state')).toBe('abc');
    const code = loc.searchParams.get('code')!;
    // passport-github: form body, no Accept header → GitHub answers form-encoded
    const tok = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: redirect,
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code,
      }).toString(),
    });
    const form = new URLSearchParams(await tok.text());
    expect(form.get('token_type')).toBe('bearer');
    const token = form.get('access_token')!;
    expect(token).toMatch(/^gho_/);
    const me = await new Octokit({
      log: quiet,
      auth: token,
      baseUrl: `${env.url}/api/v3`,
    }).rest.users.getAuthenticated();
    expect(me.data.login).toBe('alice');
    // a code is single-use
    const again = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code,
      }),
    });
    expect(await again.json()).toMatchObject({
      error: 'bad_verification_code',
    });
    // ?login= and the control API choose who signs in
    const res = await fetch(`${env.url}/_sandbox/github/oauth-user`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'guest' }),
    });
    expect(res.status).toBe(200);
    const auth2 = await fetch(
      `${
        env.url
      }/login/oauth/authorize?client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}`,
      { redirect: 'manual' },
    );
    const code2 = new URL(auth2.headers.get('location')!).searchParams.get(
      'code',
    )!;
    const tok2 = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code: code2,
      }),
    });
    const json = await tok2.json();
    const who = await fetch(`${env.url}/api/v3/user`, {
      headers: { authorization: `Bearer ${json.access_token}` },
    });
    expect((await who.json()).login).toBe('guest');
    const wrongClient = await fetch(
      `${
        env.url
      }/login/oauth/authorize?client_id=other&redirect_uri=${encodeURIComponent(
        redirect,
      )}`,
      { redirect: 'manual' },
    );
    expect(wrongClient.status).toBe(404);
  });
  it("works with passport-github2, the strategy behind Backstage's GitHub provider", async () => {
    const { Strategy } = require('passport-github2');
    const redirect = 'http://localhost:7007/api/auth/github/handler/frame';
    const strategy = new Strategy(
      {
        clientID: 'sandbox-client-id',
        clientSecret: 'sandbox-client-secret',
        callbackURL: redirect,
        authorizationURL: `${env.url}/login/oauth/authorize`,
        tokenURL: `${env.url}/login/oauth/access_token`,
        userProfileURL: `${env.url}/api/v3/user`,
      },
      () => {},
    );
    const auth = await fetch(
      `${
        env.url
      }/login/oauth/authorize?response_type=code&client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}&scope=read%3Auser&login=alice`,
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location')!).searchParams.get(
      'code',
    );
    const accessToken = await new Promise<string>((resolve, reject) =>
      strategy._oauth2.getOAuthAccessToken(
        code,
        { grant_type: 'authorization_code', redirect_uri: redirect },
        (err: unknown, token: string) => (err ? reject(err) : resolve(token)),
      ),
    );
    expect(accessToken).toMatch(/^gho_/);
    const profile = await new Promise<any>((resolve, reject) =>
      strategy.userProfile(accessToken, (err: unknown, p: unknown) =>
        err ? reject(err) : resolve(p),
      ),
    );
    expect(profile).toMatchObject({
      provider: 'github',
      username: 'alice',
      displayName: 'Alice Martin',
    });
    expect(profile.photos[0].value).toBe(`${env.url}/avatars/alice`);
  });
});
