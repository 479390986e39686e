import type { CheckRunRecord, RunRecord } from '../state';
import type { JobRecord } from '../actions-store';
import {
  evalEnvironment,
  failingStep,
  failRules,
  parseWorkflow,
} from '../workflow-file';
import { CI_FAIL_MARKER, JOB_MS } from './base';
import { RunViews } from './runViews';

/**
 * The jobs of a workflow run: an attempt's jobs and their check runs, a job waiting for its
 * environment's reviewers, running, and completing with its steps and check run.
 */
export abstract class Jobs extends RunViews {
  /** Starts the jobs whose needs are met, skips those whose needs failed, completes the run. */
  protected abstract advance(run: RunRecord): void;

  /**
   * A new attempt of `run`: a new check suite on the head commit and, for each job (or each job
   * of `only` and the jobs that need them), a queued job whose id is that of its check run.
   */
  protected async createAttempt(run: RunRecord, only: Set<string> | null) {
    const w = this.svc.data.workflows.find(x => x.id === run.workflow_id);
    const wf = w
      ? await this.workflowFile(run.owner, run.repo, run.head_sha, w)
      : undefined;
    const specs = wf?.jobs ?? parseWorkflow('jobs: {}')!.jobs;
    const c = await this.svc.commitInfo(run.owner, run.repo, run.head_sha);
    const marker = await this.svc.ctx.git.readFile(
      run.owner,
      run.repo,
      run.head_sha,
      CI_FAIL_MARKER,
    );
    const rules = failRules(
      c?.message ?? '',
      marker ? marker.toString('utf8') : null,
    );
    const suite = this.svc.createSuite(
      run.owner,
      run.repo,
      run.head_sha,
      run.head_branch,
      'github-actions',
    );
    run.check_suite_id = suite.id;
    const now = this.svc.now();
    const u = this.svc.urls();
    const queued: JobRecord[] = [];
    for (const spec of specs) {
      if (only && !only.has(spec.key)) continue;
      const stepNames = [
        'Set up job',
        ...spec.steps.map(s => s.name),
        'Complete job',
      ];
      const check: CheckRunRecord = {
        id: this.svc.nextId(),
        suite_id: suite.id,
        owner: run.owner,
        repo: run.repo,
        head_sha: run.head_sha,
        name: spec.name,
        status: 'queued',
        conclusion: null,
        started_at: now,
        completed_at: null,
        external_id: null,
        details_url: `${u.base}/${run.owner}/${run.repo}/actions/runs/${run.id}/job/0`,
        output: { title: null, summary: null, text: null },
        app: 'github-actions',
      };
      check.details_url = `${u.base}/${run.owner}/${run.repo}/actions/runs/${run.id}/job/${check.id}`;
      this.svc.data.runs.push(check);
      this.svc.emitWebhook(run.owner, run.repo, 'check_run', {
        action: 'created',
        check_run: this.svc.serializeRun(check),
      });
      const job: JobRecord = {
        id: check.id,
        run_id: run.id,
        owner: run.owner,
        repo: run.repo,
        run_attempt: run.run_attempt,
        key: spec.key,
        name: spec.name,
        needs: spec.needs,
        status: 'queued',
        conclusion: null,
        created_at: now,
        started_at: null,
        completed_at: null,
        steps: stepNames.map((name, i) => ({
          name,
          number: i + 1,
          status: 'queued',
          conclusion: null,
          started_at: null,
          completed_at: null,
          run: spec.steps[i - 1]?.run,
        })),
        environment: evalEnvironment(spec.environment, run.inputs ?? {}),
        fail_step: failingStep(rules, spec, stepNames, run.run_attempt),
        ...(spec.if !== undefined ? { if_expr: spec.if } : {}),
        head_sha: run.head_sha,
        head_branch: run.head_branch,
        workflow_name: run.name,
      };
      this.store.data.jobs.push(job);
      queued.push(job);
    }
    this.svc.updateSuite(suite);
    for (const j of queued) this.emitJob(j, 'queued');
  }

  protected checkOf(job: JobRecord) {
    return this.svc.data.runs.find(r => r.id === job.id);
  }

  /** Required reviewers of environment `name` of the run's repository (empty when none). */
  reviewersOf(run: { owner: string; repo: string }, name: string) {
    const e = this.svc.data.environments.find(
      x => x.owner === run.owner && x.repo === run.repo && x.name === name,
    );
    return (e?.reviewers ?? []) as Array<{ type: string; id: number }>;
  }

  protected startJob(run: RunRecord, j: JobRecord) {
    const now = this.svc.now();
    if (j.environment) {
      const approval = this.store.data.approvals.find(
        a =>
          a.run_id === run.id &&
          a.run_attempt === j.run_attempt &&
          a.environment === j.environment,
      );
      this.deployments.forJob(run, j);
      if (!approval && this.reviewersOf(run, j.environment).length) {
        if (j.status !== 'waiting') {
          j.status = 'waiting';
          const check = this.checkOf(j);
          if (check) this.svc.updateRun(check, { status: 'waiting' });
          this.deployments.setStatus(j, 'waiting');
          this.emitJob(j, 'waiting');
        }
        return;
      }
      if (approval?.state === 'rejected') {
        this.completeJob(j, 'failure', true);
        this.deployments.setStatus(j, 'failure');
        return;
      }
    }
    j.status = 'in_progress';
    j.started_at = now;
    j.steps[0].status = 'completed';
    j.steps[0].conclusion = 'success';
    j.steps[0].started_at = now;
    j.steps[0].completed_at = now;
    if (j.steps[1]) {
      j.steps[1].status = 'in_progress';
      j.steps[1].started_at = now;
    }
    const check = this.checkOf(j);
    if (check)
      this.svc.updateRun(check, { status: 'in_progress', started_at: now });
    if (j.environment) this.deployments.setStatus(j, 'in_progress');
    this.emitJob(j, 'in_progress');
    this.timer(run, () => this.finishJob(run, j), JOB_MS);
  }

  protected finishJob(run: RunRecord, j: JobRecord) {
    if (j.status !== 'in_progress') return;
    this.completeJob(j, j.fail_step ? 'failure' : 'success');
    if (j.environment)
      this.deployments.setStatus(j, j.fail_step ? 'failure' : 'success');
    this.advance(run);
  }

  /** Completes a job and its check run; steps after a failure (or of a skipped job) are skipped. */
  protected completeJob(j: JobRecord, conclusion: string, beforeSteps = false) {
    const now = this.svc.now();
    j.status = 'completed';
    j.conclusion = conclusion;
    j.started_at ??= now;
    j.completed_at = now;
    if (conclusion === 'skipped' || beforeSteps) j.steps = [];
    let failed = false;
    for (const s of j.steps) {
      const last = s.number === j.steps.length;
      const wasDone = s.status === 'completed';
      const wasRunning = s.status === 'in_progress';
      s.status = 'completed';
      s.started_at ??= now;
      s.completed_at ??= now;
      if (wasDone) continue;
      if (conclusion === 'cancelled') {
        s.conclusion = wasRunning ? 'cancelled' : 'skipped';
      } else if (failed && !last) {
        s.conclusion = 'skipped';
      } else if (!last && s.name === j.fail_step && conclusion === 'failure') {
        s.conclusion = 'failure';
        failed = true;
      } else {
        s.conclusion = 'success';
      }
    }
    const check = this.checkOf(j);
    if (check) {
      this.svc.updateRun(check, {
        conclusion,
        output:
          conclusion === 'failure'
            ? {
                title: `${j.name} failed`,
                summary: j.fail_step
                  ? `Step "${j.fail_step}" failed: Process completed with exit code 1.`
                  : 'The job failed.',
                text: null,
              }
            : { title: null, summary: null, text: null },
      });
    }
    this.emitJob(j, 'completed');
  }
}
