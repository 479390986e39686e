import { Limiter } from './util';
import type { GithubService } from './service';
import type { PushEvent } from '../core/git';
import { ZERO_SHA } from '../core/git';
import * as S from './serialize';
import type {
  CheckRunRecord,
  PullRecord,
  RepoRecord,
  RunRecord,
  WorkflowRecord,
} from './state';
import { getActionsStore, type JobRecord } from './actions-store';
import { Deployments } from './deployments';
import {
  evalEnvironment,
  evalIf,
  failingStep,
  failRules,
  parseWorkflow,
  triggeredBy,
  type WorkflowFile,
} from './workflow-file';

/** Simulated seconds of each CI phase. */
export const CI_TIMINGS = { start: 2_000, build: 8_000, test: 12_000 };
export const CI_CHECKS = ['ci/build', 'ci/test'];
export const CI_FAIL_MARKER = '.sandbox/ci-fail';
/** Simulated time a workflow job runs. */
const JOB_MS = CI_TIMINGS.test - CI_TIMINGS.start;
/** Simulated time before a dispatched workflow run appears (GitHub creates it asynchronously). */
export const DISPATCH_DELAY = 1_000;

/**
 * Simulated CI. Every branch push and every PR opened/synchronized/reopened gets a check suite
 * with check runs `ci/build` and `ci/test` (queued → in_progress → completed) and a commit
 * status `ci`; the conclusion is `failure` when the commit's tree has `.sandbox/ci-fail` or its
 * message contains `[ci fail]`. Workflows under `.github/workflows/` whose `on:` matches the
 * event get workflow runs; each job of the workflow file becomes a check run (named after the
 * job) in the run's check suite, with steps, logs and failures as `failRules` describes;
 * `workflow_dispatch` creates runs on demand.
 */
export class CiSimulator {
  #timers = new Set<NodeJS.Timeout>();
  #runTimers = new Map<number, NodeJS.Timeout[]>();
  #limiter = new Limiter(3);
  readonly store;
  readonly deployments: Deployments;

  constructor(private readonly svc: GithubService) {
    this.store = getActionsStore(svc);
    this.deployments = new Deployments(svc, this.store);
  }

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
    if (this.store.data.jobs.length > limit)
      this.store.prune(new Set(d.workflowRuns.map(r => r.id)));
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
      const name = parseWorkflow(text)?.name ?? f;
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

  /** The workflow file of `w` as it is at `sha` (undefined when missing or invalid). */
  async workflowFile(
    owner: string,
    repo: string,
    sha: string,
    w: WorkflowRecord,
  ): Promise<WorkflowFile | undefined> {
    const text = (
      await this.svc.ctx.git.readFile(owner, repo, sha, w.path)
    )?.toString('utf8');
    return text === undefined ? undefined : parseWorkflow(text);
  }

  private async workflowsFor(
    rec: RepoRecord,
    sha: string,
    event: string,
    branch: string | null,
  ): Promise<WorkflowRecord[]> {
    const out: WorkflowRecord[] = [];
    for (const w of this.svc.data.workflows.filter(
      x => x.owner === rec.owner && x.repo === rec.name && x.state === 'active',
    )) {
      const wf = await this.workflowFile(rec.owner, rec.name, sha, w);
      if (wf && triggeredBy(wf, event, branch)) out.push(w);
    }
    return out;
  }

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

  /**
   * A new attempt of `run`: a new check suite on the head commit and, for each job (or each job
   * of `only` and the jobs that need them), a queued job whose id is that of its check run.
   */
  private async createAttempt(run: RunRecord, only: Set<string> | null) {
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
      const stepNames = ['Set up job', ...spec.steps.map(s => s.name), 'Complete job'];
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

  private emitJob(j: JobRecord, action: string) {
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

  private timer(run: RunRecord, fn: () => void | Promise<void>, ms: number) {
    const t = this.later(fn, ms);
    const list = this.#runTimers.get(run.id) ?? [];
    list.push(t);
    this.#runTimers.set(run.id, list);
  }

  private clearTimers(run: RunRecord) {
    for (const t of this.#runTimers.get(run.id) ?? [])
      this.svc.ctx.clock.clear(t);
    this.#runTimers.delete(run.id);
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

  private checkOf(job: JobRecord) {
    return this.svc.data.runs.find(r => r.id === job.id);
  }

  /** Starts the jobs whose needs are met, skips those whose needs failed, completes the run. */
  private advance(run: RunRecord) {
    if (run.status === 'completed' || run.status === 'queued') return;
    const latest = this.jobs(run);
    const byKey = new Map(latest.map(j => [j.key, j]));
    let changed = true;
    while (changed) {
      changed = false;
      for (const j of latest.filter(x => x.status === 'queued')) {
        const needs = j.needs.map(k => byKey.get(k)).filter(Boolean) as JobRecord[];
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
  private async startWorkflowRunTriggered(run: RunRecord) {
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

  /** Required reviewers of environment `name` of the run's repository (empty when none). */
  reviewersOf(run: { owner: string; repo: string }, name: string) {
    const e = this.svc.data.environments.find(
      x => x.owner === run.owner && x.repo === run.repo && x.name === name,
    );
    return (e?.reviewers ?? []) as Array<{ type: string; id: number }>;
  }

  private startJob(run: RunRecord, j: JobRecord) {
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

  private finishJob(run: RunRecord, j: JobRecord) {
    if (j.status !== 'in_progress') return;
    this.completeJob(j, j.fail_step ? 'failure' : 'success');
    if (j.environment)
      this.deployments.setStatus(j, j.fail_step ? 'failure' : 'success');
    this.advance(run);
  }

  /** Completes a job and its check run; steps after a failure (or of a skipped job) are skipped. */
  private completeJob(j: JobRecord, conclusion: string, beforeSteps = false) {
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
