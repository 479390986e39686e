import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitRepos } from '../core/git';
import { parseDiff } from './gitdata/diff';
import { FORMAT, REC, lsTreeEntry, parseCommit, runGit } from './gitdata/run';
import type { CommitInfo, DiffFile, TreeEntry } from './gitdata/types';

export type { CommitInfo, DiffFile, Person, TreeEntry } from './gitdata/types';
export { runGit } from './gitdata/run';

/**
 * Git plumbing queries the REST API needs, run against the bare repositories (`gitdata/`:
 * running git and parsing its output, the files of a diff, the types).
 */
export class GitData {
  constructor(private readonly repos: GitRepos) {}

  dir(owner: string, repo: string) {
    return this.repos.path(owner, repo);
  }

  async run(
    owner: string,
    repo: string,
    args: string[],
    options: Parameters<typeof runGit>[2] = {},
  ) {
    return runGit(this.dir(owner, repo), args, options);
  }

  async objectType(
    owner: string,
    repo: string,
    sha: string,
  ): Promise<string | undefined> {
    const r = await this.run(owner, repo, ['cat-file', '-t', sha]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async commit(
    owner: string,
    repo: string,
    rev: string,
  ): Promise<CommitInfo | undefined> {
    const r = await this.run(owner, repo, [
      'log',
      '-1',
      `--format=${FORMAT}`,
      `${rev}^{commit}`,
      '--',
    ]);
    if (r.code !== 0 || !r.stdout) return undefined;
    return parseCommit(r.stdout.replace(/\n$/, ''));
  }

  async log(
    owner: string,
    repo: string,
    revs: string[],
    options: {
      path?: string;
      max?: number;
      skip?: number;
      reverse?: boolean;
      since?: string;
      until?: string;
      author?: string;
    } = {},
  ): Promise<CommitInfo[]> {
    const args = ['log', `--format=${FORMAT}${REC}`];
    if (options.max !== undefined) args.push(`--max-count=${options.max}`);
    if (options.skip) args.push(`--skip=${options.skip}`);
    if (options.reverse) args.push('--reverse');
    if (options.since) args.push(`--since=${options.since}`);
    if (options.until) args.push(`--until=${options.until}`);
    if (options.author) args.push(`--author=${options.author}`);
    args.push(...revs, '--');
    if (options.path) args.push(options.path);
    const r = await this.run(owner, repo, args);
    if (r.code !== 0) return [];
    return r.stdout
      .split(REC)
      .map(s => s.replace(/^\n/, ''))
      .filter(s => s.trim())
      .map(parseCommit);
  }

  async tree(
    owner: string,
    repo: string,
    treeish: string,
    recursive = false,
    dirPath = '',
  ): Promise<TreeEntry[] | undefined> {
    const spec = dirPath
      ? `${treeish}:${dirPath.replace(/^\/+|\/+$/g, '')}`
      : treeish;
    const r = await this.run(owner, repo, [
      'ls-tree',
      '-l',
      '-z',
      ...(recursive ? ['-r', '-t'] : []),
      spec,
    ]);
    if (r.code !== 0) return undefined;
    return r.stdout
      .split('\0')
      .filter(Boolean)
      .map(line => {
        const [meta, p] = line.split('\t');
        return lsTreeEntry(meta, p);
      });
  }

  /** The object at `path` in `rev`: blob/tree sha, type and mode. */
  async entry(
    owner: string,
    repo: string,
    rev: string,
    p: string,
  ): Promise<TreeEntry | undefined> {
    const clean = p.replace(/^\/+|\/+$/g, '');
    if (!clean) {
      const c = await this.commit(owner, repo, rev);
      return c
        ? { mode: '040000', type: 'tree', sha: c.tree, path: '' }
        : undefined;
    }
    const r = await this.run(owner, repo, [
      'ls-tree',
      '-l',
      '-z',
      rev,
      '--',
      clean,
    ]);
    if (r.code !== 0 || !r.stdout) return undefined;
    const [meta, got] = r.stdout.split('\0')[0].split('\t');
    if (got !== clean) return undefined;
    return lsTreeEntry(meta, clean);
  }

  async blob(
    owner: string,
    repo: string,
    sha: string,
  ): Promise<Buffer | undefined> {
    const r = await this.run(owner, repo, ['cat-file', 'blob', sha]);
    return r.code === 0 ? r.raw : undefined;
  }

  async writeBlob(
    owner: string,
    repo: string,
    content: Buffer,
  ): Promise<string> {
    const r = await this.run(owner, repo, ['hash-object', '-w', '--stdin'], {
      input: content,
    });
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  }

  async mktree(
    owner: string,
    repo: string,
    entries: Array<{ mode: string; type: string; sha: string; path: string }>,
  ): Promise<string> {
    const input =
      entries.map(e => `${e.mode} ${e.type} ${e.sha}\t${e.path}`).join('\0') +
      (entries.length ? '\0' : '');
    const r = await this.run(owner, repo, ['mktree', '-z', '--missing'], {
      input,
    });
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  }

  /**
   * Builds a tree from `baseTree` (or empty) with nested path changes; `sha: null` deletes.
   * Uses a temporary index so nested paths work like GitHub's POST /git/trees.
   */
  async buildTree(
    owner: string,
    repo: string,
    baseTree: string | undefined,
    changes: Array<{
      path: string;
      mode: string;
      type: string;
      sha: string | null;
    }>,
  ): Promise<string> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-gh-index-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      await this.mustRun(
        owner,
        repo,
        baseTree ? ['read-tree', baseTree] : ['read-tree', '--empty'],
        env,
      );
      for (const c of changes) {
        const p = c.path.replace(/^\/+/, '');
        if (c.sha === null) {
          // deleting a file or a whole directory
          const ls = await this.run(owner, repo, ['ls-files', '-z', '--', p], {
            env,
          });
          // `--force-remove` needs a work tree; mode 0 through --index-info works in a bare repo
          const files = ls.stdout.split('\0').filter(Boolean);
          if (files.length) {
            await this.mustRun(
              owner,
              repo,
              ['update-index', '-z', '--index-info'],
              env,
              files.map(f => `0 ${'0'.repeat(40)}\t${f}\0`).join(''),
            );
          }
        } else if (c.type === 'tree') {
          await this.mustRun(
            owner,
            repo,
            ['read-tree', `--prefix=${p}/`, c.sha],
            env,
          );
        } else {
          await this.mustRun(
            owner,
            repo,
            ['update-index', '--add', '--cacheinfo', `${c.mode},${c.sha},${p}`],
            env,
          );
        }
      }
      const r = await this.mustRun(
        owner,
        repo,
        ['write-tree', '--missing-ok'],
        env,
      );
      return r.trim();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  private async mustRun(
    owner: string,
    repo: string,
    args: string[],
    env?: Record<string, string>,
    input?: string,
  ) {
    const r = await this.run(owner, repo, args, { env, input });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  async commitTree(
    owner: string,
    repo: string,
    tree: string,
    parents: string[],
    message: string,
    author: { name: string; email: string; date?: string },
    committer?: { name: string; email: string; date?: string },
  ): Promise<string> {
    const c = committer ?? author;
    const d = (x?: string) =>
      `${Math.floor((x ? new Date(x) : new Date()).getTime() / 1000)} +0000`;
    const out = await this.run(
      owner,
      repo,
      ['commit-tree', tree, ...parents.flatMap(p => ['-p', p]), '-F', '-'],
      {
        input: message,
        env: {
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          GIT_AUTHOR_DATE: d(author.date),
          GIT_COMMITTER_NAME: c.name,
          GIT_COMMITTER_EMAIL: c.email,
          GIT_COMMITTER_DATE: d(c.date),
        },
      },
    );
    if (out.code !== 0) throw new Error(out.stderr);
    return out.stdout.trim();
  }

  async isAncestor(
    owner: string,
    repo: string,
    ancestor: string,
    descendant: string,
  ): Promise<boolean> {
    const r = await this.run(owner, repo, [
      'merge-base',
      '--is-ancestor',
      ancestor,
      descendant,
    ]);
    return r.code === 0;
  }

  async mergeBase(
    owner: string,
    repo: string,
    a: string,
    b: string,
  ): Promise<string | undefined> {
    const r = await this.run(owner, repo, ['merge-base', a, b]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async aheadBehind(
    owner: string,
    repo: string,
    base: string,
    head: string,
  ): Promise<{ ahead: number; behind: number }> {
    const r = await this.run(owner, repo, [
      'rev-list',
      '--left-right',
      '--count',
      `${base}...${head}`,
    ]);
    const [behind, ahead] = r.stdout.trim().split(/\s+/).map(Number);
    return { ahead: ahead || 0, behind: behind || 0 };
  }

  /** Three-way merge of two commits without a worktree; `tree` undefined on conflicts. */
  async mergeTree(
    owner: string,
    repo: string,
    a: string,
    b: string,
  ): Promise<{ tree?: string; conflicts: boolean }> {
    const r = await this.run(owner, repo, [
      'merge-tree',
      '--write-tree',
      '--allow-unrelated-histories',
      a,
      b,
    ]);
    if (r.code === 0)
      return { tree: r.stdout.split('\n')[0].trim(), conflicts: false };
    return { conflicts: true };
  }

  /** Replays `commits` (oldest first) onto `onto`, like a rebase; undefined on conflict. */
  async replay(
    owner: string,
    repo: string,
    onto: string,
    commits: CommitInfo[],
    committer: { name: string; email: string },
  ): Promise<string | undefined> {
    let current = onto;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-gh-rebase-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      for (const c of commits) {
        await this.mustRun(owner, repo, ['read-tree', current], env);
        const parent = c.parents[0];
        const diff = await this.run(
          owner,
          repo,
          parent
            ? ['diff-tree', '-p', '--binary', '--full-index', parent, c.sha]
            : ['diff-tree', '-p', '--binary', '--full-index', '--root', c.sha],
        );
        if (diff.stdout.trim()) {
          const applied = await this.run(
            owner,
            repo,
            ['apply', '--cached', '-3'],
            { env, input: diff.raw },
          );
          if (applied.code !== 0) return undefined;
        }
        const tree = (
          await this.mustRun(owner, repo, ['write-tree'], env)
        ).trim();
        current = await this.commitTree(
          owner,
          repo,
          tree,
          [current],
          c.message,
          c.author,
          { ...committer },
        );
      }
      return current;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  async diff(
    owner: string,
    repo: string,
    base: string,
    head: string,
  ): Promise<DiffFile[]> {
    const ns = await this.run(owner, repo, [
      'diff',
      '--raw',
      '-z',
      '-M',
      '--abbrev=40',
      base,
      head,
    ]);
    const num = await this.run(owner, repo, [
      'diff',
      '--numstat',
      '-z',
      '-M',
      base,
      head,
    ]);
    const patch = await this.run(owner, repo, [
      'diff',
      '-M',
      '--full-index',
      base,
      head,
    ]);
    if (ns.code !== 0) return [];
    return parseDiff(ns.stdout, num.stdout, patch.stdout);
  }
}
