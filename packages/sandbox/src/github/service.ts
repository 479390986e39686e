import { EventEmitter } from 'node:events';
import { firstOf } from './util';
import type { SandboxContext } from '../core/context';
import { ZERO_SHA, type PushEvent } from '../core/git';
import { GitData, type CommitInfo } from './gitdata';
import { GhError, notFound } from './errors';
import * as S from './serialize';
import {
  emptyData,
  repoKey,
  type Account,
  type AccountType,
  type CheckRunRecord,
  type CheckSuiteRecord,
  type GithubData,
  type PullRecord,
  type RepoRecord,
} from './state';

export type Viewer = Account | undefined;

/**
 * The GitHub family's domain service: metadata state, permissions, pull-request logic,
 * checks/statuses, and the internal events the CI simulator and webhook dispatcher use.
 * Other parts of the sandbox and tests get it with `getGithubService(ctx)`.
 */
export class GithubService {
  data: GithubData = emptyData();
  readonly git: GitData;
  /** Internal events: `webhook` ({owner, repo?, event, payload}), `pull` (PullRecord, action). */
  readonly events = new EventEmitter();
  /** Base URL (scheme://host:port) the family is reachable at; learnt from requests too. */
  baseUrl: string;
  #mergeable = new Map<string, { key: string; mergeable: boolean }>();

  constructor(readonly ctx: SandboxContext) {
    this.git = new GitData(ctx.git);
    this.baseUrl = 'http://127.0.0.1:18083';
    this.events.setMaxListeners(0);
  }

  urls(): S.Urls {
    const base = this.ctx.urls?.github || this.baseUrl;
    return { base, api: `${base}/api/v3` };
  }

  now() {
    return this.ctx.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  nextId() {
    this.data.seq += 1;
    return this.data.seq;
  }

  // ---------------------------------------------------------------- accounts & tokens

  account(login: string | undefined): Account | undefined {
    return login ? this.data.accounts[login.toLowerCase()] : undefined;
  }

  mustAccount(login: string): Account {
    const a = this.account(login);
    if (!a) throw notFound();
    return a;
  }

  /** The organization `login`; 404 when there is none (or it is a user). */
  mustOrg(login: string): Account {
    const a = this.account(login);
    if (!a || a.type !== 'Organization') throw notFound();
    return a;
  }

  ensureAccount(
    login: string,
    type: AccountType,
    extra: Partial<Account> = {},
  ): Account {
    const existing = this.account(login);
    if (existing) return existing;
    const a: Account = {
      id: this.nextId(),
      login,
      type,
      name: extra.name ?? null,
      email:
        extra.email ??
        (type === 'Organization'
          ? null
          : `${login}@users.noreply.sandbox.local`),
      created_at: this.now(),
      ...(type === 'Organization' ? { members: {} } : {}),
      ...extra,
    };
    this.data.accounts[login.toLowerCase()] = a;
    return a;
  }

  /** Static tokens from ctx.tokens, extra ones from OAuth or `issueToken`. */
  userForToken(token: string): Account | undefined {
    const t = this.ctx.tokens;
    const statics: Record<string, string> = {
      [t.githubBot]: 'luffy-bot',
      [t.githubAlice]: 'alice',
      'sandbox-guest-token': 'guest',
    };
    const login = Object.hasOwn(statics, token)
      ? statics[token]
      : this.data.tokens[token];
    if (!login) return undefined;
    return this.ensureAccount(login, login === 'luffy-bot' ? 'Bot' : 'User');
  }

  issueToken(login: string, prefix = 'gho_'): string {
    const token = `${prefix}sandbox${Math.random()
      .toString(36)
      .slice(2)}${Date.now().toString(36)}`;
    this.data.tokens[token] = login;
    return token;
  }

  /** Maps a commit author to an account (noreply address, account email or login as name). */
  accountForEmail(email: string, name: string): Account | undefined {
    const lower = email.toLowerCase();
    for (const a of Object.values(this.data.accounts)) {
      if (a.type === 'Organization') continue;
      if (a.email?.toLowerCase() === lower) return a;
      if (lower === `${a.login.toLowerCase()}@users.noreply.sandbox.local`)
        return a;
    }
    return this.account(name);
  }

  gitAuthor(a: Account) {
    return {
      name: a.name ?? a.login,
      email: a.email ?? `${a.login}@users.noreply.sandbox.local`,
    };
  }

  isMember(org: Account, login: string | undefined) {
    return !!login && !!org.members?.[login];
  }

  // ---------------------------------------------------------------- repositories

  /** The repo record; adopts bare repos created directly through ctx.git (e.g. by seeds). */
  repo(owner: string, name: string): RepoRecord | undefined {
    const clean = name.replace(/\.git$/, '');
    const r = this.data.repos[repoKey(owner, clean)];
    if (r) return r;
    let exists = false;
    try {
      exists = this.ctx.git.exists(owner, clean);
    } catch {
      return undefined;
    }
    if (!exists) return undefined;
    const acct = this.ensureAccount(owner, 'Organization');
    return this.addRepoRecord(acct.login, clean, {});
  }

  addRepoRecord(
    owner: string,
    name: string,
    opts: Partial<RepoRecord>,
  ): RepoRecord {
    const now = this.now();
    const rec: RepoRecord = {
      id: this.nextId(),
      owner,
      name,
      private: false,
      visibility: 'public',
      description: null,
      homepage: null,
      default_branch: 'main',
      topics: [],
      archived: false,
      allow_merge_commit: true,
      allow_squash_merge: true,
      allow_rebase_merge: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      has_issues: true,
      has_wiki: true,
      has_projects: true,
      created_at: now,
      updated_at: now,
      pushed_at: null,
      next_number: 1,
      ...opts,
    };
    if (opts.private !== undefined && !opts.visibility)
      rec.visibility = opts.private ? 'private' : 'public';
    if (opts.visibility) rec.private = opts.visibility !== 'public';
    this.data.repos[repoKey(owner, name)] = rec;
    return rec;
  }

  async createRepo(
    owner: Account,
    name: string,
    opts: Partial<RepoRecord> & { auto_init?: boolean },
    creator: Account,
  ): Promise<RepoRecord> {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new GhError(422, 'Repository creation failed.', {
        errors: [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name is invalid',
          },
        ],
      });
    }
    if (
      this.data.repos[repoKey(owner.login, name)] ||
      this.ctx.git.exists(owner.login, name)
    ) {
      throw new GhError(422, 'Repository creation failed.', {
        errors: [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name already exists on this account',
          },
        ],
      });
    }
    const { auto_init, ...rest } = opts;
    await this.ctx.git.create(owner.login, name, {
      defaultBranch: rest.default_branch ?? 'main',
    });
    const rec = this.addRepoRecord(owner.login, name, rest);
    if (auto_init) {
      await this.ctx.git.commitFiles(owner.login, name, {
        branch: rec.default_branch,
        message: 'Initial commit',
        author: this.gitAuthor(creator),
        files: {
          'README.md': `# ${name}\n${
            rec.description ? `\n${rec.description}\n` : ''
          }`,
        },
        pusher: creator.login,
      });
    }
    return rec;
  }

  async deleteRepo(rec: RepoRecord) {
    delete this.data.repos[repoKey(rec.owner, rec.name)];
    const same = (x: { owner: string; repo?: string }) =>
      x.owner === rec.owner && x.repo === rec.name;
    this.data.pulls = this.data.pulls.filter(x => !same(x));
    this.data.reviews = this.data.reviews.filter(x => !same(x));
    this.data.comments = this.data.comments.filter(x => !same(x));
    this.data.suites = this.data.suites.filter(x => !same(x));
    this.data.runs = this.data.runs.filter(x => !same(x));
    this.data.statuses = this.data.statuses.filter(x => !same(x));
    this.data.workflows = this.data.workflows.filter(x => !same(x));
    this.data.workflowRuns = this.data.workflowRuns.filter(x => !same(x));
    this.data.hooks = this.data.hooks.filter(x => !same(x));
    this.data.environments = this.data.environments.filter(x => !same(x));
    for (const k of Object.keys(this.data.protections)) {
      if (k.startsWith(`${rec.owner}/${rec.name}:`))
        delete this.data.protections[k];
    }
    await this.ctx.git.remove(rec.owner, rec.name);
  }

  permissions(rec: RepoRecord, viewer: Viewer) {
    const owner = this.account(rec.owner);
    const login = viewer?.login;
    const admin =
      !!login &&
      (login.toLowerCase() === rec.owner.toLowerCase() ||
        owner?.members?.[login] === 'admin');
    const push = admin || (!!owner && this.isMember(owner, login));
    return { admin, push, pull: push || !rec.private };
  }

  /** The repo if the viewer may read it; 404 otherwise (GitHub hides private repos). */
  readable(owner: string, name: string, viewer: Viewer): RepoRecord {
    const rec = this.repo(owner, name);
    if (!rec || !this.permissions(rec, viewer).pull) throw notFound();
    return rec;
  }

  writable(
    owner: string,
    name: string,
    viewer: Viewer,
    level: 'push' | 'admin' = 'push',
  ): RepoRecord {
    const rec = this.readable(owner, name, viewer);
    if (!viewer) throw new GhError(401, 'Requires authentication');
    const p = this.permissions(rec, viewer);
    if (!p[level]) {
      throw new GhError(
        403,
        level === 'admin'
          ? 'Must have admin rights to Repository.'
          : 'Resource not accessible by personal access token',
      );
    }
    return rec;
  }

  serializeRepo(rec: RepoRecord, viewer?: Viewer) {
    const owner = this.ensureAccount(rec.owner, 'Organization');
    const open = this.data.pulls.filter(
      p => p.owner === rec.owner && p.repo === rec.name && p.state === 'open',
    ).length;
    return S.repository(
      this.urls(),
      rec,
      owner,
      viewer === undefined ? undefined : this.permissions(rec, viewer),
      { openIssues: open },
    );
  }

  reposOf(owner: string) {
    return Object.values(this.data.repos).filter(
      r => r.owner.toLowerCase() === owner.toLowerCase(),
    );
  }

  simpleUser(login: string) {
    const a = this.ensureAccount(login, 'User');
    return S.simpleUser(this.urls(), a);
  }

  // ---------------------------------------------------------------- pulls

  pulls(owner: string, repo: string) {
    return this.data.pulls.filter(p => p.owner === owner && p.repo === repo);
  }

  pull(rec: RepoRecord, number: number): PullRecord {
    const p = this.data.pulls.find(
      x => x.owner === rec.owner && x.repo === rec.name && x.number === number,
    );
    if (!p) throw notFound();
    return p;
  }

  /** Refreshes head/base shas of an open PR from git. */
  async refreshPull(p: PullRecord) {
    if (p.state !== 'open') return;
    const head = await this.ctx.git.resolve(
      p.owner,
      p.repo,
      `refs/heads/${p.head}`,
    );
    const base = await this.ctx.git.resolve(
      p.owner,
      p.repo,
      `refs/heads/${p.base}`,
    );
    if (head) p.head_sha = head;
    if (base) p.base_sha = base;
  }

  async mergeable(p: PullRecord): Promise<boolean> {
    const key = `${p.base_sha}..${p.head_sha}`;
    const cached = this.#mergeable.get(`${p.owner}/${p.repo}#${p.number}`);
    if (cached?.key === key) return cached.mergeable;
    const m = await this.git.mergeTree(p.owner, p.repo, p.base_sha, p.head_sha);
    this.#mergeable.set(`${p.owner}/${p.repo}#${p.number}`, {
      key,
      mergeable: !m.conflicts,
    });
    return !m.conflicts;
  }

  /** Latest non-comment review per reviewer (GitHub's reviewDecision inputs). */
  latestReviews(p: PullRecord) {
    const byUser = new Map<string, (typeof this.data.reviews)[number]>();
    for (const r of this.data.reviews.filter(
      x => x.owner === p.owner && x.repo === p.repo && x.number === p.number,
    )) {
      if (r.state === 'PENDING') continue;
      if (r.state === 'COMMENTED' && byUser.has(r.user)) continue;
      byUser.set(r.user, r);
    }
    return [...byUser.values()];
  }

  reviewDecision(
    p: PullRecord,
  ): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
    const latest = this.latestReviews(p);
    if (latest.some(r => r.state === 'CHANGES_REQUESTED'))
      return 'CHANGES_REQUESTED';
    const approvals = latest.filter(r => r.state === 'APPROVED').length;
    const prot = this.protection(p.owner, p.repo, p.base);
    const required =
      prot?.required_pull_request_reviews?.required_approving_review_count ?? 0;
    if (approvals > 0 && approvals >= required) return 'APPROVED';
    if (prot?.required_pull_request_reviews) return 'REVIEW_REQUIRED';
    return approvals > 0 ? 'APPROVED' : null;
  }

  protection(owner: string, repo: string, branch: string): any | undefined {
    return this.data.protections[`${owner}/${repo}:${branch}`];
  }

  /** Combined state of check runs and statuses at a sha: success | failure | pending | null. */
  rollup(owner: string, repo: string, sha: string) {
    const runs = this.latestRuns(owner, repo, sha);
    const statuses = this.latestStatuses(owner, repo, sha);
    const states: string[] = [];
    for (const r of runs) {
      if (r.status !== 'completed') states.push('PENDING');
      else if (['success', 'neutral', 'skipped'].includes(r.conclusion ?? ''))
        states.push('SUCCESS');
      else if (r.conclusion === 'action_required') states.push('PENDING');
      else states.push('FAILURE');
    }
    for (const s of statuses) states.push(s.state.toUpperCase());
    let state: 'SUCCESS' | 'FAILURE' | 'PENDING' | 'ERROR' | null = null;
    if (states.length) {
      state = firstOf<'ERROR' | 'FAILURE' | 'PENDING' | 'SUCCESS'>(
        [
          [states.includes('ERROR'), 'ERROR'],
          [states.includes('FAILURE'), 'FAILURE'],
          [states.includes('PENDING'), 'PENDING'],
        ],
        'SUCCESS',
      );
    }
    return { state, runs, statuses };
  }

  latestRuns(owner: string, repo: string, sha: string): CheckRunRecord[] {
    const byName = new Map<string, CheckRunRecord>();
    for (const r of this.data.runs) {
      if (r.owner === owner && r.repo === repo && r.head_sha === sha)
        byName.set(r.name, r);
    }
    return [...byName.values()];
  }

  latestStatuses(owner: string, repo: string, sha: string) {
    const byCtx = new Map<string, (typeof this.data.statuses)[number]>();
    for (const s of this.data.statuses) {
      if (s.owner === owner && s.repo === repo && s.sha === sha)
        byCtx.set(s.context, s);
    }
    return [...byCtx.values()];
  }

  /** GitHub's mergeable_state for an open PR. */
  async mergeableState(p: PullRecord, rec: RepoRecord): Promise<string> {
    if (p.state !== 'open') return 'unknown';
    if (!(await this.mergeable(p))) return 'dirty';
    if (p.draft) return 'draft';
    const blocked = this.blockedReason(p);
    if (blocked) return 'blocked';
    const { behind } = await this.git.aheadBehind(
      p.owner,
      p.repo,
      p.base_sha,
      p.head_sha,
    );
    const prot = this.protection(rec.owner, rec.name, p.base);
    if (behind > 0 && prot?.required_status_checks?.strict) return 'behind';
    const roll = this.rollup(p.owner, p.repo, p.head_sha);
    if (
      roll.state === 'FAILURE' ||
      roll.state === 'ERROR' ||
      roll.state === 'PENDING'
    )
      return 'unstable';
    return 'clean';
  }

  /** Why branch protection blocks merging, or undefined. */
  blockedReason(p: PullRecord): string | undefined {
    const prot = this.protection(p.owner, p.repo, p.base);
    if (!prot) return undefined;
    const need =
      prot.required_pull_request_reviews?.required_approving_review_count;
    if (prot.required_pull_request_reviews) {
      const latest = this.latestReviews(p);
      if (latest.some(r => r.state === 'CHANGES_REQUESTED'))
        return 'Changes requested.';
      const approvals = latest.filter(r => r.state === 'APPROVED').length;
      const n = need ?? 1;
      if (approvals < n) {
        return `At least ${n} approving review${
          n === 1 ? ' is' : 's are'
        } required by reviewers with write access.`;
      }
    }
    const contexts: string[] =
      prot.required_status_checks?.contexts ??
      prot.required_status_checks?.checks?.map((c: any) => c.context) ??
      [];
    if (contexts.length) {
      const roll = this.rollup(p.owner, p.repo, p.head_sha);
      for (const c of contexts) {
        const run = roll.runs.find(r => r.name === c);
        const st = roll.statuses.find(s => s.context === c);
        const ok =
          (run &&
            run.status === 'completed' &&
            ['success', 'neutral', 'skipped'].includes(run.conclusion ?? '')) ||
          st?.state === 'success';
        if (!ok)
          return `Required status check "${c}" is ${
            run || st ? 'failing or pending' : 'expected'
          }.`;
      }
    }
    return undefined;
  }

  async createPull(
    rec: RepoRecord,
    user: Account,
    input: {
      title: string;
      body?: string | null;
      head: string;
      base: string;
      draft?: boolean;
    },
  ): Promise<PullRecord> {
    const head = input.head.includes(':')
      ? input.head.split(':')[1]
      : input.head;
    const headSha = await this.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${head}`,
    );
    const baseSha = await this.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${input.base}`,
    );
    const errors: any[] = [];
    if (!headSha)
      errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
    if (!baseSha)
      errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    if (errors.length) throw new GhError(422, 'Validation Failed', { errors });
    if (
      this.pulls(rec.owner, rec.name).some(
        p => p.state === 'open' && p.head === head && p.base === input.base,
      )
    ) {
      throw new GhError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${rec.owner}:${head}.`,
          },
        ],
      });
    }
    if (
      headSha === baseSha ||
      (await this.git.isAncestor(rec.owner, rec.name, headSha!, baseSha!))
    ) {
      throw new GhError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${input.base} and ${head}`,
          },
        ],
      });
    }
    // checked again after the awaits above: two concurrent creations must not both succeed
    if (
      this.pulls(rec.owner, rec.name).some(
        x => x.state === 'open' && x.head === head && x.base === input.base,
      )
    ) {
      throw new GhError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${rec.owner}:${head}.`,
          },
        ],
      });
    }
    const now = this.now();
    const p: PullRecord = {
      id: this.nextId(),
      owner: rec.owner,
      repo: rec.name,
      number: rec.next_number++,
      title: input.title,
      body: input.body ?? null,
      state: 'open',
      draft: !!input.draft,
      user: user.login,
      head,
      head_sha: headSha!,
      base: input.base,
      base_sha: baseSha!,
      maintainer_can_modify: false,
      labels: [],
      created_at: now,
      updated_at: now,
      closed_at: null,
      merged_at: null,
      merged_by: null,
      merge_commit_sha: null,
    };
    this.data.pulls.push(p);
    this.events.emit('pull', p, 'opened', user);
    return p;
  }

  /** Merges a PR with merge|squash|rebase, producing real commits and moving the base ref. */
  async mergePull(
    rec: RepoRecord,
    p: PullRecord,
    user: Account,
    opts: {
      merge_method?: string;
      commit_title?: string;
      commit_message?: string;
      sha?: string;
    },
  ): Promise<{ sha: string; message: string }> {
    await this.refreshPull(p);
    if (p.state !== 'open')
      throw new GhError(405, 'Pull Request is not mergeable');
    if (opts.sha && opts.sha !== p.head_sha) {
      throw new GhError(
        409,
        'Head branch was modified. Review and try the merge again.',
      );
    }
    const method = opts.merge_method ?? 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method)) {
      throw new GhError(422, 'Validation Failed', {
        errors: [
          { resource: 'PullRequest', field: 'merge_method', code: 'invalid' },
        ],
      });
    }
    const allowed = {
      merge: rec.allow_merge_commit,
      squash: rec.allow_squash_merge,
      rebase: rec.allow_rebase_merge,
    }[method as 'merge' | 'squash' | 'rebase'];
    if (!allowed)
      throw new GhError(
        405,
        `${method[0].toUpperCase()}${method.slice(
          1,
        )} merges are not allowed on this repository.`,
      );
    if (p.draft) throw new GhError(405, 'Pull Request is still a draft');
    const blocked = this.blockedReason(p);
    if (blocked)
      throw new GhError(405, `Repository rule violations found\n\n${blocked}`);
    if (this.protection(p.owner, p.repo, p.base)?.required_status_checks?.strict) {
      const { behind } = await this.git.aheadBehind(p.owner, p.repo, p.base_sha, p.head_sha);
      if (behind > 0) {
        throw new GhError(405, 'Head branch is out of date. Review and try the merge again.');
      }
    }
    const merged = await this.git.mergeTree(
      p.owner,
      p.repo,
      p.base_sha,
      p.head_sha,
    );
    if (merged.conflicts || !merged.tree)
      throw new GhError(405, 'Pull Request is not mergeable');
    const author = this.gitAuthor(user);
    const committer = { name: 'GitHub', email: 'noreply@github.com' };
    let sha: string;
    const commits = await this.git.log(
      p.owner,
      p.repo,
      [`${p.base_sha}..${p.head_sha}`],
      { reverse: true },
    );
    if (method === 'merge') {
      const title =
        opts.commit_title ??
        `Merge pull request #${p.number} from ${p.owner}/${p.head}`;
      const message = opts.commit_message ?? p.title;
      sha = await this.git.commitTree(
        p.owner,
        p.repo,
        merged.tree,
        [p.base_sha, p.head_sha],
        `${title}\n\n${message}`,
        author,
        committer,
      );
    } else if (method === 'squash') {
      const title = opts.commit_title ?? `${p.title} (#${p.number})`;
      const message =
        opts.commit_message ?? commits.map(c => `* ${c.message}`).join('\n\n');
      const prAuthor = this.account(p.user);
      sha = await this.git.commitTree(
        p.owner,
        p.repo,
        merged.tree,
        [p.base_sha],
        message ? `${title}\n\n${message}` : title,
        prAuthor ? this.gitAuthor(prAuthor) : author,
        committer,
      );
    } else {
      const replayed = await this.git.replay(
        p.owner,
        p.repo,
        p.base_sha,
        commits.filter(c => c.parents.length <= 1),
        committer,
      );
      if (!replayed) throw new GhError(405, "This branch can't be rebased");
      sha = replayed;
    }
    await this.ctx.git.updateRef(
      p.owner,
      p.repo,
      `refs/heads/${p.base}`,
      sha,
      p.base_sha,
      user.login,
    );
    const now = this.now();
    p.state = 'closed';
    p.merged_at = now;
    p.closed_at = now;
    p.updated_at = now;
    p.merged_by = user.login;
    p.merge_commit_sha = sha;
    this.events.emit('pull', p, 'closed', user);
    if (rec.delete_branch_on_merge)
      await this.ctx.git.deleteRef(
        p.owner,
        p.repo,
        `refs/heads/${p.head}`,
        user.login,
      );
    return { sha, message: 'Pull Request successfully merged' };
  }

  pullMinimal(p: PullRecord): S.Schemas['pull-request-minimal'] {
    const u = this.urls();
    const rec = this.repo(p.owner, p.repo)!;
    const side = (ref: string, sha: string) => ({
      ref,
      sha,
      repo: {
        id: rec.id,
        url: `${u.api}/repos/${p.owner}/${p.repo}`,
        name: p.repo,
      },
    });
    return {
      id: p.id,
      number: p.number,
      url: `${u.api}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
      head: side(p.head, p.head_sha),
      base: side(p.base, p.base_sha),
    };
  }

  openPullsForSha(owner: string, repo: string, sha: string) {
    return this.data.pulls.filter(
      p =>
        p.owner === owner &&
        p.repo === repo &&
        p.state === 'open' &&
        p.head_sha === sha,
    );
  }

  // ---------------------------------------------------------------- checks

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
      .catch(() => undefined);
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

  // ---------------------------------------------------------------- webhooks & pushes

  /** Queues a webhook event; the dispatcher adds repository/sender/organization. */
  emitWebhook(
    owner: string,
    repo: string | undefined,
    event: string,
    payload: Record<string, unknown>,
    sender?: string,
  ) {
    this.events.emit('webhook', { owner, repo, event, payload, sender });
  }

  async onPush(e: PushEvent) {
    const rec = this.repo(e.owner, e.repo);
    if (!rec) return;
    if (e.ref.startsWith('refs/heads/') && e.after !== ZERO_SHA) {
      rec.pushed_at = this.now();
      rec.updated_at = rec.pushed_at;
    }
    const branch = e.ref.replace(/^refs\/heads\//, '');
    // keep open PRs in step with their branches
    for (const p of this.pulls(rec.owner, rec.name).filter(
      x => x.state === 'open',
    )) {
      if (p.head === branch) {
        if (e.after === ZERO_SHA) continue;
        if (p.head_sha !== e.after) {
          p.head_sha = e.after;
          p.updated_at = this.now();
          this.events.emit('pull', p, 'synchronize', this.account(e.pusher));
        }
      }
      if (p.base === branch && e.after !== ZERO_SHA) {
        p.base_sha = e.after;
        // a PR whose head is now contained in its base was merged by a push
        if (await this.git.isAncestor(p.owner, p.repo, p.head_sha, e.after)) {
          const now = this.now();
          p.state = 'closed';
          p.merged_at = now;
          p.closed_at = now;
          p.merged_by = this.account(e.pusher)?.login ?? null;
          p.merge_commit_sha = e.after;
          this.events.emit('pull', p, 'closed', this.account(e.pusher));
        }
      }
    }
    this.events.emit('push', e, rec);
  }

  async commitInfo(
    owner: string,
    repo: string,
    rev: string,
  ): Promise<CommitInfo | undefined> {
    return this.git.commit(owner, repo, rev);
  }
}

const services = new WeakMap<SandboxContext, GithubService>();

/** The GitHub family's service for this sandbox (created on first use). */
export function getGithubService(ctx: SandboxContext): GithubService {
  let s = services.get(ctx);
  if (!s) {
    s = new GithubService(ctx);
    services.set(ctx, s);
  }
  return s;
}
