import type { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import { waitFor } from '../../testing/waitFor';
import type { GithubTestEnv } from './index';

/** What the Actions contract tests run (shared helpers of `*.contract.test.ts` in github/). */

export const CI_WORKFLOW = `name: CI
on:
  push:
  workflow_dispatch:
    inputs:
      target:
        description: Where to
        required: true
        type: choice
        options: [dev, prod]
      note:
        required: false
        default: hello
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Compile
        run: make build
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Unit tests
        run: npm test
  lint:
    name: Lint code
    runs-on: ubuntu-latest
    steps:
      - run: npm run lint
`;

export const NIGHTLY_WORKFLOW = `name: Nightly
on:
  schedule:
    - cron: "0 0 * * *"
jobs:
  n:
    runs-on: ubuntu-latest
    steps:
      - run: echo nightly
`;

/** acme/`repo`, whose first commit (message `message`) carries the CI and Nightly workflows. */
export async function repoWithWorkflows(
  env: GithubTestEnv,
  alice: Octokit,
  repo: string,
  message: string,
) {
  await alice.rest.repos.createInOrg({ org: 'acme', name: repo });
  return env.ctx.git.commitFiles('acme', repo, {
    branch: 'main',
    message,
    author: { name: 'Alice', email: 'alice@acme.example' },
    files: {
      '.github/workflows/ci.yaml': CI_WORKFLOW,
      '.github/workflows/nightly.yml': NIGHTLY_WORKFLOW,
    },
    pusher: 'alice',
  });
}

/** The latest push run of acme/`repo`, once there is one (and, with `done`, once it completed). */
export async function pushRun(client: Octokit, repo: string, done = true) {
  return waitFor(async () => {
    const r = await client.rest.actions.listWorkflowRunsForRepo({
      owner: 'acme',
      repo,
      event: 'push',
    });
    const run = r.data.workflow_runs[0];
    return run && (!done || run.status === 'completed') && run;
  }, `a ${done ? 'completed ' : ''}push run of ${repo}`);
}

/** The jobs of a run of acme/`repo` (the latest of each, or `all` attempts). */
export const jobsOf = async (
  client: Octokit,
  repo: string,
  run_id: number,
  filter?: 'all',
) =>
  (
    await client.rest.actions.listJobsForWorkflowRun({
      owner: 'acme',
      repo,
      run_id,
      ...(filter ? { filter } : {}),
    })
  ).data;

/** acme/`repo` (by alice) with a commit on main and the environment `staging` (by luffy-bot). */
export async function createRepoWithEnvironment(
  { env, alice, bot }: { env: GithubTestEnv; alice: Octokit; bot: Octokit },
  repo = 'svc',
) {
  await alice.rest.repos.createInOrg({ org: 'acme', name: repo });
  await env.ctx.git.commitFiles('acme', repo, {
    branch: 'main',
    message: 'initial',
    author: { name: 'Alice', email: 'alice@acme.example' },
    files: { 'README.md': `# ${repo}\n` },
    pusher: 'alice',
  });
  await bot.rest.repos.createOrUpdateEnvironment({
    owner: 'acme',
    repo,
    environment_name: 'staging',
  });
}

/** `value` sealed (libsodium sealed box) with a base64 public key, as GitHub's clients do. */
export async function seal(value: string, key: string) {
  await sodium.ready;
  return sodium.to_base64(
    sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key, sodium.base64_variants.ORIGINAL),
    ),
    sodium.base64_variants.ORIGINAL,
  );
}
