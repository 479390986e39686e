import fs from 'node:fs';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import git from 'isomorphic-git';
import gitHttp from 'isomorphic-git/http/node';
import {
  quiet,
  openapiErrors,
  type GithubTestEnv,
  createRepoWithFiles,
  withGithubContract,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;

withGithubContract(
  c => {
    ({ env, alice } = c);
  },
  { timeScale: 100 },
);

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
    await createRepoWithFiles(env, alice, 'pr-plugin', {
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
