import * as S from '../serialize';
import type { CheckRunRecord, CheckSuiteRecord } from '../state';
import { PullsService } from './pulls';

/** Checks: suites, runs and commit statuses (and their webhooks). */
export class ChecksService extends PullsService {
  createSuite(
    owner: string,
    repo: string,
    sha: string,
    branch: string | null,
    app: string,
    before: string | null = null,
  ): CheckSuiteRecord {
    const now = this.now();
    const s: CheckSuiteRecord = {
      id: this.nextId(),
      owner,
      repo,
      head_sha: sha,
      head_branch: branch,
      before,
      after: sha,
      status: 'queued',
      conclusion: null,
      app,
      created_at: now,
      updated_at: now,
    };
    this.data.suites.push(s);
    this.git
      .commit(owner, repo, sha)
      .then(c => {
        if (c)
          s.head_commit = {
            tree: c.tree,
            message: c.message,
            timestamp: c.committer.date,
            author: { name: c.author.name, email: c.author.email },
            committer: { name: c.committer.name, email: c.committer.email },
          };
      })
      .catch(err =>
        this.ctx.logger.warn('github check suite head commit unreadable', {
          repository: `${owner}/${repo}`,
          sha,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    return s;
  }

  suiteFor(
    owner: string,
    repo: string,
    sha: string,
    app: string,
    branch: string | null,
  ) {
    return (
      this.data.suites.find(
        s =>
          s.owner === owner &&
          s.repo === repo &&
          s.head_sha === sha &&
          s.app === app,
      ) ?? this.createSuite(owner, repo, sha, branch, app)
    );
  }

  /** Recomputes a suite's status/conclusion from its runs. */
  updateSuite(s: CheckSuiteRecord) {
    const runs = this.data.runs.filter(r => r.suite_id === s.id);
    const before = `${s.status}/${s.conclusion}`;
    if (runs.length === 0) return;
    if (runs.every(r => r.status === 'completed')) {
      s.status = 'completed';
      const cs = runs.map(r => r.conclusion);
      s.conclusion =
        ['failure', 'cancelled', 'timed_out', 'action_required'].find(c =>
          cs.includes(c),
        ) ?? 'success';
    } else if (
      runs.some(r => r.status === 'in_progress' || r.status === 'completed')
    ) {
      s.status = 'in_progress';
      s.conclusion = null;
    } else {
      s.status = 'queued';
      s.conclusion = null;
    }
    s.updated_at = this.now();
    if (`${s.status}/${s.conclusion}` !== before) {
      const action = s.status === 'completed' ? 'completed' : null;
      if (action)
        this.emitWebhook(s.owner, s.repo, 'check_suite', {
          action,
          check_suite: this.serializeSuite(s),
        });
    }
  }

  serializeSuite(s: CheckSuiteRecord) {
    const rec = this.repo(s.owner, s.repo)!;
    const owner = this.account(s.owner)!;
    const runs = this.data.runs.filter(r => r.suite_id === s.id).length;
    return S.checkSuite(
      this.urls(),
      s,
      this.serializeRepo(rec),
      owner,
      undefined,
      runs,
      this.openPullsForSha(s.owner, s.repo, s.head_sha).map(p =>
        this.pullMinimal(p),
      ),
    );
  }

  serializeRun(r: CheckRunRecord) {
    const owner = this.account(r.owner)!;
    return S.checkRun(
      this.urls(),
      r,
      owner,
      this.openPullsForSha(r.owner, r.repo, r.head_sha).map(p =>
        this.pullMinimal(p),
      ),
    );
  }

  createRun(
    owner: string,
    repo: string,
    input: Partial<CheckRunRecord> & { name: string; head_sha: string },
    app = S.SANDBOX_APP.slug,
    branch: string | null = null,
  ): CheckRunRecord {
    const suite = this.suiteFor(owner, repo, input.head_sha, app, branch);
    const now = this.now();
    const run: CheckRunRecord = {
      id: this.nextId(),
      suite_id: suite.id,
      owner,
      repo,
      head_sha: input.head_sha,
      name: input.name,
      status: input.conclusion ? 'completed' : input.status ?? 'queued',
      conclusion: input.conclusion ?? null,
      started_at: input.started_at ?? now,
      completed_at: input.conclusion ? input.completed_at ?? now : null,
      external_id: input.external_id ?? null,
      details_url: input.details_url ?? null,
      output: {
        title: null,
        summary: null,
        text: null,
        ...(input.output ?? {}),
      },
      app,
    };
    this.data.runs.push(run);
    this.emitWebhook(owner, repo, 'check_run', {
      action: 'created',
      check_run: this.serializeRun(run),
    });
    this.updateSuite(suite);
    return run;
  }

  updateRun(run: CheckRunRecord, input: Partial<CheckRunRecord>) {
    const wasCompleted = run.status === 'completed';
    if (input.name) run.name = input.name;
    if (input.details_url !== undefined) run.details_url = input.details_url;
    if (input.external_id !== undefined) run.external_id = input.external_id;
    if (input.output) run.output = { ...run.output, ...input.output };
    if (input.status) run.status = input.status;
    if (input.started_at) run.started_at = input.started_at;
    if (input.conclusion) {
      run.conclusion = input.conclusion;
      run.status = 'completed';
    }
    if (run.status === 'completed' && !run.completed_at)
      run.completed_at = input.completed_at ?? this.now();
    const action =
      run.status === 'completed' && !wasCompleted ? 'completed' : 'created';
    if (action === 'completed')
      this.emitWebhook(run.owner, run.repo, 'check_run', {
        action,
        check_run: this.serializeRun(run),
      });
    const suite = this.data.suites.find(s => s.id === run.suite_id);
    if (suite) this.updateSuite(suite);
  }

  addStatus(
    owner: string,
    repo: string,
    sha: string,
    creator: string,
    input: {
      state: any;
      context?: string;
      description?: string | null;
      target_url?: string | null;
    },
  ) {
    const now = this.now();
    const s = {
      id: this.nextId(),
      owner,
      repo,
      sha,
      state: input.state,
      context: input.context ?? 'default',
      description: input.description ?? null,
      target_url: input.target_url ?? null,
      creator,
      created_at: now,
      updated_at: now,
    };
    this.data.statuses.push(s);
    this.emitWebhook(owner, repo, 'status', {
      id: s.id,
      sha,
      name: `${owner}/${repo}`,
      state: s.state,
      context: s.context,
      description: s.description,
      target_url: s.target_url,
      created_at: now,
      updated_at: now,
    });
    return s;
  }
}
