/** A file read from a GitOps repository. @public */
export type GitFile = {
  path: string;
  /** UTF-8 content. */
  content: string;
  /** Blob sha. */
  sha: string;
};

/** An entry of a folder listing. @public */
export type GitFolderEntry = {
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  sha: string;
};

/**
 * One change of a commit: new content for `path`, or `content: null` to delete it.
 * @public
 */
export type GitFileChange = {
  path: string;
  content: string | null;
  /** Executable bit; default `100644`. */
  mode?: '100644' | '100755';
  /**
   * Blob sha of the version this change replaces, as it was read. With it, a one-file
   * `openPullRequest` writes the commit with PUT contents on the new branch (5 GitHub calls
   * instead of 6); a file that moved meanwhile falls back to the git data API.
   */
  previousSha?: string;
};

/** Result of `commitFiles`. @public */
export type GitCommitResult = {
  branch: string;
  /** The new commit, or the unchanged head when nothing changed. */
  commitSha: string;
  /** The commit the change was based on. */
  parentSha: string;
  /** False when every file already had the given content (no commit made). */
  changed: boolean;
  /** Paths whose content actually changed. */
  changedPaths: string[];
};

/** Result of `openPullRequest` / `revertCommit`. @public */
export type GitPullRequestResult = {
  number: number;
  url: string;
  branch: string;
  base: string;
  headSha: string;
  /** False when an open PR for the branch already existed (it was updated instead). */
  created: boolean;
};

/** Commit author/committer. @public */
export type GitIdentity = { name: string; email: string };

/**
 * A GitHub repository holding manifests, edited through the git data API (one commit per change,
 * however many files).
 * @public
 */
export interface GitopsRepo {
  readonly owner: string;
  readonly repo: string;
  /** The repository's default branch (cached). */
  defaultBranch(): Promise<string>;
  /** Head commit sha of a branch (`NotFoundError` if absent). */
  branchSha(branch: string): Promise<string>;
  /** A file's content and blob sha; `undefined` when it does not exist. */
  readFile(path: string, options?: { ref?: string }): Promise<GitFile | undefined>;
  /** Entries of a folder; `[]` when it does not exist. */
  listFolder(path: string, options?: { ref?: string }): Promise<GitFolderEntry[]>;
  /**
   * Commits many files in ONE commit: blobs (inline in the tree) → tree → commit → ref update.
   * 5 API calls for a small change (ref, tree, tree, commit, ref); 3 when the caller passes
   * `expectedHeadSha` and its `parentTreeSha` (no deletions). `expectedHeadSha` (or the head
   * read at the start) is checked: a concurrent push gives a `ConflictError` and nothing is
   * written. When nothing changes, no commit is made (`changed: false`).
   */
  commitFiles(options: {
    branch?: string;
    message: string;
    files: GitFileChange[];
    expectedHeadSha?: string;
    /**
     * The tree sha of `expectedHeadSha` when the caller knows it (e.g. from an archive of that
     * commit): the tree is then not read, one API call less. Ignored without
     * `expectedHeadSha` and when a file is deleted; a tree GitHub does not know is read instead.
     */
    parentTreeSha?: string;
    /** Create `branch` from this branch (default: the default branch) when it does not exist. */
    createFrom?: string;
    author?: GitIdentity;
  }): Promise<GitCommitResult>;
  /**
   * Creates (or reuses) `branch` from `base`, commits `files` in one commit and opens a PR
   * (or updates the open PR of that branch), adding `labels`.
   */
  openPullRequest(options: {
    branch: string;
    base?: string;
    title: string;
    body?: string;
    message?: string;
    files: GitFileChange[];
    labels?: string[];
    draft?: boolean;
    author?: GitIdentity;
  }): Promise<GitPullRequestResult>;
  /**
   * Opens a PR that reverts a commit (e.g. a merge commit, relative to its first parent), like
   * `git revert -m 1`: every file the commit changed is put back to its state before. If a file
   * changed again since, a `ConflictError` names it and nothing is written.
   */
  revertCommit(options: {
    sha: string;
    branch?: string;
    base?: string;
    title?: string;
    body?: string;
    labels?: string[];
    author?: GitIdentity;
  }): Promise<GitPullRequestResult>;
}
