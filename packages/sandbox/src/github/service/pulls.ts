import { firstOf } from '../util';
import { GhError, notFound } from '../errors';
import type * as S from '../serialize';
import type {
  Account,
  CheckRunRecord,
  PullRecord,
  RepoRecord,
  ReviewRecord,
} from '../state';
import { RepositoriesService } from './repositories';

/** Pull requests: reviews, merge status (protection, rollup of checks and statuses), create and merge. */
export class PullsService extends RepositoriesService {
  #mergeable = new Map<string, { key: string; mergeable: boolean }>();

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

  /**
   * Stores a review of `p` by `user` on `commitId` (submitted now unless PENDING). The REST and
   * GraphQL routes check it first, and emit `review` once its comments are in.
   */
  addReview(
    p: PullRecord,
    user: string,
    state: ReviewRecord['state'],
    body: string,
    commitId: string,
  ): ReviewRecord {
    const rv: ReviewRecord = {
      id: this.nextId(),
      owner: p.owner,
      repo: p.repo,
      number: p.number,
      user,
      state,
      body,
      commit_id: commitId,
      submitted_at: state === 'PENDING' ? null : this.now(),
    };
    this.data.reviews.push(rv);
    return rv;
  }

  /** Where a PR's changes start: the merge base of its base and head (the base when unrelated). */
  async pullMergeBase(p: PullRecord): Promise<string> {
    return (
      (await this.git.mergeBase(p.owner, p.repo, p.base_sha, p.head_sha)) ??
      p.base_sha
    );
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
    if (
      this.protection(p.owner, p.repo, p.base)?.required_status_checks?.strict
    ) {
      const { behind } = await this.git.aheadBehind(
        p.owner,
        p.repo,
        p.base_sha,
        p.head_sha,
      );
      if (behind > 0) {
        throw new GhError(
          405,
          'Head branch is out of date. Review and try the merge again.',
        );
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
}
