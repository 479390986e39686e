import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  webhookErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';
import { jobsOf, repoWithWorkflows } from './__testUtils__/actions';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
const owner = 'acme';

// compile the OpenAPI validator first: it blocks the process for seconds, and a server
// connection kept alive across that pause gets reset
withGithubContract(
  c => {
    ({ env, alice, bot } = c);
  },
  {
    warm: () => {
      openapiErrors(
        '/repos/{owner}/{repo}/actions/jobs/{job_id}',
        'get',
        200,
        {},
      );
      webhookErrors('webhook-workflow-job-queued', {});
    },
  },
);

describe('Actions: workflow_dispatch', () => {
  it('validates inputs against the workflow file and answers 204, or 200 with return_run_details', async () => {
    await repoWithWorkflows(env, alice, 'dispatch-wf', 'initial');
    const dispatch = (extra: Record<string, unknown>) =>
      bot.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          owner,
          repo: 'dispatch-wf',
          workflow_id: 'ci.yaml',
          ref: 'main',
          ...extra,
        },
      );
    await expect(
      dispatch({ inputs: { target: 'dev', colour: 'red' } }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining(
        'Unexpected inputs provided: ["colour"]',
      ),
    });
    await expect(dispatch({ inputs: { note: 'x' } })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("Required input 'target' not provided"),
    });
    await expect(
      dispatch({ inputs: { target: 'moon' } }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('not in the list of allowed values'),
    });
    await expect(
      bot.rest.actions.createWorkflowDispatch({
        owner,
        repo: 'dispatch-wf',
        workflow_id: 'nightly.yml',
        ref: 'main',
      }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining(
        "does not have 'workflow_dispatch' trigger",
      ),
    });

    // without return_run_details: 204, and the run appears a moment later, not at once
    env.ctx.clock.setTimeScale(1);
    try {
      const res = await dispatch({ inputs: { target: 'dev' } });
      expect(res.status).toBe(204);
      const now = await bot.rest.actions.listWorkflowRuns({
        owner,
        repo: 'dispatch-wf',
        workflow_id: 'ci.yaml',
        event: 'workflow_dispatch',
      });
      expect(now.data.total_count).toBe(0);
    } finally {
      env.ctx.clock.setTimeScale(50);
    }
    await waitFor(async () => {
      const r = await bot.rest.actions.listWorkflowRuns({
        owner,
        repo: 'dispatch-wf',
        workflow_id: 'ci.yaml',
        event: 'workflow_dispatch',
      });
      return r.data.total_count === 1;
    }, 'the dispatched run to appear');

    const details = await dispatch({
      inputs: { target: 'prod' },
      return_run_details: true,
    });
    expect(details.status).toBe(200);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        'post',
        200,
        details.data,
      ),
    ).toBeNull();
    const { workflow_run_id, run_url, html_url } = details.data as any;
    expect(run_url).toBe(
      `${env.url}/api/v3/repos/acme/dispatch-wf/actions/runs/${workflow_run_id}`,
    );
    expect(html_url).toBe(
      `${env.url}/acme/dispatch-wf/actions/runs/${workflow_run_id}`,
    );
    const run = await waitFor(async () => {
      const r = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'dispatch-wf',
        run_id: workflow_run_id,
      });
      return r.data;
    }, 'the run of return_run_details');
    expect(run).toMatchObject({
      event: 'workflow_dispatch',
      head_branch: 'main',
    });
  });

  it('cancels and force-cancels runs in flight (409 once completed)', async () => {
    env.ctx.clock.setTimeScale(1);
    try {
      const d = await bot.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          owner,
          repo: 'dispatch-wf',
          workflow_id: 'ci.yaml',
          ref: 'main',
          inputs: { target: 'dev' },
          return_run_details: true,
        },
      );
      const run_id = (d.data as any).workflow_run_id as number;
      await waitFor(
        () =>
          bot.rest.actions.getWorkflowRun({
            owner,
            repo: 'dispatch-wf',
            run_id,
          }),
        'the run to exist',
      );
      const res = await bot.request(
        'POST /repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel',
        { owner, repo: 'dispatch-wf', run_id },
      );
      expect(res.status).toBe(202);
      const after = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'dispatch-wf',
        run_id,
      });
      expect(after.data).toMatchObject({
        status: 'completed',
        conclusion: 'cancelled',
      });
      const jobs = await jobsOf(bot, 'dispatch-wf', run_id);
      expect(new Set(jobs.jobs.map(j => j.conclusion))).toEqual(
        new Set(['cancelled']),
      );
      await expect(
        bot.rest.actions.cancelWorkflowRun({
          owner,
          repo: 'dispatch-wf',
          run_id,
        }),
      ).rejects.toMatchObject({ status: 409 });
    } finally {
      env.ctx.clock.setTimeScale(50);
    }
  });

  it('filters run listings by creation date (created=>=…, <…, ranges)', async () => {
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const count = async (created: string) =>
      (
        await bot.rest.actions.listWorkflowRunsForRepo({
          owner,
          repo: 'dispatch-wf',
          created,
        })
      ).data.total_count;
    const all = (
      await bot.rest.actions.listWorkflowRunsForRepo({
        owner,
        repo: 'dispatch-wf',
      })
    ).data.total_count;
    expect(all).toBeGreaterThan(1);
    expect(await count(`>=${day(0)}`)).toBe(all);
    expect(await count(day(0))).toBe(all);
    expect(await count(`<${day(0)}`)).toBe(0);
    expect(await count(`>${day(0)}`)).toBe(0);
    expect(await count(`${day(-3)}..${day(-1)}`)).toBe(0);
    expect(await count(`${day(-1)}..*`)).toBe(all);
    expect(await count(`*..${day(-1)}`)).toBe(0);
    await expect(count('yesterday')).rejects.toMatchObject({ status: 422 });
  });
});

describe('Actions: workflow_run triggers', () => {
  it('starts a workflow_run workflow after the named workflow completes, skipping jobs whose if: is false', async () => {
    await alice.rest.repos.createInOrg({ org: owner, name: 'chain-wf' });
    const files = {
      '.github/workflows/ci.yaml': `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`,
      '.github/workflows/deploy.yaml': `name: Deploy
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
    branches: [main]
jobs:
  bump:
    runs-on: ubuntu-latest
    if: \${{ github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success' }}
    steps:
      - name: Bump the image tag
        run: ./bump.sh
`,
    };
    const commit = (message: string, extra: Record<string, string> = {}) =>
      env.ctx.git.commitFiles(owner, 'chain-wf', {
        branch: 'main',
        message,
        author: { name: 'Alice', email: 'alice@acme.example' },
        files: { ...files, ...extra },
        pusher: 'alice',
      });
    const deployRuns = async () =>
      (
        await bot.rest.actions.listWorkflowRuns({
          owner,
          repo: 'chain-wf',
          workflow_id: 'deploy.yaml',
        })
      ).data.workflow_runs;

    const good = await commit('initial');
    const deployed = await waitFor(async () => {
      const [r] = await deployRuns();
      return r?.status === 'completed' && r;
    }, 'the Deploy run after CI');
    expect(deployed).toMatchObject({
      event: 'workflow_run',
      head_sha: good,
      head_branch: 'main',
      conclusion: 'success',
    });
    const jobs = await jobsOf(bot, 'chain-wf', deployed.id);
    expect(jobs.jobs.map(j => [j.name, j.conclusion])).toEqual([
      ['bump', 'success'],
    ]);

    await commit('broken [ci fail]', { 'x.txt': 'x\n' });
    const skipped = await waitFor(async () => {
      const runs = await deployRuns();
      return runs.length === 2 && runs[0].status === 'completed' && runs[0];
    }, 'the Deploy run after the failed CI');
    expect(skipped.conclusion).toBe('skipped');
    expect((await jobsOf(bot, 'chain-wf', skipped.id)).jobs[0]).toMatchObject({
      name: 'bump',
      conclusion: 'skipped',
      steps: [],
    });
  });
});
