import YAML from 'yaml';
import { Limiter } from './util';
import { firstOf } from './util';
import type { GithubService } from './service';
import type { PushEvent } from '../core/git';
import { ZERO_SHA } from '../core/git';
import * as S from './serialize';
import type {
  PullRecord,
  RepoRecord,
  RunRecord,
  WorkflowRecord,
} from './state';

/** Simulated seconds of each CI phase. */
export const CI_TIMINGS = { start: 2_000, build: 8_000, test: 12_000 };
export const CI_CHECKS = ['ci/build', 'ci/test'];
export const CI_FAIL_MARKER = '.sandbox/ci-fail';

/**
 * Simulated CI. Every branch push and every PR opened/synchronized/reopened gets a check suite
 * with check runs `ci/build` and `ci/test` (queued → in_progress → completed) and a commit
 * status `ci`; the conclusion is `failure` when the commit's tree has `.sandbox/ci-fail` or its
 * message contains `[ci fail]`. Workflows under `.github/workflows/` whose `on:` matches the
 * event get workflow runs with the same outcome; `workflow_dispatch` creates runs on demand.
 */
export class CiSimulator {
  #timers = new Set<NodeJS.Timeout>();
  #runTimers = new Map<number, NodeJS.Timeout[]>();
  #limiter = new Limiter(3);

  constructor(private readonly svc: GithubService) {}

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
        ).catch(() => {});
    });
    this.svc.events.on('rerequest', (rec: RepoRecord, sha: string) => {
      const branch = null;
      this.runChecks(rec, sha, branch, true).catch(() => {});
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

  stop() {
    for (const t of this.#timers) this.svc.ctx.clock.clear(t);
    this.#timers.clear();
  }

  private later(fn: () => void | Promise<void>, ms: number) {
    const t = this.svc.ctx.clock.setTimeout(() => {
      this.#timers.delete(t);
      Promise.resolve()
        .then(fn)
        .catch(err =>
          this.svc.ctx.logger.warn('github ci step failed', {
            error: String(err),
          }),
        );
    }, ms);
    this.#timers.add(t);
    return t;
  }

  /** Whether the commit asks CI to fail. */
  async shouldFail(owner: string, repo: string, sha: string): Promise<boolean> {
    const c = await this.svc.commitInfo(owner, repo, sha);
    if (c && /\[ci fail\]/i.test(c.message)) return true;
    return !!(await this.svc.git.entry(owner, repo, sha, CI_FAIL_MARKER));
  }

  /** CI for one commit; at most 3 commits are processed at a time (bulk pushes stay cheap). */
  onCommit(...args: Parameters<CiSimulator['onCommitNow']>): Promise<void> {
    return this.#limiter.run(() => this.onCommitNow(...args));
  }

  /** Keeps the metadata bounded on long-running sandboxes (oldest finished entries go first). */
  prune(limit = 5000) {
    const d = this.svc.data;
    const trim = <T>(list: T[], done: (x: T) => boolean, max: number): T[] => {
      let extra = list.length - max;
      if (extra <= 0) return list;
      return list.filter(x => !(extra > 0 && done(x) && extra-- > 0));
    };
    d.runs = trim(d.runs, r => r.status === 'completed', limit);
    d.statuses = trim(d.statuses, s => s.state !== 'pending', limit);
    d.suites = trim(d.suites, s => s.status === 'completed', limit);
    d.workflowRuns = trim(d.workflowRuns, r => r.status === 'completed', limit / 2);
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
    const workflows = await this.workflowsFor(rec, sha, event);
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

  async runChecks(
    rec: RepoRecord,
    sha: string,
    branch: string | null,
    rerun: boolean,
    knownFail?: boolean,
  ) {
    const fail =
      knownFail ?? (await this.shouldFail(rec.owner, rec.name, sha));
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

  private finishLater(
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

  // ------------------------------------------------------------------ workflows

  /** Adds a workflow record for every file under .github/workflows on the default branch. */
  async syncWorkflows(rec: RepoRecord): Promise<WorkflowRecord[]> {
    const sha = await this.svc.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${rec.default_branch}`,
    );
    const files = sha
      ? await this.svc.ctx.git.listFiles(
          rec.owner,
          rec.name,
          sha,
          '.github/workflows',
        )
      : [];
    for (const f of files.filter(x => /\.ya?ml$/.test(x))) {
      if (
        this.svc.data.workflows.some(
          w => w.owner === rec.owner && w.repo === rec.name && w.path === f,
        )
      )
        continue;
      const text =
        (
          await this.svc.ctx.git.readFile(rec.owner, rec.name, sha!, f)
        )?.toString('utf8') ?? '';
      let name = f;
      try {
        name = (YAML.parse(text)?.name as string) ?? f;
      } catch {
        /* keep the path */
      }
      // re-checked after the awaits: concurrent syncs must not add a workflow twice
      if (
        this.svc.data.workflows.some(
          w => w.owner === rec.owner && w.repo === rec.name && w.path === f,
        )
      )
        continue;
      const now = this.svc.now();
      this.svc.data.workflows.push({
        id: this.svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        path: f,
        name,
        state: 'active',
        created_at: now,
        updated_at: now,
      });
    }
    return this.svc.data.workflows.filter(
      w => w.owner === rec.owner && w.repo === rec.name,
    );
  }

  private async workflowsFor(
    rec: RepoRecord,
    sha: string,
    event: string,
  ): Promise<WorkflowRecord[]> {
    const out: WorkflowRecord[] = [];
    for (const w of this.svc.data.workflows.filter(
      x => x.owner === rec.owner && x.repo === rec.name && x.state === 'active',
    )) {
      const text = (
        await this.svc.ctx.git.readFile(rec.owner, rec.name, sha, w.path)
      )?.toString('utf8');
      if (!text) continue;
      try {
        const doc = YAML.parse(text);
        const on = doc?.on ?? doc?.true; // YAML 1.1 parsers read `on` as true
        const events = firstOf<string[]>(
          [
            [typeof on === 'string', [on]],
            [Array.isArray(on), on],
            [on && typeof on === 'object', Object.keys(on ?? {})],
          ],
          [],
        );
        if (events.includes(event)) out.push(w);
      } catch {
        /* ignore invalid workflow files */
      }
    }
    return out;
  }

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
  ): Promise<RunRecord> {
    const c = await this.svc.commitInfo(rec.owner, rec.name, o.sha);
    const now = this.svc.now();
    const number =
      this.svc.data.workflowRuns.filter(r => r.workflow_id === w.id).length + 1;
    const suite = this.svc.createSuite(
      rec.owner,
      rec.name,
      o.sha,
      o.branch,
      'github-actions',
    );
    const run: RunRecord = {
      id: this.svc.nextId(),
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
      check_suite_id: suite.id,
    };
    this.svc.data.workflowRuns.push(run);
    this.emitRun(run, 'requested');
    this.scheduleWorkflowRun(run);
    return run;
  }

  private emitRun(run: RunRecord, action: string) {
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

  scheduleWorkflowRun(run: RunRecord) {
    const attempt = run.run_attempt;
    const timers = [
      this.later(() => {
        if (run.status !== 'queued' || run.run_attempt !== attempt) return;
        run.status = 'in_progress';
        run.updated_at = this.svc.now();
        this.emitRun(run, 'in_progress');
      }, CI_TIMINGS.start),
      this.later(async () => {
        if (run.status === 'completed' || run.run_attempt !== attempt) return;
        const fail = await this.shouldFail(run.owner, run.repo, run.head_sha);
        run.status = 'completed';
        run.conclusion = fail ? 'failure' : 'success';
        run.updated_at = this.svc.now();
        this.emitRun(run, 'completed');
      }, CI_TIMINGS.test),
    ];
    this.#runTimers.set(run.id, timers);
  }

  cancel(run: RunRecord) {
    for (const t of this.#runTimers.get(run.id) ?? [])
      this.svc.ctx.clock.clear(t);
    run.status = 'completed';
    run.conclusion = 'cancelled';
    run.updated_at = this.svc.now();
    this.emitRun(run, 'completed');
  }

  rerun(run: RunRecord) {
    for (const t of this.#runTimers.get(run.id) ?? [])
      this.svc.ctx.clock.clear(t);
    run.run_attempt += 1;
    run.status = 'queued';
    run.conclusion = null;
    run.updated_at = this.svc.now();
    run.run_started_at = run.updated_at;
    this.emitRun(run, 'requested');
    this.scheduleWorkflowRun(run);
  }
}
