/** What GitData answers: commits, tree entries and the files of a diff, in GitHub's terms. */

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
