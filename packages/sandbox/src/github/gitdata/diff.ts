import { firstOf } from '../util';
import type { DiffFile } from './types';

/**
 * The files of a diff as GitHub's compare and pull request files list them, from three
 * `git diff` outputs of the same range: `--raw -z -M --abbrev=40` (status, names, blob sha),
 * `--numstat -z -M` (additions and deletions) and `-M --full-index` (each file's `patch`,
 * from its first hunk header).
 */
export function parseDiff(
  raw: string,
  numstat: string,
  patch: string,
): DiffFile[] {
  // --raw -z: ":<mode> <mode> <sha> <sha> <status>\0<path>\0[<path2>\0]"
  const parts = raw.split('\0');
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
  const nparts = numstat.split('\0');
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
  const chunks = patch.split(/^diff --git /m).slice(1);
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
