import type { Account } from '../state';
import type { CommitInfo, DiffFile } from '../gitdata';
import { Schemas, Urls, nodeId } from './common';
import { simpleUser } from './users';

export function gitPerson(p: { name: string; email: string; date: string }) {
  return { name: p.name, email: p.email, date: p.date };
}

const unsigned = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

export function gitCommit(
  u: Urls,
  full: string,
  c: CommitInfo,
): Schemas['git-commit'] {
  const url = `${u.api}/repos/${full}/git/commits/${c.sha}`;
  return {
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 7), 16)),
    url,
    html_url: `${u.base}/${full}/commit/${c.sha}`,
    author: gitPerson(c.author),
    committer: gitPerson(c.committer),
    tree: { sha: c.tree, url: `${u.api}/repos/${full}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${u.api}/repos/${full}/git/commits/${p}`,
      html_url: `${u.base}/${full}/commit/${p}`,
    })),
    verification: unsigned,
  };
}

/** A commit as GET /repos/:o/:r/commits returns it; `user` maps an email to an account. */
export function commit(
  u: Urls,
  full: string,
  c: CommitInfo,
  user: (email: string, name: string) => Account | undefined,
  extra: Partial<Schemas['commit']> = {},
): Schemas['commit'] {
  const url = `${u.api}/repos/${full}/commits/${c.sha}`;
  const a = user(c.author.email, c.author.name);
  const cm = user(c.committer.email, c.committer.name);
  return {
    url,
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 7), 16)),
    html_url: `${u.base}/${full}/commit/${c.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${u.api}/repos/${full}/git/commits/${c.sha}`,
      author: gitPerson(c.author),
      committer: gitPerson(c.committer),
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${u.api}/repos/${full}/git/trees/${c.tree}` },
      verification: unsigned,
    },
    author: a ? simpleUser(u, a) : null,
    committer: cm ? simpleUser(u, cm) : null,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${u.api}/repos/${full}/commits/${p}`,
      html_url: `${u.base}/${full}/commit/${p}`,
    })),
    ...extra,
  };
}

/** A changed file of a commit, a comparison or a pull request; its URLs point at `sha`. */
export function diffEntry(
  u: Urls,
  full: string,
  sha: string,
  f: DiffFile,
): Schemas['diff-entry'] {
  const enc = f.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    blob_url: `${u.base}/${full}/blob/${sha}/${enc}`,
    raw_url: `${u.base}/${full}/raw/${sha}/${enc}`,
    contents_url: `${u.api}/repos/${full}/contents/${enc}?ref=${sha}`,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  };
}
