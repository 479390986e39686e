import type { RepoRecord, RunRecord, WorkflowRecord } from '../state';
import type { JobRecord } from '../actions-store';
import { evalIf, triggeredBy } from '../workflow-file';
import { CI_TIMINGS, JOB_MS } from './base';
import { Jobs } from './jobs';

/**
 * Workflow runs: created (at once, or a moment after a dispatch), started after
 * `CI_TIMINGS.start`, advanced job by job along `needs`, completed, cancelled, re-run and
 * reviewed; a completed run starts the workflows whose `on.workflow_run` names it.
 */
export class WorkflowRuns extends Jobs {
  /**
   * Creates a workflow run (queued) with its first attempt's jobs and their check runs. With
   * `delay` (simulated ms) the run only appears after that time, as a dispatched run does on
   * GitHub; its id is reserved at once and returned.
   */
  async createWorkflowRun(
    rec: RepoRecord,
    w: WorkflowRecord,
    o: {
      branch: string;
      sha: string;
      event: string;
      actor: string;
      inputs: Record<string, unknown>;
    },
    delay = 0,
    event?: { workflow_run?: Record<string, unknown>; depth?: number },
  ): Promise<RunRecord> {
    const id = this.svc.nextId();
    const make = async () => {
      if (event) this.store.data.runEvents[id] = event;
      const c = await this.svc.commitInfo(rec.owner, rec.name, o.sha);
      const now = this.svc.now();
      const number =
        this.svc.data.workflowRuns.filter(r => r.workflow_id === w.id).length +
        1;
      const run: RunRecord = {
        id,
        workflow_id: w.id,
        owner: rec.owner,
        repo: rec.name,
        run_number: number,
        run_attempt: 1,
        name: w.name,
        display_title: c?.message.split('\n')[0] ?? w.name,
        head_branch: o.branch,
        head_sha: o.sha,
        event: o.event,
        status: 'queued',
        conclusion: null,
        actor: o.actor,
        inputs: o.inputs,
        created_at: now,
        updated_at: now,
        run_started_at: now,
        check_suite_id: null,
      };
      await this.createAttempt(run, null);
      this.svc.data.workflowRuns.push(run);
      this.emitRun(run, 'requested');
      this.scheduleWorkflowRun(run);
      return run;
    };
    if (delay <= 0) return make();
    const placeholder = { id } as RunRecord;
    this.later(async () => {
      await make();
    }, delay);
    return placeholder;
  }

  /** Starts a queued attempt after CI_TIMINGS.start; resumes one in flight after a restart. */
  scheduleWorkflowRun(run: RunRecord) {
    const attempt = run.run_attempt;
    if (run.status === 'queued') {
      this.timer(
        run,
        () => {
          if (run.status !== 'queued' || run.run_attempt !== attempt) return;
          run.status = 'in_progress';
          run.updated_at = this.svc.now();
          run.run_started_at = run.updated_at;
          this.emitRun(run, 'in_progress');
          this.advance(run);
        },
        CI_TIMINGS.start,
      );
      return;
    }
    for (const j of this.jobs(run).filter(x => x.status === 'in_progress'))
      this.timer(run, () => this.finishJob(run, j), JOB_MS);
    this.advance(run);
  }

  /** Starts the jobs whose needs are met, skips those whose needs failed, completes the run. */
  protected advance(run: RunRecord) {
    if (run.status === 'completed' || run.status === 'queued') return;
    const latest = this.jobs(run);
    const byKey = new Map(latest.map(j => [j.key, j]));
    let changed = true;
    while (changed) {
      changed = false;
      for (const j of latest.filter(x => x.status === 'queued')) {
        const needs = j.needs
          .map(k => byKey.get(k))
          .filter(Boolean) as JobRecord[];
        if (needs.some(n => n.status !== 'completed')) continue;
        const go = evalIf(j.if_expr, {
          event_name: run.event,
          ref_name: run.head_branch,
          inputs: run.inputs ?? {},
          workflow_run: this.store.data.runEvents[run.id]?.workflow_run,
          needs: needs.map(n => n.conclusion ?? ''),
        });
        if (!go) {
          this.completeJob(j, 'skipped');
          changed = true;
          continue;
        }
        this.startJob(run, j);
      }
    }
    if (latest.every(j => j.status === 'completed')) {
      const cs = latest.map(j => j.conclusion);
      run.status = 'completed';
      run.conclusion =
        ['failure', 'cancelled'].find(c => cs.includes(c)) ??
        (cs.every(c => c === 'skipped') ? 'skipped' : 'success');
      run.updated_at = this.svc.now();
      this.clearTimers(run);
      this.emitRun(run, 'completed');
      this.startWorkflowRunTriggered(run).catch(err =>
        this.svc.ctx.logger.warn('github workflow_run trigger failed', {
          error: String(err),
        }),
      );
    } else if (
      latest.some(j => j.status === 'waiting') &&
      !latest.some(j => j.status === 'in_progress')
    ) {
      if ((run.status as string) !== 'waiting') {
        (run as any).status = 'waiting';
        run.updated_at = this.svc.now();
      }
    } else if ((run.status as string) === 'waiting') {
      run.status = 'in_progress';
      run.updated_at = this.svc.now();
    }
  }

  /**
   * Starts the workflows whose `on.workflow_run` names the completed run's workflow (types
   * `completed`, `branches` filters on the run's branch), from the default branch's head as on
   * GitHub, with the run as `github.event.workflow_run`. Chains stop at depth 3, as on GitHub.
   */
  protected async startWorkflowRunTriggered(run: RunRecord) {
    const depth = (this.store.data.runEvents[run.id]?.depth ?? 0) + 1;
    if (depth > 3) return;
    const rec = this.svc.repo(run.owner, run.repo);
    if (!rec) return;
    const sha = await this.svc.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${rec.default_branch}`,
    );
    if (!sha) return;
    for (const w of await this.syncWorkflows(rec)) {
      if (w.state !== 'active' || w.id === run.workflow_id) continue;
      const wf = await this.workflowFile(rec.owner, rec.name, sha, w);
      if (!wf || !Object.hasOwn(wf.on, 'workflow_run')) continue;
      const cfg = wf.on.workflow_run ?? {};
      const names = ([] as unknown[]).concat(cfg.workflows ?? []).map(String);
      const types = ([] as unknown[])
        .concat(cfg.types ?? ['completed', 'requested'])
        .map(String);
      if (!names.includes(run.name) || !types.includes('completed')) continue;
      if (!triggeredBy(wf, 'workflow_run', run.head_branch)) continue;
      await this.createWorkflowRun(
        rec,
        w,
        {
          branch: rec.default_branch,
          sha,
          event: 'workflow_run',
          actor: run.actor,
          inputs: {},
        },
        0,
        {
          depth,
          workflow_run: {
            id: run.id,
            name: run.name,
            conclusion: run.conclusion,
            head_sha: run.head_sha,
            head_branch: run.head_branch,
            event: run.event,
          },
        },
      );
    }
  }

  /** Cancels a run (`force`: the same at once, even for jobs that would ignore a cancel). */
  cancel(run: RunRecord) {
    this.clearTimers(run);
    for (const j of this.jobs(run).filter(x => x.status !== 'completed')) {
      this.completeJob(j, 'cancelled');
      if (j.environment) this.deployments.setStatus(j, 'failure');
    }
    run.status = 'completed';
    run.conclusion = 'cancelled';
    run.updated_at = this.svc.now();
    this.emitRun(run, 'completed');
  }

  /**
   * A new attempt of a completed run: every job (`mode` all), the failed and cancelled jobs
   * (`failed`), or one job (`job` key); the jobs that need a re-run job run again too.
   */
  async rerun(
    run: RunRecord,
    mode: 'all' | 'failed' | { job: string } = 'all',
  ): Promise<void> {
    let only: Set<string> | null = null;
    if (mode !== 'all') {
      const latest = this.jobs(run);
      only = new Set(
        mode === 'failed'
          ? latest
              .filter(j => !['success', 'skipped'].includes(j.conclusion ?? ''))
              .map(j => j.key)
          : [mode.job],
      );
      // dependants of re-run jobs run again too
      let grew = true;
      while (grew) {
        grew = false;
        for (const j of latest) {
          if (!only.has(j.key) && j.needs.some(n => only!.has(n))) {
            only.add(j.key);
            grew = true;
          }
        }
      }
    }
    this.clearTimers(run);
    run.run_attempt += 1;
    run.status = 'queued';
    run.conclusion = null;
    run.updated_at = this.svc.now();
    run.run_started_at = run.updated_at;
    await this.createAttempt(run, only);
    this.emitRun(run, 'requested');
    this.scheduleWorkflowRun(run);
  }

  /** Approves or rejects the waiting jobs of `run` for the given environments. */
  review(
    run: RunRecord,
    environments: string[],
    state: 'approved' | 'rejected',
    user: string,
    comment: string,
  ) {
    for (const environment of environments) {
      this.store.data.approvals.push({
        run_id: run.id,
        run_attempt: run.run_attempt,
        environment,
        state,
        user,
        comment,
        at: this.svc.now(),
      });
    }
    for (const j of this.jobs(run).filter(
      x => x.status === 'waiting' && environments.includes(x.environment!),
    )) {
      j.status = 'queued';
    }
    this.advance(run);
  }
}
