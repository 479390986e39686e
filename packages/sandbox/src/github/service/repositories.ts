import { GhError, notFound } from '../errors';
import * as S from '../serialize';
import { repoKey, type Account, type RepoRecord } from '../state';
import type { Viewer } from './base';
import { AccountsService } from './accounts';

/** Repositories: records, creation/deletion, permissions and serialization. */
export class RepositoriesService extends AccountsService {
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
}
