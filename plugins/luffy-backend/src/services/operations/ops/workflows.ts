import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { waitForCondition } from '../waitForCondition';
import { z } from 'zod/v3';
import { toHttpError } from '../../pullRequests/errors';
import type { WorkflowRunStatus } from '@openluffy/plugin-luffy-common';
import type { OperationContext, OperationDefinition } from '../types';

function sourceRepo(ctx: Pick<OperationContext, 'entityRef' | 'settings'>) {
  const repo = ctx.settings.sourceRepo;
  if (!repo) {
    throw new InputError(
      `${ctx.entityRef} has no github.com/project-slug annotation: add one to run its workflows`,
    );
  }
  return repo;
}

/** GitHub's 422/404/409 as the Backstage error with GitHub's message. */
function githubError(e: unknown, what: string): Error {
  const status = (e as { status?: number })?.status;
  const message =
    (e as { response?: { data?: { message?: string } } })?.response?.data
      ?.message ?? (e as Error)?.message;
  if (status === 422 || status === 400)
    return new InputError(`${what}: ${message}`);
  if (status === 404) return new NotFoundError(`${what}: ${message}`);
  if (status === 409 || status === 403)
    return new ConflictError(`${what}: ${message}`);
  return toHttpError(e, what);
}

async function gh<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw githubError(e, what);
  }
}

type Run = {
  id: number;
  status: string | null;
  conclusion: string | null;
  html_url: string;
  run_attempt?: number;
  name?: string | null;
};

const runSummary = (r: Run) => ({
  id: r.id,
  status: r.status,
  conclusion: r.conclusion,
  htmlUrl: r.html_url,
  attempt: r.run_attempt,
  name: r.name,
});

function runStatus(r: Run): string {
  if (r.status !== 'completed') return 'Progressing';
  return r.conclusion === 'success' ? 'Healthy' : 'Degraded';
}

const runHealth = (r: Run) => ({
  status: runStatus(r),
  message: `${r.status}${r.conclusion ? ` (${r.conclusion})` : ''}`,
});

const dispatchInput = z
  .object({
    workflow: z
      .string()
      .min(1)
      .max(255)
      .describe('Workflow file name (ci.yaml) or id'),
    ref: z
      .string()
      .max(255)
      .optional()
      .describe('Branch or tag (default: the default branch)'),
    inputs: z
      .record(z.string(), z.string())
      .optional()
      .describe('workflow_dispatch inputs'),
  })
  .strict();

/** workflow_dispatch, returning the run it started. */
export const workflowDispatch: OperationDefinition<typeof dispatchInput> = {
  id: 'workflow-dispatch',
  title: 'Run workflow',
  description:
    'Starts a GitHub Actions workflow (workflow_dispatch) of the source repository and returns the run it started.',
  input: dispatchInput,
  async run(ctx, input) {
    const repo = sourceRepo(ctx);
    const { octokit } = await ctx.clients.github.forRepo(repo);
    const workflow = await gh(
      `workflow ${input.workflow} of ${repo.owner}/${repo.repo}`,
      () =>
        octokit.actions.getWorkflow({ ...repo, workflow_id: input.workflow }),
    );
    const ref =
      input.ref ??
      (
        await gh(`${repo.owner}/${repo.repo}`, () =>
          octokit.repos.get({ ...repo }),
        )
      ).data.default_branch;
    const path = `/repos/${repo.owner}/${repo.repo}/actions/workflows/${workflow.data.id}/dispatches`;
    const body = { ref, inputs: input.inputs ?? {}, return_run_details: true };
    ctx.request({ system: 'github', method: 'POST', path, body });
    const change = {
      description: `Dispatch ${workflow.data.name} (${workflow.data.path}) on ${ref}`,
      object: `${repo.owner}/${repo.repo}/${workflow.data.path}`,
    };
    if (ctx.dryRun) return { path: 'github', changes: [change] };
    const started = new Date(Date.now() - 1000).toISOString();
    const res = await gh(`dispatching ${workflow.data.path}`, () =>
      octokit.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          owner: repo.owner,
          repo: repo.repo,
          workflow_id: workflow.data.id,
          ...body,
        },
      ),
    );
    let runId = (res.data as { workflow_run_id?: number } | undefined)
      ?.workflow_run_id;
    if (!runId) {
      // GitHub without return_run_details: the newest dispatch run of the workflow since now
      runId = await waitForCondition(async () => {
        const { data } = await octokit.actions.listWorkflowRuns({
          ...repo,
          workflow_id: workflow.data.id,
          event: 'workflow_dispatch',
          branch: ref,
          created: `>=${started}`,
          per_page: 5,
        });
        return data.workflow_runs[0]?.id;
      }, 30_000);
    }
    const run = await waitForCondition(async () => {
      try {
        return (
          await octokit.actions.getWorkflowRun({ ...repo, run_id: runId! })
        ).data as Run;
      } catch {
        return undefined; // the run appears a moment after the dispatch
      }
    }, 30_000);
    return {
      path: 'github',
      changes: [{ ...change, after: run ? runSummary(run) : { id: runId } }],
      health: run ? runHealth(run) : undefined,
      undo: {
        operation: 'workflow-cancel',
        input: { runId },
        description: 'Cancel the run',
      },
      details: {
        run: run ? runSummary(run) : { id: runId },
        logsUrl: run?.html_url,
      },
    };
  },
};

const runInput = {
  runId: z.number().int().positive().describe('Workflow run id'),
};

/**
 * A POST to one of a run's endpoints (`cancel`, `rerun`, …): reads the run, lets `check`
 * refuse it, records the request (sent unless a dry run) and reads the run again.
 */
async function postToRun(
  ctx: OperationContext,
  runId: number,
  endpoint: string,
  what: string,
  check?: (before: Run) => void,
): Promise<{ before: Run; after: Run }> {
  const repo = sourceRepo(ctx);
  const { octokit } = await ctx.clients.github.forRepo(repo);
  const get = async () =>
    (
      await gh(`run ${runId} of ${repo.owner}/${repo.repo}`, () =>
        octokit.actions.getWorkflowRun({ ...repo, run_id: runId }),
      )
    ).data as Run;
  const before = await get();
  check?.(before);
  const path = `/repos/${repo.owner}/${repo.repo}/actions/runs/${runId}/${endpoint}`;
  ctx.request({ system: 'github', method: 'POST', path });
  if (ctx.dryRun) return { before, after: before };
  await gh(`${what} run ${runId}`, () => octokit.request(`POST ${path}`));
  return { before, after: await get() };
}

const cancelInput = z
  .object({
    ...runInput,
    force: z.boolean().optional().describe('force-cancel'),
  })
  .strict();

export const workflowCancel: OperationDefinition<typeof cancelInput> = {
  id: 'workflow-cancel',
  title: 'Cancel run',
  description:
    'Cancels (or force-cancels) a workflow run of the source repository.',
  input: cancelInput,
  async run(ctx, input) {
    const { before, after } = await postToRun(
      ctx,
      input.runId,
      input.force ? 'force-cancel' : 'cancel',
      'cancelling',
      r => {
        if (r.status === 'completed') {
          throw new ConflictError(
            `Run ${input.runId} already completed (${r.conclusion})`,
          );
        }
      },
    );
    return {
      path: 'github',
      changes: [
        {
          description: `${input.force ? 'Force-cancel' : 'Cancel'} run ${
            input.runId
          }`,
          object: before.html_url,
          before: before.status,
          after: after.status,
        },
      ],
      health: runHealth(after),
      undo: {
        operation: 'workflow-rerun',
        input: { runId: input.runId },
        description: 'Re-run it',
      },
      details: { run: runSummary(after) },
    };
  },
};

const rerunInput = z
  .object({
    ...runInput,
    failedOnly: z.boolean().optional().describe('Re-run only the failed jobs'),
  })
  .strict();

export const workflowRerun: OperationDefinition<typeof rerunInput> = {
  id: 'workflow-rerun',
  title: 'Re-run',
  description:
    'Re-runs a workflow run of the source repository (all jobs, or only the failed ones).',
  input: rerunInput,
  async run(ctx, input) {
    const { before, after } = await postToRun(
      ctx,
      input.runId,
      input.failedOnly ? 'rerun-failed-jobs' : 'rerun',
      're-running',
    );
    return {
      path: 'github',
      changes: [
        {
          description: `Re-run ${
            input.failedOnly ? 'failed jobs of ' : ''
          }run ${input.runId}`,
          object: before.html_url,
          before: before.run_attempt,
          after: after.run_attempt,
        },
      ],
      health: runHealth(after),
      details: { run: runSummary(after) },
    };
  },
};

/** A run of the source repository with its latest attempt's jobs (read-only). */
export async function workflowRunStatus(
  ctx: Pick<OperationContext, 'entityRef' | 'settings' | 'clients'>,
  runId: number,
): Promise<WorkflowRunStatus> {
  const repo = sourceRepo(ctx);
  const { octokit } = await ctx.clients.github.forRepo(repo);
  const what = `run ${runId} of ${repo.owner}/${repo.repo}`;
  const run = (
    await gh(what, () =>
      octokit.actions.getWorkflowRun({ ...repo, run_id: runId }),
    )
  ).data as Run;
  const { data } = await gh(what, () =>
    octokit.actions.listJobsForWorkflowRun({
      ...repo,
      run_id: runId,
      filter: 'latest',
      per_page: 100,
    }),
  );
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion,
    attempt: run.run_attempt,
    htmlUrl: run.html_url,
    jobs: data.jobs.map(j => ({
      id: j.id,
      name: j.name,
      status: j.status,
      conclusion: j.conclusion,
      htmlUrl: j.html_url,
    })),
  };
}
