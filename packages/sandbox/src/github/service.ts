import type { SandboxContext } from '../core/context';
import { ZERO_SHA, type PushEvent } from '../core/git';
import type { CommitInfo } from './gitdata';
import { ChecksService } from './service/checks';

export type { Viewer } from './service/base';

/**
 * The GitHub family's domain service: metadata state, permissions, pull-request logic,
 * checks/statuses, and the internal events the CI simulator and webhook dispatcher use.
 * Other parts of the sandbox and tests get it with `getGithubService(ctx)`.
 *
 * One layer per job, each in its own file under `service/`: base (state, clock, events),
 * accounts, repositories, pulls, checks; this last layer handles pushes.
 */
export class GithubService extends ChecksService {
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
