import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  createPublishGithubAction,
  createGithubEnvironmentAction,
  createGithubActionsDispatchAction,
  createPublishGithubPullRequestAction,
} from '@backstage/plugin-scaffolder-backend-module-github';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
/* eslint-enable @backstage/no-undeclared-imports */
import { startGithubForTest, type GithubTestEnv } from './__testUtils__';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let host: string;
let integrations: ScmIntegrations;

beforeAll(async () => {
  env = await startGithubForTest({ timeScale: 100 });
  host = env.url.replace('http://', '');
  integrations = ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        github: [
          { host, apiBaseUrl: `${env.url}/api/v3`, token: 'sandbox-bot-token' },
        ],
      },
    }),
  );
});

afterAll(async () => {
  await env?.close();
});

/**
 * The input type an action declares (its schema, as the scaffolder module publishes it). Inputs
 * below are typed with it, so a renamed or retyped input fails `tsc` instead of passing silently.
 */
type ActionInput<A extends { handler: (ctx: any) => unknown }> = Parameters<
  A['handler']
>[0]['input'];

function workspace(name: string, files: Record<string, string>) {
  const dir = path.join(env.dir, `ws-${name}`);
  for (const [f, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
  }
  return dir;
}

/** A repository of its own for one test: acme/<name> with a README and `files` on main. */
async function givenRepo(name: string, files: Record<string, string> = {}) {
  const svc = env.parts.service;
  const bot = svc.mustAccount('luffy-bot');
  await svc.createRepo(svc.mustOrg('acme'), name, { auto_init: true }, bot);
  if (Object.keys(files).length) {
    await env.ctx.git.commitFiles('acme', name, {
      branch: 'main',
      message: 'add files',
      author: svc.gitAuthor(bot),
      files,
      pusher: bot.login,
    });
  }
  return `${host}?owner=acme&repo=${name}`;
}

describe('Backstage scaffolder GitHub actions against the sandbox', () => {
  it('publish:github creates the repo, pushes the workspace and protects the default branch', async () => {
    const action = createPublishGithubAction({
      integrations,
      config: new ConfigReader({}),
    });
    const ctx = createMockActionContext<ActionInput<typeof action>>({
      input: {
        repoUrl: `${host}?owner=acme&repo=scaffolded-svc`,
        description: 'from a template',
        defaultBranch: 'main',
        repoVisibility: 'private',
        topics: ['node', 'openluffy'],
        gitCommitMessage: 'initial commit',
        gitAuthorName: 'Sandbox Bot',
        gitAuthorEmail: 'bot@example.com',
      },
      workspacePath: workspace('publish', {
        'catalog-info.yaml':
          'apiVersion: backstage.io/v1alpha1\nkind: Component\n',
        '.github/workflows/ci.yaml':
          'name: CI\non:\n  push:\n  workflow_dispatch:\njobs: {}\n',
      }),
    });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith(
      'remoteUrl',
      `${env.url}/acme/scaffolded-svc.git`,
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'repoContentsUrl',
      `${env.url}/acme/scaffolded-svc/blob/main`,
    );
    const svc = env.parts.service;
    expect(svc.repo('acme', 'scaffolded-svc')).toMatchObject({
      private: true,
      topics: ['node', 'openluffy'],
    });
    expect(
      await env.ctx.git.git('acme', 'scaffolded-svc', [
        'log',
        '--format=%s|%an',
        'main',
      ]),
    ).toBe('initial commit|Sandbox Bot\n');
    expect(
      (
        await env.ctx.git.readFile(
          'acme',
          'scaffolded-svc',
          'main',
          'catalog-info.yaml',
        )
      )?.toString(),
    ).toContain('kind: Component');
    expect(
      svc.protection('acme', 'scaffolded-svc', 'main')
        ?.required_pull_request_reviews?.required_approving_review_count,
    ).toBe(1);
  });

  it('github:environment:create creates the environment, branch policies, variables and secrets', async () => {
    const repoUrl = await givenRepo('scaffolder-env');
    const action = createGithubEnvironmentAction({
      integrations,
      catalog: catalogServiceMock(),
    });
    const ctx = createMockActionContext<ActionInput<typeof action>>({
      input: {
        repoUrl,
        name: 'production',
        waitTimer: 10,
        deploymentBranchPolicy: {
          protected_branches: false,
          custom_branch_policies: true,
        },
        customBranchPolicyNames: ['main'],
        environmentVariables: { REGION: 'eu-west-1' },
        secrets: { API_KEY: 'shh' },
      },
    });
    await action.handler(ctx);
    const e = env.parts.service.data.environments.find(
      x => x.repo === 'scaffolder-env' && x.name === 'production',
    );
    expect(e).toMatchObject({
      wait_timer: 10,
      deployment_branch_policy: { custom_branch_policies: true },
    });
    const res = await fetch(
      `${env.url}/api/v3/repos/acme/scaffolder-env/environments/production/deployment-branch-policies`,
      {
        headers: { authorization: 'token sandbox-bot-token' },
      },
    );
    expect((await res.json()).branch_policies.map((p: any) => p.name)).toEqual([
      'main',
    ]);
  });

  it('github:actions:dispatch starts a workflow run that completes', async () => {
    const repoUrl = await givenRepo('scaffolder-dispatch', {
      '.github/workflows/ci.yaml':
        'name: CI\non:\n  push:\n  workflow_dispatch:\njobs: {}\n',
    });
    const action = createGithubActionsDispatchAction({ integrations });
    const ctx = createMockActionContext<ActionInput<typeof action>>({
      input: { repoUrl, workflowId: 'ci.yaml', branchOrTagName: 'main' },
    });
    await action.handler(ctx);
    const run = await waitFor(
      () =>
        env.parts.service.data.workflowRuns.find(
          r =>
            r.repo === 'scaffolder-dispatch' &&
            r.event === 'workflow_dispatch' &&
            r.status === 'completed' &&
            r.conclusion === 'success',
        ),
      'the dispatched run to succeed',
    );
    expect(run).toMatchObject({ head_branch: 'main', conclusion: 'success' });
  });

  it('publish:github:pull-request opens a PR with the workspace changes', async () => {
    const repoUrl = await givenRepo('scaffolder-pr');
    const action = createPublishGithubPullRequestAction({
      integrations,
      config: new ConfigReader({}),
    });
    const ctx = createMockActionContext<ActionInput<typeof action>>({
      input: {
        repoUrl,
        branchName: 'add-docs',
        title: 'Add docs',
        description: 'Adds a docs page',
      },
      workspacePath: workspace('pr', { 'docs/index.md': '# Docs\n' }),
    });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('pullRequestNumber', 1);
    const pr = env.parts.service.data.pulls.find(
      p => p.repo === 'scaffolder-pr',
    )!;
    expect(pr).toMatchObject({
      title: 'Add docs',
      head: 'add-docs',
      base: 'main',
      user: 'luffy-bot',
    });
    expect(
      (
        await env.ctx.git.readFile(
          'acme',
          'scaffolder-pr',
          'add-docs',
          'docs/index.md',
        )
      )?.toString(),
    ).toBe('# Docs\n');
  });
});
