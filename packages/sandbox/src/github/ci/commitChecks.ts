import * as S from '../serialize';
import type { RepoRecord } from '../state';
import { CiBase, CI_CHECKS, CI_FAIL_MARKER, CI_TIMINGS } from './base';

/**
 * The sandbox's own commit checks: check runs `ci/build` and `ci/test` (queued → in_progress →
 * completed) in a `sandbox-ci` suite, and the commit status `ci`; they fail when the commit
 * asks to (`.sandbox/ci-fail` in its tree or `[ci fail]` in its message).
 */
export class CommitChecks extends CiBase {
  /** Whether the commit asks CI to fail. */
  async shouldFail(owner: string, repo: string, sha: string): Promise<boolean> {
    const c = await this.svc.commitInfo(owner, repo, sha);
    if (c && /\[ci fail\]/i.test(c.message)) return true;
    return !!(await this.svc.git.entry(owner, repo, sha, CI_FAIL_MARKER));
  }

  async runChecks(
    rec: RepoRecord,
    sha: string,
    branch: string | null,
    rerun: boolean,
    knownFail?: boolean,
  ) {
    const fail = knownFail ?? (await this.shouldFail(rec.owner, rec.name, sha));
    const u = this.svc.urls();
    for (const name of CI_CHECKS) {
      const run = this.svc.createRun(
        rec.owner,
        rec.name,
        {
          name,
          head_sha: sha,
          status: 'queued',
          started_at: undefined,
          details_url: `${u.base}/${rec.owner}/${rec.name}/actions`,
          output: {
            title: 'Queued',
            summary: rerun ? 'Re-run requested' : 'Waiting for a runner',
            text: null,
          },
        },
        S.SANDBOX_APP.slug,
        branch,
      );
      run.started_at = null;
      this.finishLater(rec, sha, run.id, CI_TIMINGS.start, fail);
    }
    this.svc.addStatus(rec.owner, rec.name, sha, 'luffy-bot', {
      state: 'pending',
      context: 'ci',
      description: 'Sandbox CI is running',
      target_url: `${u.base}/${rec.owner}/${rec.name}/actions`,
    });
  }

  protected finishLater(
    rec: RepoRecord,
    sha: string,
    runId: number,
    startIn: number,
    failHint?: boolean,
  ) {
    this.later(() => {
      const run = this.svc.data.runs.find(r => r.id === runId);
      if (!run || run.status === 'completed') return;
      this.svc.updateRun(run, {
        status: 'in_progress',
        started_at: this.svc.now(),
        output: {
          title: 'Running',
          summary: `${run.name} is running`,
          text: null,
        },
      });
    }, startIn);
    const total =
      this.svc.data.runs.find(r => r.id === runId)?.name === 'ci/test'
        ? CI_TIMINGS.test
        : CI_TIMINGS.build;
    this.later(async () => {
      const run = this.svc.data.runs.find(r => r.id === runId);
      if (!run || run.status === 'completed') return;
      const fail =
        failHint ?? (await this.shouldFail(rec.owner, rec.name, sha));
      this.svc.updateRun(run, {
        conclusion: fail ? 'failure' : 'success',
        output: fail
          ? {
              title: `${run.name} failed`,
              summary: `The commit asks CI to fail (${CI_FAIL_MARKER} or [ci fail]).`,
              text: 'Error: simulated failure',
            }
          : {
              title: `${run.name} passed`,
              summary: 'All steps passed.',
              text: null,
            },
      });
      const runs = this.svc
        .latestRuns(rec.owner, rec.name, sha)
        .filter(r => CI_CHECKS.includes(r.name));
      if (runs.every(r => r.status === 'completed')) {
        const failed = runs.some(r => r.conclusion !== 'success');
        this.svc.addStatus(rec.owner, rec.name, sha, 'luffy-bot', {
          state: failed ? 'failure' : 'success',
          context: 'ci',
          description: failed ? 'Sandbox CI failed' : 'Sandbox CI passed',
          target_url: `${this.svc.urls().base}/${rec.owner}/${
            rec.name
          }/actions`,
        });
      }
    }, total);
  }
}
