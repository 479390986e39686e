import * as S from '../serialize';
import type { RunRecord } from '../state';
import type { JobRecord } from '../actions-store';
import { WorkflowFiles } from './workflowFiles';

/** Workflow runs and jobs as the REST API and the `workflow_run`/`workflow_job` webhooks show them. */
export class RunViews extends WorkflowFiles {
  /** A job as the REST API and the `workflow_job` webhook show it. */
  serializeJob(j: JobRecord) {
    const u = this.svc.urls();
    const full = `${j.owner}/${j.repo}`;
    const started = j.started_at ?? j.created_at;
    return {
      id: j.id,
      run_id: j.run_id,
      run_url: `${u.api}/repos/${full}/actions/runs/${j.run_id}`,
      run_attempt: j.run_attempt,
      node_id: Buffer.from(`0:Job${j.id}`)
        .toString('base64')
        .replace(/=+$/, ''),
      head_sha: j.head_sha,
      url: `${u.api}/repos/${full}/actions/jobs/${j.id}`,
      html_url: `${u.base}/${full}/actions/runs/${j.run_id}/job/${j.id}`,
      status: j.status,
      conclusion: j.conclusion,
      created_at: j.created_at,
      started_at: started,
      completed_at: j.completed_at,
      name: j.name,
      steps: j.steps.map(({ run: _run, ...s }) => s),
      check_run_url: `${u.api}/repos/${full}/check-runs/${j.id}`,
      labels: ['ubuntu-latest'],
      runner_id: j.started_at ? 1 : null,
      runner_name: j.started_at ? 'GitHub Actions 1' : null,
      runner_group_id: j.started_at ? 1 : null,
      runner_group_name: j.started_at ? 'GitHub Actions' : null,
      workflow_name: j.workflow_name,
      head_branch: j.head_branch,
    };
  }

  protected emitJob(j: JobRecord, action: string) {
    const run = this.svc.data.workflowRuns.find(r => r.id === j.run_id);
    this.svc.emitWebhook(
      j.owner,
      j.repo,
      'workflow_job',
      { action, workflow_job: this.serializeJob(j) },
      run?.actor,
    );
  }

  /** The jobs of a run: the latest execution of each job (`filter=latest`), or all attempts. */
  jobs(run: RunRecord, filter: 'latest' | 'all' = 'latest'): JobRecord[] {
    const all = this.store.jobsOf(run.id);
    if (filter === 'all') return all;
    const byKey = new Map<string, JobRecord>();
    for (const j of all) {
      const prev = byKey.get(j.key);
      if (!prev || prev.run_attempt <= j.run_attempt) byKey.set(j.key, j);
    }
    return [...byKey.values()].sort((a, b) => a.id - b.id);
  }

  protected emitRun(run: RunRecord, action: string) {
    this.svc.emitWebhook(
      run.owner,
      run.repo,
      'workflow_run',
      {
        action,
        workflow_run: this.serializeRun(run),
        workflow: this.serializeWorkflow(run.workflow_id),
      },
      run.actor,
    );
  }

  serializeWorkflow(id: number) {
    const w = this.svc.data.workflows.find(x => x.id === id);
    return w ? S.workflow(this.svc.urls(), w) : null;
  }

  serializeRun(run: RunRecord) {
    const rec = this.svc.repo(run.owner, run.repo)!;
    const w = this.svc.data.workflows.find(x => x.id === run.workflow_id);
    const actor = this.svc.ensureAccount(run.actor, 'User');
    const prs = this.svc
      .openPullsForSha(run.owner, run.repo, run.head_sha)
      .map(p => this.svc.pullMinimal(p));
    const head = {
      sha: run.head_sha,
      tree: run.head_sha,
      parents: [],
      author: {
        name: actor.login,
        email: actor.email ?? '',
        date: run.created_at,
      },
      committer: {
        name: actor.login,
        email: actor.email ?? '',
        date: run.created_at,
      },
      message: run.display_title,
    };
    return S.workflowRun(
      this.svc.urls(),
      run,
      w,
      this.svc.serializeRepo(rec),
      actor,
      head,
      prs,
    );
  }
}
