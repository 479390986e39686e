import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';

const run = promisify(execFile);

export type GitAuthor = { name: string; email: string; date?: Date };

/** A ref update that reached a repository (git push over HTTP or a commit made by the API). */
export type PushEvent = {
  owner: string;
  repo: string;
  ref: string; // refs/heads/main
  before: string; // 40 zeros when created
  after: string; // 40 zeros when deleted
  pusher: string;
};

export const ZERO_SHA = '0'.repeat(40);

/**
 * Real bare git repositories on disk, one per `owner/repo`, driven with git's own CLI (no
 * worktrees: commits are written with plumbing into a temporary index). Shared by the GitHub
 * family (REST contents/git data, smart HTTP) and the Argo CD controller (reads manifests).
 * Emits `push` ({@link PushEvent}) after every ref change it makes or is told about.
 */
export class GitRepos extends EventEmitter {
  readonly root: string;

  constructor(root: string) {
    super();
    this.root = root;
    fs.mkdirSync(root, { recursive: true });
  }

  path(owner: string, repo: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(owner) || !/^[A-Za-z0-9._-]+$/.test(repo)) {
      throw new Error(`invalid repository name ${owner}/${repo}`);
    }
    return path.join(this.root, owner, `${repo}.git`);
  }

  exists(owner: string, repo: string): boolean {
    return fs.existsSync(path.join(this.path(owner, repo), 'HEAD'));
  }

  async git(
    owner: string,
    repo: string,
    args: string[],
    options: { input?: string | Buffer; env?: Record<string, string> } = {},
  ): Promise<string> {
    return gitIn(this.path(owner, repo), args, options);
  }

  async create(
    owner: string,
    repo: string,
    options: { defaultBranch?: string } = {},
  ) {
    const dir = this.path(owner, repo);
    fs.mkdirSync(dir, { recursive: true });
    await gitIn(dir, [
      'init',
      '--bare',
      '-q',
      '-b',
      options.defaultBranch ?? 'main',
    ]);
    await gitIn(dir, ['config', 'http.receivepack', 'true']);
    await gitIn(dir, ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
  }

  async remove(owner: string, repo: string) {
    fs.rmSync(this.path(owner, repo), { recursive: true, force: true });
  }

  async defaultBranch(owner: string, repo: string): Promise<string> {
    const head = await this.git(owner, repo, ['symbolic-ref', 'HEAD']);
    return head.trim().replace(/^refs\/heads\//, '');
  }

  /** The commit sha a ref, branch, tag or sha names; undefined when it does not exist. */
  async resolve(
    owner: string,
    repo: string,
    rev: string,
  ): Promise<string | undefined> {
    try {
      const out = await this.git(owner, repo, [
        'rev-parse',
        '--verify',
        '--quiet',
        `${rev}^{commit}`,
      ]);
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async refs(
    owner: string,
    repo: string,
    prefix = 'refs/',
  ): Promise<Array<{ ref: string; sha: string }>> {
    const out = await this.git(owner, repo, [
      'for-each-ref',
      '--format=%(refname) %(objectname)',
      prefix,
    ]);
    return out
      .split('\n')
      .filter(Boolean)
      .map(l => {
        const [ref, sha] = l.split(' ');
        return { ref, sha };
      });
  }

  /** File content at `rev`, or undefined when the path is not a file there. */
  async readFile(
    owner: string,
    repo: string,
    rev: string,
    filePath: string,
  ): Promise<Buffer | undefined> {
    try {
      const { stdout } = await run(
        'git',
        [
          '--git-dir',
          this.path(owner, repo),
          'show',
          `${rev}:${filePath.replace(/^\/+/, '')}`,
        ],
        {
          encoding: 'buffer',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return stdout as unknown as Buffer;
    } catch {
      return undefined;
    }
  }

  /** Every file path (recursive) under `dir` at `rev`. */
  async listFiles(
    owner: string,
    repo: string,
    rev: string,
    dir = '',
  ): Promise<string[]> {
    const clean = dir.replace(/^\/+|\/+$/g, '');
    try {
      const out = await this.git(owner, repo, [
        'ls-tree',
        '-r',
        '--name-only',
        rev,
        ...(clean ? ['--', `${clean}/`] : []),
      ]);
      return out.split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /**
   * Writes a commit on `branch` (created from `base` when missing) that sets or deletes files,
   * without a worktree. Returns the new commit sha and emits `push`.
   */
  async commitFiles(
    owner: string,
    repo: string,
    options: {
      branch: string;
      base?: string;
      message: string;
      author: GitAuthor;
      committer?: GitAuthor;
      files: Record<string, string | Buffer | null>;
      pusher?: string;
    },
  ): Promise<string> {
    const ref = `refs/heads/${options.branch}`;
    const before = (await this.resolve(owner, repo, ref)) ?? ZERO_SHA;
    let parent: string | undefined = before;
    if (before === ZERO_SHA) {
      parent = options.base
        ? await this.resolve(owner, repo, options.base)
        : undefined;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-index-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      if (parent) await this.git(owner, repo, ['read-tree', parent], { env });
      else await this.git(owner, repo, ['read-tree', '--empty'], { env });
      for (const [file, content] of Object.entries(options.files)) {
        const p = file.replace(/^\/+/, '');
        if (content === null) {
          // `--force-remove` needs a work tree; mode 0 through --index-info works in a bare repo
          await this.git(owner, repo, ['update-index', '--index-info'], {
            env,
            input: `0 ${ZERO_SHA}\t${p}\n`,
          });
        } else {
          const blob = (
            await this.git(owner, repo, ['hash-object', '-w', '--stdin'], {
              input: content,
            })
          ).trim();
          await this.git(
            owner,
            repo,
            ['update-index', '--add', '--cacheinfo', `100644,${blob},${p}`],
            { env },
          );
        }
      }
      const tree = (
        await this.git(owner, repo, ['write-tree'], { env })
      ).trim();
      const a = options.author;
      const c = options.committer ?? a;
      const date = (d?: Date) =>
        `${Math.floor((d ?? new Date()).getTime() / 1000)} +0000`;
      const sha = (
        await this.git(
          owner,
          repo,
          ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'],
          {
            input: options.message,
            env: {
              GIT_AUTHOR_NAME: a.name,
              GIT_AUTHOR_EMAIL: a.email,
              GIT_AUTHOR_DATE: date(a.date),
              GIT_COMMITTER_NAME: c.name,
              GIT_COMMITTER_EMAIL: c.email,
              GIT_COMMITTER_DATE: date(c.date),
            },
          },
        )
      ).trim();
      await this.updateRef(
        owner,
        repo,
        ref,
        sha,
        before === ZERO_SHA ? undefined : before,
        options.pusher ?? a.name,
      );
      return sha;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Moves a ref (compare-and-swap on `expectedOld` when given) and emits `push`. */
  async updateRef(
    owner: string,
    repo: string,
    ref: string,
    sha: string,
    expectedOld?: string,
    pusher = 'sandbox',
  ) {
    const before = (await this.resolve(owner, repo, ref)) ?? ZERO_SHA;
    await this.git(owner, repo, [
      'update-ref',
      ref,
      sha,
      ...(expectedOld ? [expectedOld] : []),
    ]);
    this.notifyPush({ owner, repo, ref, before, after: sha, pusher });
  }

  async deleteRef(
    owner: string,
    repo: string,
    ref: string,
    pusher = 'sandbox',
  ) {
    const before = await this.resolve(owner, repo, ref);
    if (!before) return false;
    await this.git(owner, repo, ['update-ref', '-d', ref]);
    this.notifyPush({ owner, repo, ref, before, after: ZERO_SHA, pusher });
    return true;
  }

  notifyPush(event: PushEvent) {
    this.emit('push', event);
  }
}

async function gitIn(
  dir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['--git-dir', dir, ...args],
      { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`),
          );
        else resolve(String(stdout));
      },
    );
    if (options.input !== undefined) {
      child.stdin?.end(options.input);
    }
  });
}
