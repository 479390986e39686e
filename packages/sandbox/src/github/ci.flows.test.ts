import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  createRepoWithFiles,
  withGithubContract,
} from './__testUtils__';
import { CI_FAIL_MARKER } from './ci';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;

withGithubContract(
  c => {
    ({ env, alice, bot } = c);
  },
  { timeScale: 100 },
);

const author = { name: 'Alice Martin', email: 'alice@acme.example' };

describe('simulated CI, statuses and checks', () => {
  it('runs ci/build and ci/test on pushes: success, and failure when the tree has the marker', async () => {
    await createRepoWithFiles(env, alice, 'ci-ok');
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
    await createRepoWithFiles(env, alice, 'checks');
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
    await createRepoWithFiles(env, alice, 'wf', {
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
