import type { PushEvent } from '../core/git';
import { ZERO_SHA } from '../core/git';
import * as S from './serialize';
import type { PullRecord, RepoRecord } from './state';
import { Limiter } from './util';
import { CI_CHECKS, CI_FAIL_MARKER, CI_TIMINGS } from './ci/base';
import { WorkflowRuns } from './ci/workflowRuns';

export {
  CI_CHECKS,
  CI_FAIL_MARKER,
  CI_TIMINGS,
  DISPATCH_DELAY,
} from './ci/base';

/**
 * Simulated CI. Every branch push and every PR opened/synchronized/reopened gets a check suite
 * with check runs `ci/build` and `ci/test` (queued → in_progress → completed) and a commit
 * status `ci`; the conclusion is `failure` when the commit's tree has `.sandbox/ci-fail` or its
 * message contains `[ci fail]`. Workflows under `.github/workflows/` whose `on:` matches the
 * event get workflow runs; each job of the workflow file becomes a check run (named after the
 * job) in the run's check suite, with steps, logs and failures as `failRules` describes;
 * `workflow_dispatch` creates runs on demand.
 *
 * One layer per job, each in its own file under `ci/`: base (timers, store), commitChecks,
 * workflowFiles, runViews (serialization, webhooks), jobs, workflowRuns; this last layer
 * reacts to pushes, pull requests and check re-requests.
 */
export class CiSimulator extends WorkflowRuns {
  #limiter = new Limiter(3);

  start() {
    this.svc.events.on('push', (e: PushEvent, rec: RepoRecord) => {
      if (!e.ref.startsWith('refs/heads/') || e.after === ZERO_SHA) return;
      this.onCommit(
        rec,
        e.after,
        e.ref.slice('refs/heads/'.length),
        'push',
        e.pusher,
        e.before,
      ).catch(err =>
        this.svc.ctx.logger.warn('github ci failed', { error: String(err) }),
      );
    });
    this.svc.events.on('pull', (p: PullRecord, action: string) => {
      if (!['opened', 'synchronize', 'reopened'].includes(action)) return;
      const rec = this.svc.repo(p.owner, p.repo);
      if (rec)
        this.onCommit(
          rec,
          p.head_sha,
          p.head,
          'pull_request',
          p.user,
          null,
        ).catch(err =>
          this.svc.ctx.logger.warn('github ci failed', { error: String(err) }),
        );
    });
    this.svc.events.on('rerequest', (rec: RepoRecord, sha: string) => {
      this.runChecks(rec, sha, null, true).catch(err =>
        this.svc.ctx.logger.warn('github ci re-request failed', {
          error: String(err),
        }),
      );
    });
    // resume runs that were in flight when the sandbox stopped
    for (const run of this.svc.data.runs.filter(
      r =>
        r.status !== 'completed' &&
        r.app === S.SANDBOX_APP.slug &&
        CI_CHECKS.includes(r.name),
    )) {
      const rec = this.svc.repo(run.owner, run.repo);
      if (rec) this.finishLater(rec, run.head_sha, run.id, CI_TIMINGS.start);
    }
    for (const wr of this.svc.data.workflowRuns.filter(
      r => r.status !== 'completed',
    )) {
      this.scheduleWorkflowRun(wr);
    }
  }

  /** CI for one commit; at most 3 commits are processed at a time (bulk pushes stay cheap). */
  onCommit(...args: Parameters<CiSimulator['onCommitNow']>): Promise<void> {
    return this.#limiter.run(() => this.onCommitNow(...args));
  }

  private async onCommitNow(
    rec: RepoRecord,
    sha: string,
    branch: string,
    event: string,
    actor: string,
    before: string | null,
  ) {
    const existing = this.svc.data.suites.find(
      s =>
        s.owner === rec.owner &&
        s.repo === rec.name &&
        s.head_sha === sha &&
        s.app === S.SANDBOX_APP.slug,
    );
    this.prune();
    // one tree listing and one commit read decide everything (cheap under bulk pushes)
    const files = await this.svc.ctx.git.listFiles(rec.owner, rec.name, sha);
    if (!existing) {
      this.svc.createSuite(
        rec.owner,
        rec.name,
        sha,
        branch,
        S.SANDBOX_APP.slug,
        before,
      );
      const c = await this.svc.commitInfo(rec.owner, rec.name, sha);
      const fail =
        files.includes(CI_FAIL_MARKER) || /\[ci fail\]/i.test(c?.message ?? '');
      await this.runChecks(rec, sha, branch, false, fail);
    }
    if (!files.some(f => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f))) return;
    await this.syncWorkflows(rec);
    // branch filters of `push` apply to the pushed branch (those of pull_request, to the base: not checked)
    const workflows = await this.workflowsFor(
      rec,
      sha,
      event,
      event === 'push' ? branch : null,
    );
    for (const w of workflows) {
      if (
        this.svc.data.workflowRuns.some(
          r =>
            r.workflow_id === w.id && r.head_sha === sha && r.event === event,
        )
      )
        continue;
      await this.createWorkflowRun(rec, w, {
        branch,
        sha,
        event,
        actor,
        inputs: {},
      });
    }
  }
}
