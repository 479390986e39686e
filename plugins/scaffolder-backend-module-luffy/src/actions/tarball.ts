import zlib from 'node:zlib';

/**
 * Reads a repository archive as GitHub's tarball endpoint serves it (`git archive` output,
 * gzipped ustar with pax headers): the files by path (the top folder `<owner>-<repo>-<sha>/`
 * removed) and the commit id `git archive` records in the pax global header
 * (what `git get-tar-commit-id` prints).
 */
export function readRepoTarball(archive: ArrayBuffer | Buffer | Uint8Array): {
  files: Map<string, string>;
  commitSha?: string;
} {
  const buf = zlib.gunzipSync(Buffer.from(archive as ArrayBuffer));
  const files = new Map<string, string>();
  let commitSha: string | undefined;
  let paxPath: string | undefined;
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
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'g') {
      const comment = pax(body).comment;
      if (comment && /^[0-9a-f]{40}$/.test(comment)) commitSha = comment;
      continue;
    }
    if (type === 'x') {
      paxPath = pax(body).path;
      continue;
    }
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = undefined;
    if (type !== '0' && type !== '\0') continue;
    const path = full.split('/').slice(1).join('/');
    if (path) files.set(path, body.toString('utf8'));
  }
  return { files, commitSha };
}
