import { execFile } from 'node:child_process';
import { firstOf } from './util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitRepos } from '../core/git';

/** Git plumbing queries the REST API needs, run against the bare repositories. */

export type Person = { name: string; email: string; date: string };
export type CommitInfo = {
  sha: string;
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
};
export type TreeEntry = {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
  path: string;
};
export type DiffFile = {
  filename: string;
  previous_filename?: string;
  status:
    | 'added'
    | 'removed'
    | 'modified'
    | 'renamed'
    | 'copied'
    | 'changed'
    | 'unchanged';
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
  sha: string;
};

export function runGit(
  dir: string,
  args: string[],
  options: {
    input?: string | Buffer;
    env?: Record<string, string>;
    buffer?: boolean;
  } = {},
): Promise<{ code: number; stdout: string; stderr: string; raw: Buffer }> {
  return new Promise(resolve => {
    const child = execFile(
      'git',
      ['--git-dir', dir, ...args],
      {
        env: { ...process.env, ...options.env },
        maxBuffer: 128 * 1024 * 1024,
        encoding: 'buffer',
      },
      (err, stdout, stderr) => {
        const raw = stdout as unknown as Buffer;
        resolve({
          code: firstOf(
            [
              [!err, 0],
              [typeof (err as any)?.code === 'number', (err as any)?.code],
            ],
            1,
          ),
          stdout: raw.toString('utf8'),
          stderr: String(stderr),
          raw,
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

const SEP = '\x1f';
const REC = '\x1e';
const FORMAT = [
  '%H',
  '%T',
  '%P',
  '%an',
  '%ae',
  '%aI',
  '%cn',
  '%ce',
  '%cI',
  '%B',
].join(SEP);

function parseCommit(chunk: string): CommitInfo {
  const [sha, tree, parents, an, ae, ad, cn, ce, cd, ...msg] = chunk.split(SEP);
  return {
    sha,
    tree,
    parents: parents ? parents.split(' ') : [],
    author: { name: an, email: ae, date: iso(ad) },
    committer: { name: cn, email: ce, date: iso(cd) },
    message: msg.join(SEP).replace(/\n+$/, ''),
  };
}

/** One `git ls-tree -l` entry: `meta` is "mode type sha size" (size `-` for trees). */
function lsTreeEntry(meta: string, entryPath: string): TreeEntry {
  const [mode, type, sha, size] = meta.trim().split(/\s+/);
  return {
    mode,
    type: type as TreeEntry['type'],
    sha,
    size: size === '-' ? undefined : Number(size),
    path: entryPath,
  };
}

function iso(d: string) {
  const t = new Date(d);
  return Number.isNaN(t.getTime())
    ? d
    : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

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
    // --raw -z: ":<mode> <mode> <sha> <sha> <status>\0<path>\0[<path2>\0]"
    const parts = ns.stdout.split('\0');
    const files: DiffFile[] = [];
    for (let i = 0; i < parts.length; ) {
      const meta = parts[i++];
      if (!meta?.startsWith(':')) continue;
      const [, , , dstSha, status] = meta.slice(1).split(' ');
      const letter = status[0];
      if (letter === 'R' || letter === 'C') {
        const from = parts[i++];
        const to = parts[i++];
        files.push({
          filename: to,
          previous_filename: from,
          status: letter === 'R' ? 'renamed' : 'copied',
          additions: 0,
          deletions: 0,
          changes: 0,
          sha: dstSha,
        });
      } else {
        const p = parts[i++];
        files.push({
          filename: p,
          status: firstOf<DiffFile['status']>(
            [
              [letter === 'A', 'added'],
              [letter === 'D', 'removed'],
              [letter === 'M', 'modified'],
            ],
            'changed',
          ),
          additions: 0,
          deletions: 0,
          changes: 0,
          sha: letter === 'D' ? meta.slice(1).split(' ')[2] : dstSha,
        });
      }
    }
    // numstat -z: "<add>\t<del>\t<path>\0" or "<add>\t<del>\t\0<from>\0<to>\0"
    const nparts = num.stdout.split('\0');
    for (let i = 0; i < nparts.length; ) {
      const line = nparts[i++];
      if (!line) continue;
      const [a, d, p] = line.split('\t');
      let name = p;
      if (!p) {
        i++;
        name = nparts[i++];
      }
      const f = files.find(x => x.filename === name);
      if (f) {
        f.additions = a === '-' ? 0 : Number(a);
        f.deletions = d === '-' ? 0 : Number(d);
        f.changes = f.additions + f.deletions;
      }
    }
    // split the unified diff per file; GitHub's `patch` starts at the first hunk header
    const chunks = patch.stdout.split(/^diff --git /m).slice(1);
    for (const chunk of chunks) {
      const lines = chunk.split('\n');
      const plus = lines.find(l => l.startsWith('+++ '));
      const minus = lines.find(l => l.startsWith('--- '));
      const renameTo = lines.find(l => l.startsWith('rename to '));
      let name = renameTo?.slice('rename to '.length);
      if (!name && plus && plus !== '+++ /dev/null') name = plus.slice(6);
      if (!name && minus) name = minus.slice(6);
      const f = files.find(x => x.filename === name);
      const hunk = lines.findIndex(l => l.startsWith('@@'));
      if (f && hunk >= 0) {
        f.patch = lines.slice(hunk).join('\n').replace(/\n$/, '');
      }
    }
    return files;
  }
}
