import { execFile } from 'node:child_process';
import { firstOf } from '../util';
import type { CommitInfo, TreeEntry } from './types';

/** Runs git against a bare repository, and parses what its plumbing prints. */

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
export const REC = '\x1e';
export const FORMAT = [
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

export function parseCommit(chunk: string): CommitInfo {
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
export function lsTreeEntry(meta: string, entryPath: string): TreeEntry {
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
