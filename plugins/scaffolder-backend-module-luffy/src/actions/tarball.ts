import crypto from 'node:crypto';
import zlib from 'node:zlib';

/**
 * Reads a repository archive as GitHub's tarball endpoint serves it (`git archive` output,
 * gzipped ustar with pax headers): the files by path (the top folder `<owner>-<repo>-<sha>/`
 * removed) and the commit id `git archive` records in the pax global header
 * (what `git get-tar-commit-id` prints).
 *
 * `treeSha` is that commit's tree, hashed the way git does from the archived files and modes,
 * so a commit on top needs no tree read. It is left out when the archive may not be the
 * whole tree: a `.gitattributes` (export-ignore / export-subst change what is archived) or
 * an empty folder (a submodule).
 */
export function readRepoTarball(archive: ArrayBuffer | Buffer | Uint8Array): {
  files: Map<string, string>;
  commitSha?: string;
  treeSha?: string;
} {
  const buf = zlib.gunzipSync(Buffer.from(archive as ArrayBuffer));
  const files = new Map<string, string>();
  let commitSha: string | undefined;
  let paxPath: string | undefined;
  let paxLink: string | undefined;
  // git objects of the archive: blobs by path (mode, sha) and the folders seen
  const blobs = new Map<string, { mode: string; sha: Buffer }>();
  const folders = new Set<string>();
  const text = (start: number, length: number) => {
    const b = buf.subarray(start, start + length);
    const end = b.indexOf(0);
    return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
  };
  const pax = (body: Buffer) => {
    const records: Record<string, string> = {};
    let i = 0;
    while (i < body.length) {
      const space = body.indexOf(0x20, i);
      if (space < 0) break;
      const len = Number(body.subarray(i, space).toString('ascii'));
      if (!Number.isInteger(len) || len <= 0) break;
      const record = body.subarray(space + 1, i + len - 1).toString('utf8');
      const eq = record.indexOf('=');
      if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
      i += len;
    }
    return records;
  };
  for (let off = 0; off + 512 <= buf.length; ) {
    if (buf.subarray(off, off + 512).every(b => b === 0)) break;
    const name = text(off, 100);
    const size = parseInt(text(off + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(buf[off + 156] || 0x30);
    const prefix =
      buf.subarray(off + 257, off + 262).toString('ascii') === 'ustar'
        ? text(off + 345, 155)
        : '';
    const body = buf.subarray(off + 512, off + 512 + size);
    const header = off;
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'g') {
      const comment = pax(body).comment;
      if (comment && /^[0-9a-f]{40}$/.test(comment)) commitSha = comment;
      continue;
    }
    if (type === 'x') {
      const records = pax(body);
      paxPath = records.path;
      paxLink = records.linkpath;
      continue;
    }
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    const link = paxLink ?? text(header + 157, 100);
    paxPath = undefined;
    paxLink = undefined;
    const path = full.replace(/\/+$/, '').split('/').slice(1).join('/');
    if (!path) continue;
    if (type === '5') {
      folders.add(path);
      continue;
    }
    if (type === '2') {
      blobs.set(path, { mode: '120000', sha: gitObjectSha('blob', Buffer.from(link, 'utf8')) });
      continue;
    }
    if (type !== '0' && type !== '\0') continue;
    files.set(path, body.toString('utf8'));
    const mode = parseInt(text(header + 100, 8).trim() || '0', 8);
    blobs.set(path, { mode: mode & 0o111 ? '100755' : '100644', sha: gitObjectSha('blob', body) });
  }
  return { files, commitSha, ...(commitSha ? { treeSha: treeShaOf(blobs, folders) } : {}) };
}

function gitObjectSha(type: 'blob' | 'tree', body: Buffer): Buffer {
  return crypto
    .createHash('sha1')
    .update(`${type} ${body.length}\0`)
    .update(body)
    .digest();
}

/** The git tree sha of blobs by path, or undefined when the archive may not be the whole tree. */
function treeShaOf(
  blobs: Map<string, { mode: string; sha: Buffer }>,
  folders: Set<string>,
): string | undefined {
  if (!blobs.size) return undefined;
  const children = new Map<string, Map<string, { mode: string; sha?: Buffer }>>([['', new Map()]]);
  const folderOf = (dir: string): Map<string, { mode: string; sha?: Buffer }> => {
    let m = children.get(dir);
    if (!m) {
      m = new Map();
      children.set(dir, m);
      const cut = dir.lastIndexOf('/');
      folderOf(cut < 0 ? '' : dir.slice(0, cut)).set(dir.slice(cut + 1), { mode: '40000' });
    }
    return m;
  };
  for (const [path, blob] of blobs) {
    if (path.split('/').pop() === '.gitattributes') return undefined;
    const cut = path.lastIndexOf('/');
    folderOf(cut < 0 ? '' : path.slice(0, cut)).set(path.slice(cut + 1), blob);
  }
  // a folder without files is a submodule (git has no empty trees): its commit is not in the archive
  for (const f of folders) if (!children.has(f)) return undefined;
  const hash = (dir: string): Buffer => {
    const entries = [...children.get(dir)!].map(([name, e]) => ({
      name,
      mode: e.mode,
      sha: e.sha ?? hash(dir ? `${dir}/${name}` : name),
    }));
    // git orders entries by name, a folder's name compared as if it ended in "/"
    const key = (e: { name: string; mode: string }) =>
      Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name, 'utf8');
    entries.sort((a, b) => Buffer.compare(key(a), key(b)));
    return gitObjectSha(
      'tree',
      Buffer.concat(entries.flatMap(e => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), e.sha])),
    );
  };
  return hash('').toString('hex');
}
