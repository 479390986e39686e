import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { unzipSync, strFromU8 } from 'fflate';
import {
  openapiErrors,
  webhookErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';
import {
  CI_WORKFLOW,
  jobsOf,
  pushRun,
  repoWithWorkflows,
} from './__testUtils__/actions';

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

describe('Actions: jobs, check runs, steps and logs', () => {
  it('runs each job of the workflow file as a check run in the run\u2019s check suite, failing at the named step', async () => {
    const sha = await repoWithWorkflows(
      env,
      alice,
      'jobs-wf',
      'initial [ci fail: test/Unit tests]',
    );
    const run = await pushRun(bot, 'jobs-wf');
    expect(run.conclusion).toBe('failure');

    const jobs = await jobsOf(bot, 'jobs-wf', run.id);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
        'get',
        200,
        jobs,
      ),
    ).toBeNull();
    expect(jobs.jobs.map(j => [j.name, j.conclusion])).toEqual([
      ['build', 'success'],
      ['test', 'failure'],
      ['Lint code', 'success'],
    ]);
    const test = jobs.jobs[1];
    expect(
      test.steps!.map(s => [s.number, s.name, s.status, s.conclusion]),
    ).toEqual([
      [1, 'Set up job', 'completed', 'success'],
      [2, 'Run actions/checkout@v4', 'completed', 'success'],
      [3, 'Unit tests', 'completed', 'failure'],
      [4, 'Complete job', 'completed', 'success'],
    ]);
    expect(jobs.jobs[2].steps!.map(s => s.name)).toEqual([
      'Set up job',
      'Run npm run lint',
      'Complete job',
    ]);

    const one = await bot.rest.actions.getJobForWorkflowRun({
      owner,
      repo: 'jobs-wf',
      job_id: test.id,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/jobs/{job_id}',
        'get',
        200,
        one.data,
      ),
    ).toBeNull();
    expect(one.data).toMatchObject({
      run_id: run.id,
      head_sha: sha,
      workflow_name: 'CI',
      run_attempt: 1,
    });

    // the jobs are check runs of the run's check suite, with the job's id and name
    const checks = await bot.rest.checks.listForRef({
      owner,
      repo: 'jobs-wf',
      ref: sha,
      app_id: 15368,
    });
    const byName = Object.fromEntries(
      checks.data.check_runs.map(c => [c.name, c]),
    );
    for (const j of jobs.jobs) {
      expect(byName[j.name]).toMatchObject({
        id: j.id,
        status: 'completed',
        conclusion: j.conclusion,
        check_suite: { id: run.check_suite_id },
      });
      expect(j.check_run_url).toBe(
        `${env.url}/api/v3/repos/acme/jobs-wf/check-runs/${j.id}`,
      );
    }
    const suite = await bot.rest.checks.getSuite({
      owner,
      repo: 'jobs-wf',
      check_suite_id: run.check_suite_id!,
    });
    expect(suite.data).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      app: { slug: 'github-actions' },
    });
  });

  it('serves job logs as a 302 to text and run logs as a 302 to a zip, like GitHub', async () => {
    const run = await pushRun(bot, 'jobs-wf');
    const [, test] = (await jobsOf(bot, 'jobs-wf', run.id)).jobs;

    // plain HTTP: a redirect to a signed URL
    const raw = await fetch(
      `${env.url}/api/v3/repos/acme/jobs-wf/actions/jobs/${test.id}/logs`,
      {
        headers: { authorization: 'token sandbox-bot-token' },
        redirect: 'manual',
      },
    );
    expect(raw.status).toBe(302);
    const location = raw.headers.get('location')!;
    expect(location).toMatch(/[?&]sig=/);
    const text = await (await fetch(location)).text();
    expect(text).toContain('##[group]Unit tests');
    expect(text).toContain('##[error]Process completed with exit code 1.');
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z /);
    // a tampered signature is refused
    expect((await fetch(location.replace(/sig=[^&]+/, 'sig=x'))).status).toBe(
      403,
    );

    // Octokit follows the redirect
    const jobLog = await bot.rest.actions.downloadJobLogsForWorkflowRun({
      owner,
      repo: 'jobs-wf',
      job_id: test.id,
    });
    expect(String(jobLog.data)).toContain('##[error]');

    const zip = await bot.rest.actions.downloadWorkflowRunLogs({
      owner,
      repo: 'jobs-wf',
      run_id: run.id,
    });
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(zip.data as ArrayBuffer));
    expect(Object.keys(files).sort()).toEqual(
      [
        '0_build.txt',
        '1_test.txt',
        '2_Lint code.txt',
        'build/1_Set up job.txt',
        'build/2_Run actions_checkout@v4.txt',
        'build/3_Compile.txt',
        'build/4_Complete job.txt',
        'test/1_Set up job.txt',
        'test/2_Run actions_checkout@v4.txt',
        'test/3_Unit tests.txt',
        'test/4_Complete job.txt',
        'Lint code/1_Set up job.txt',
        'Lint code/2_Run npm run lint.txt',
        'Lint code/3_Complete job.txt',
      ].sort(),
    );
    expect(strFromU8(files['test/3_Unit tests.txt'])).toContain('npm test');
  });

  it('re-runs the failed jobs, then a single job, as new attempts', async () => {
    await repoWithWorkflows(env, alice, 'flaky-wf', 'initial [ci flaky: test]');
    const run = await pushRun(bot, 'flaky-wf');
    expect(run.conclusion).toBe('failure');
    const first = await jobsOf(bot, 'flaky-wf', run.id);

    const res = await bot.rest.actions.reRunWorkflowFailedJobs({
      owner,
      repo: 'flaky-wf',
      run_id: run.id,
    });
    expect(res.status).toBe(201);
    const again = await waitFor(async () => {
      const r = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'flaky-wf',
        run_id: run.id,
      });
      return r.data.status === 'completed' && r.data;
    }, 'the re-run to complete');
    expect(again).toMatchObject({ run_attempt: 2, conclusion: 'success' });
    expect(again.check_suite_id).not.toBe(run.check_suite_id);
    const latest = await jobsOf(bot, 'flaky-wf', run.id);
    // only the failed job ran again; the others are those of attempt 1
    expect(latest.jobs.map(j => [j.name, j.run_attempt, j.conclusion])).toEqual(
      [
        ['build', 1, 'success'],
        ['Lint code', 1, 'success'],
        ['test', 2, 'success'],
      ],
    );
    expect(latest.jobs[0].id).toBe(first.jobs[0].id);
    expect((await jobsOf(bot, 'flaky-wf', run.id, 'all')).total_count).toBe(4);
    const attempt1 = await bot.rest.actions.listJobsForWorkflowRunAttempt({
      owner,
      repo: 'flaky-wf',
      run_id: run.id,
      attempt_number: 1,
    });
    expect(attempt1.data.jobs.find(j => j.name === 'test')?.conclusion).toBe(
      'failure',
    );
    const a1 = await bot.rest.actions.getWorkflowRunAttempt({
      owner,
      repo: 'flaky-wf',
      run_id: run.id,
      attempt_number: 1,
    });
    expect(a1.data).toMatchObject({ run_attempt: 1, conclusion: 'failure' });

    // nothing failed any more
    await expect(
      bot.rest.actions.reRunWorkflowFailedJobs({
        owner,
        repo: 'flaky-wf',
        run_id: run.id,
      }),
    ).rejects.toMatchObject({ status: 403 });

    const lint = latest.jobs.find(j => j.name === 'Lint code')!;
    const single = await bot.rest.actions.reRunJobForWorkflowRun({
      owner,
      repo: 'flaky-wf',
      job_id: lint.id,
    });
    expect(single.status).toBe(201);
    await waitFor(async () => {
      const r = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'flaky-wf',
        run_id: run.id,
      });
      return r.data.status === 'completed' && r.data.run_attempt === 3;
    }, 'the single-job re-run to complete');
    const attempt3 = await bot.rest.actions.listJobsForWorkflowRunAttempt({
      owner,
      repo: 'flaky-wf',
      run_id: run.id,
      attempt_number: 3,
    });
    expect(attempt3.data.jobs.map(j => j.name)).toEqual(['Lint code']);
  });
});

describe('Actions: workflow_job webhooks', () => {
  it('sends workflow_job queued, in_progress and completed, shaped like GitHub’s', async () => {
    const received: Array<{ event: string; body: any }> = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push({
          event: String(req.headers['x-github-event']),
          body: JSON.parse(body),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>(r => receiver.listen(0, '127.0.0.1', () => r()));
    try {
      await alice.rest.repos.createInOrg({ org: owner, name: 'hooked-wf' });
      await bot.rest.repos.createWebhook({
        owner,
        repo: 'hooked-wf',
        config: {
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
          content_type: 'json',
        },
        events: ['workflow_job'],
      });
      await env.ctx.git.commitFiles(owner, 'hooked-wf', {
        branch: 'main',
        message: 'initial [ci fail: build/Compile]',
        author: { name: 'Alice', email: 'alice@acme.example' },
        files: { '.github/workflows/ci.yaml': CI_WORKFLOW },
        pusher: 'alice',
      });
      const jobEvents = () =>
        received.filter(r => r.event === 'workflow_job').map(r => r.body);
      await waitFor(
        () => jobEvents().filter(b => b.action === 'completed').length === 3,
        'three completed workflow_job deliveries',
      );
      await env.parts.webhooks.idle();
      for (const action of ['queued', 'in_progress', 'completed']) {
        const b = jobEvents().find(x => x.action === action);
        expect(
          webhookErrors(`webhook-workflow-job-${action.replace('_', '-')}`, b),
        ).toBeNull();
      }
      const build = jobEvents().find(
        b => b.action === 'completed' && b.workflow_job.name === 'build',
      );
      expect(build.workflow_job).toMatchObject({
        conclusion: 'failure',
        workflow_name: 'CI',
      });
      // test needs build: skipped
      expect(
        jobEvents().find(
          b => b.action === 'completed' && b.workflow_job.name === 'test',
        ).workflow_job.conclusion,
      ).toBe('skipped');
    } finally {
      receiver.close();
    }
  });
});
