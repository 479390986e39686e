import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { LuffyClients } from '@openluffy/plugin-luffy-node';
import { examples } from './githubAwaitWorkflow.examples';
import { backoff, retryWhileNotFound } from './retry';
import { assertRepoPath, parseRepoRef } from './validation';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A failed run: the failed job, its failing step and a link, as the error message. */
export class WorkflowRunFailedError extends Error {
  name = 'WorkflowRunFailedError';
}

/**
 * `luffy:github:await-workflow`: dispatches a workflow (or finds the run a push started), waits
 * for its conclusion and streams progress; a failure names the job, the step and the link.
 * @public
 */
export function createLuffyGithubAwaitWorkflowAction(options: { clients: Pick<LuffyClients, 'github'> }) {
  return createTemplateAction({
    id: 'luffy:github:await-workflow',
    description:
      'Waits for a GitHub Actions workflow run to finish: dispatches the workflow (workflow_dispatch, with inputs) or finds the run that a push of the branch head started, streams job and step progress to the task log, and fails with the failed job, the failing step and the run link. A repository that was just created and still answers 404 is retried with back-off.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repo: z => z.string().describe('owner/repo, or a repository URL'),
        workflow: z => z.string().describe('Workflow file name under .github/workflows (e.g. ci.yaml)'),
        branch: z => z.string().optional().describe('Branch (default: the default branch, one GitHub call more)'),
        headSha: z => z.string().optional().describe('Commit whose push run to wait for (e.g. commitHash of publish:github; default: the branch head, one GitHub call more)'),
        dispatch: z => z.boolean().optional().describe('Dispatch the workflow instead of waiting for the run of the head commit (default false)'),
        inputs: z => z.record(z.string(), z.string()).optional().describe('workflow_dispatch inputs'),
        timeoutSeconds: z => z.number().optional().describe('How long to wait for the conclusion (default 600)'),
      },
      output: {
        runId: z => z.number().describe('Id of the workflow run'),
        runUrl: z => z.string().describe('Link to the run'),
        conclusion: z => z.string().describe('Conclusion of the run (success)'),
        headSha: z => z.string().describe('Commit the run built'),
      },
    },
    async handler(ctx) {
      const { owner, repo } = parseRepoRef(ctx.input.repo, 'Repository');
      const workflow = assertRepoPath(ctx.input.workflow, 'Workflow');
      if (!/\.ya?ml$/.test(workflow) || workflow.includes('/')) {
        throw new InputError(`Workflow ${JSON.stringify(workflow)} must be a file name under .github/workflows, e.g. ci.yaml`);
      }
      if (ctx.input.branch !== undefined && !/^[A-Za-z0-9._/-]+$/.test(ctx.input.branch)) {
        throw new InputError(`Branch ${JSON.stringify(ctx.input.branch)} is not a branch name`);
      }
      const timeoutMs = (ctx.input.timeoutSeconds ?? 600) * 1000;
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would ${ctx.input.dispatch ? 'dispatch' : 'wait for'} ${workflow} on ${owner}/${repo}${ctx.input.branch ? `@${ctx.input.branch}` : ''} and wait up to ${timeoutMs / 1000}s for its conclusion`);
        ctx.output('runId', 0);
        ctx.output('runUrl', `dry-run`);
        ctx.output('conclusion', 'dry-run');
        ctx.output('headSha', '');
        return;
      }
      const gh = await options.clients.github.forRepo(`${owner}/${repo}`);
      const { octokit } = gh;
      const deadline = Date.now() + timeoutMs;

      // a repository just created may answer 404 for a moment: every first call retries it
      const branch =
        ctx.input.branch ??
        (await retryWhileNotFound(async () => (await octokit.rest.repos.get({ owner, repo })).data.default_branch, {
          onRetry: (n, d) => ctx.logger.info(`${owner}/${repo} is not visible yet (404), retrying in ${d} ms (attempt ${n})`),
        }));
      const branchHead = () =>
        retryWhileNotFound(async () => (await octokit.rest.repos.getBranch({ owner, repo, branch })).data.commit.sha);
      const givenSha = ctx.input.headSha?.trim();
      if (givenSha && !/^[0-9a-f]{40}$/.test(givenSha)) throw new InputError(`headSha ${JSON.stringify(givenSha)} is not a commit SHA`);
      let headSha = givenSha || (await branchHead());

      let justFound: string | null | undefined;
      const runId = await ctx.checkpoint({
        key: `luffy.await-workflow.${owner}.${repo}.${workflow}.${branch}.${ctx.input.dispatch ? 'dispatch' : headSha}`,
        fn: async () => {
          if (ctx.input.dispatch) {
            const res = await retryWhileNotFound(() =>
              octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
                owner,
                repo,
                workflow_id: workflow,
                ref: branch,
                inputs: ctx.input.inputs ?? {},
                return_run_details: true,
              } as any),
            );
            const id = (res.data as any)?.workflow_run_id;
            if (typeof id === 'number') {
              ctx.logger.info(`Dispatched ${workflow} on ${branch}: run ${id}`);
              return id;
            }
          }
          // the run a push (or the dispatch, on GitHub versions without run details) started
          const next = backoff(500, 4000);
          for (;;) {
            const sha = headSha;
            const { data } = await retryWhileNotFound(() =>
              octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: workflow, branch, head_sha: sha, per_page: 5 }),
            );
            const run = data.workflow_runs.find(r => !ctx.input.dispatch || r.event === 'workflow_dispatch');
            if (run) {
              justFound = run.status;
              ctx.logger.info(`Found run ${run.id} of ${workflow} for ${headSha.slice(0, 7)} (${run.event})`);
              return run.id;
            }
            if (Date.now() > deadline) {
              throw new ServiceUnavailableError(`No run of ${workflow} appeared for ${owner}/${repo}@${branch} (${headSha.slice(0, 7)}) within ${timeoutMs / 1000}s: is the workflow enabled, and does it run on push to ${branch}?`);
            }
            await sleep(next());
            // the branch may have moved meanwhile (a push right after creation): follow its head
            headSha = await branchHead();
          }
        },
      });

      // Few polls: the run alone while it is queued or running (CI takes tens of seconds: the
      // first poll after 8 s, then 12 s, then every 15 s); its jobs when it starts (progress) and
      // when it fails (names).
      const next = backoff(8000, 15000);
      let last = '';
      let lastStatus = '';
      const jobsOf = async () =>
        (await retryWhileNotFound(() => octokit.rest.actions.listJobsForWorkflowRun({ owner, repo, run_id: runId, per_page: 100 }))).data.jobs;
      // the run just listed is queued or running: its first poll can wait
      if (justFound && justFound !== 'completed') await sleep(next());
      for (;;) {
        // a dispatched run appears a moment after its id is known: 404 is retried with back-off
        const { data: run } = await retryWhileNotFound(() => octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId }));
        const failed = run.status === 'completed' && run.conclusion !== 'success';
        const jobs = (run.status === 'in_progress' && lastStatus !== 'in_progress') || failed ? await jobsOf() : undefined;
        lastStatus = run.status ?? '';
        const progress = (jobs ?? [])
          .map(j => {
            const step = j.steps?.find(s => s.status === 'in_progress');
            return `${j.name}: ${j.conclusion ?? j.status}${step ? ` (${step.name})` : ''}`;
          })
          .join(', ');
        const line = `Run ${run.id} ${run.status}${run.conclusion ? `/${run.conclusion}` : ''}${progress ? ` — ${progress}` : ''}`;
        if (line !== last) {
          ctx.logger.info(line);
          last = line;
        }
        if (run.status === 'completed') {
          if (run.conclusion === 'success') {
            ctx.logger.info(`${workflow} succeeded: ${run.html_url}`);
            ctx.output('runId', run.id);
            ctx.output('runUrl', run.html_url);
            ctx.output('conclusion', run.conclusion);
            ctx.output('headSha', run.head_sha);
            return;
          }
          const all = jobs ?? [];
          const failedJob = all.find(j => j.conclusion === 'failure') ?? all.find(j => j.conclusion && j.conclusion !== 'success' && j.conclusion !== 'skipped');
          const step = failedJob?.steps?.find(s => s.conclusion === 'failure');
          throw new WorkflowRunFailedError(
            `${workflow} ${run.conclusion ?? 'failed'}${failedJob ? `: job "${failedJob.name}"` : ''}${step ? `, step "${step.name}"` : ''} — ${failedJob?.html_url ?? run.html_url}. Fix the cause and re-run the task: it waits for the new run.`,
          );
        }
        if (Date.now() > deadline) {
          throw new ServiceUnavailableError(`${workflow} run ${run.id} did not finish within ${timeoutMs / 1000}s (${line}): ${run.html_url}`);
        }
        await sleep(next());
      }
    },
  });
}
