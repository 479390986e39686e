import crypto from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { GithubClient } from '../github/types';
import type {
  GitCommitResult,
  GitFileChange,
  GitFolderEntry,
  GitIdentity,
  GitPullRequestResult,
  GitopsRepo,
} from './types';

type TreeEntry = { path: string; mode: string; type: string; sha: string };

/** The blob id git gives `content` (sha1 of "blob <len>\0<content>"). */
export function gitBlobSha(content: string): string {
  const buf = Buffer.from(content, 'utf8');
  return crypto
    .createHash('sha1')
    .update(`blob ${buf.length}\0`)
    .update(buf)
    .digest('hex');
}

function normalizePath(p: string): string {
  const clean = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!clean || clean.split('/').some(s => s === '..' || s === '.' || !s)) {
    throw new InputError(`Invalid path in repository: "${p}"`);
  }
  return clean;
}

const status = (e: unknown) => (e as { status?: number })?.status;

/**
 * A GitOps repository over the shared GitHub client (integration credential, or a user's).
 * @public
 */
export function createGitopsRepo(options: {
  github: GithubClient;
  owner: string;
  repo: string;
  /**
   * Default branches by `owner/repo`, shared across instances so that only the first
   * `GitopsRepo` of a repository asks GitHub (GET repo) for it.
   */
  defaultBranches?: Map<string, string>;
}): GitopsRepo {
  const { github, owner, repo } = options;
  const { octokit } = github;
  const full = `${owner}/${repo}`;
  const defaultBranches = options.defaultBranches ?? new Map<string, string>();

  const defaultBranch = async () => {
    let branch = defaultBranches.get(full);
    if (!branch) {
      try {
        const { data } = await octokit.rest.repos.get({ owner, repo });
        branch = data.default_branch;
        defaultBranches.set(full, branch);
      } catch (e) {
        if (status(e) === 404) {
          throw new NotFoundError(`GitHub repository ${full} not found`);
        }
        throw e;
      }
    }
    return branch;
  };

  /** Head sha of a branch, or undefined when it does not exist. */
  const tryBranchSha = async (branch: string) => {
    try {
      const { data } = await octokit.rest.git.getRef({
        owner,
        repo,
        ref: `heads/${branch}`,
      });
      return data.object.sha;
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  };

  const branchSha = async (branch: string) => {
    const sha = await tryBranchSha(branch);
    if (!sha) {
      throw new NotFoundError(`Branch ${branch} not found in ${full}`);
    }
    return sha;
  };

  /** A branch's head commit and its tree in one call (GET /repos/:o/:r/branches/:branch). */
  const readBranchHead = async (branch: string) => {
    try {
      const { data } = await octokit.rest.repos.getBranch({
        owner,
        repo,
        branch,
      });
      return { sha: data.commit.sha, treeSha: data.commit.commit.tree.sha };
    } catch (e) {
      if (status(e) === 404) {
        throw new NotFoundError(`Branch ${branch} not found in ${full}`);
      }
      throw e;
    }
  };

  /** The tree of a commit: its sha and, unless truncated, every blob by path. */
  const readTree = async (commitSha: string) => {
    const { data } = await octokit.rest.git.getTree({
      owner,
      repo,
      tree_sha: commitSha,
      recursive: 'true',
    });
    const blobs = new Map<string, TreeEntry>();
    for (const e of data.tree) {
      if (e.type === 'blob' && e.path && e.sha) {
        blobs.set(e.path, e as TreeEntry);
      }
    }
    return { sha: data.sha, blobs, truncated: !!data.truncated };
  };

  /**
   * Writes a commit of `changes` on top of `parentSha` and returns it, or undefined when the
   * changes leave the tree as it is.
   */
  const writeCommit = async (input: {
    parentSha: string;
    /** The parent's tree: with it (and no deletions) the tree is not read, one call less. */
    parentTreeSha?: string;
    message: string;
    files: GitFileChange[];
    author?: GitIdentity;
  }) => {
    // Without reading the tree, an unchanged file is found by the new tree's sha equalling
    // the parent's; deleting a path that is not there needs the tree, so deletions read it.
    const knownTree =
      input.parentTreeSha && input.files.every(f => f.content !== null)
        ? {
            sha: input.parentTreeSha,
            blobs: new Map<string, TreeEntry>(),
            truncated: true,
          }
        : undefined;
    const entriesFor = (tree: Awaited<ReturnType<typeof readTree>>) => {
      const entries: Array<{
        path: string;
        mode: '100644' | '100755';
        type: 'blob';
        content?: string;
        sha?: string | null;
      }> = [];
      const changedPaths: string[] = [];
      const seen = new Set<string>();
      for (const f of input.files) {
        const path = normalizePath(f.path);
        if (seen.has(path)) {
          throw new InputError(`File ${path} appears twice in one commit`);
        }
        seen.add(path);
        const current = tree.blobs.get(path);
        const mode =
          f.mode ?? (current?.mode as '100644' | '100755') ?? '100644';
        if (f.content === null) {
          if (!current && !tree.truncated) continue;
          entries.push({ path, mode, type: 'blob', sha: null });
        } else {
          if (
            !tree.truncated &&
            current?.sha === gitBlobSha(f.content) &&
            current.mode === mode
          ) {
            continue;
          }
          entries.push({ path, mode, type: 'blob', content: f.content });
        }
        changedPaths.push(path);
      }
      return { entries, changedPaths };
    };
    let tree = knownTree ?? (await readTree(input.parentSha));
    let { entries, changedPaths } = entriesFor(tree);
    if (!entries.length) return undefined;
    let newTree: { sha: string };
    try {
      ({ data: newTree } = await octokit.rest.git.createTree({
        owner,
        repo,
        base_tree: tree.sha,
        tree: entries,
      }));
    } catch (e) {
      // A caller's tree sha that GitHub does not know (e.g. worked out from an archive that
      // export attributes changed): read the parent's tree and write on it instead.
      if (!knownTree || (status(e) !== 404 && status(e) !== 422)) throw e;
      tree = await readTree(input.parentSha);
      ({ entries, changedPaths } = entriesFor(tree));
      if (!entries.length) return undefined;
      ({ data: newTree } = await octokit.rest.git.createTree({
        owner,
        repo,
        base_tree: tree.sha,
        tree: entries,
      }));
    }
    if (newTree.sha === tree.sha) return undefined;
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: input.message,
      tree: newTree.sha,
      parents: [input.parentSha],
      ...(input.author
        ? { author: input.author, committer: input.author }
        : {}),
    });
    return { sha: commit.sha, changedPaths };
  };

  const createBranchRef = async (branch: string, sha: string) => {
    try {
      await octokit.rest.git.createRef({
        owner,
        repo,
        ref: `refs/heads/${branch}`,
        sha,
      });
      return true;
    } catch (e) {
      if (
        status(e) === 422 &&
        /already exists/i.test(String((e as Error).message))
      ) {
        return false;
      }
      throw e;
    }
  };

  const moveBranch = async (branch: string, sha: string) => {
    try {
      await octokit.rest.git.updateRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        sha,
        force: false,
      });
    } catch (e) {
      if (status(e) === 422 || status(e) === 409) {
        throw new ConflictError(
          `${full}@${branch} moved while committing (someone pushed); nothing was written, retry on the new head`,
          e as Error,
        );
      }
      throw e;
    }
  };

  const commitFiles: GitopsRepo['commitFiles'] = async input => {
    if (!input.files.length)
      throw new InputError('commitFiles needs at least one file');
    if (!input.message?.trim())
      throw new InputError('commitFiles needs a commit message');
    const branch = input.branch ?? (await defaultBranch());
    let head = input.expectedHeadSha;
    let create = false;
    if (!head) {
      head = await tryBranchSha(branch);
      if (!head) {
        if (
          input.createFrom === undefined &&
          branch === (await defaultBranch())
        ) {
          throw new NotFoundError(`Branch ${branch} not found in ${full}`);
        }
        head = await branchSha(input.createFrom ?? (await defaultBranch()));
        create = true;
      }
    }
    const written = await writeCommit({
      parentSha: head,
      // only the caller's head has a caller's tree
      parentTreeSha: input.expectedHeadSha ? input.parentTreeSha : undefined,
      message: input.message,
      files: input.files,
      author: input.author,
    });
    const sha = written?.sha ?? head;
    if (create) {
      if (!(await createBranchRef(branch, sha))) {
        throw new ConflictError(
          `Branch ${branch} was created in ${full} by someone else meanwhile; nothing was written`,
        );
      }
    } else if (written) {
      await moveBranch(branch, sha);
    }
    return {
      branch,
      commitSha: sha,
      parentSha: head,
      changed: !!written,
      changedPaths: written?.changedPaths ?? [],
    } satisfies GitCommitResult;
  };

  const findOpenPull = async (branch: string, base?: string) => {
    const { data } = await octokit.rest.pulls.list({
      owner,
      repo,
      state: 'open',
      head: `${owner}:${branch}`,
      ...(base ? { base } : {}),
      per_page: 1,
    });
    return data[0];
  };

  const createPull = async (input: {
    branch: string;
    base: string;
    title: string;
    body?: string;
    draft?: boolean;
    labels?: string[];
    headSha: string;
  }): Promise<GitPullRequestResult> => {
    const { data: pr } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: input.branch,
      base: input.base,
      title: input.title,
      body: input.body,
      draft: input.draft,
    });
    if (input.labels?.length) {
      await octokit.rest.issues.addLabels({
        owner,
        repo,
        issue_number: pr.number,
        labels: input.labels,
      });
    }
    return {
      number: pr.number,
      url: pr.html_url,
      branch: input.branch,
      base: input.base,
      headSha: input.headSha,
      created: true,
    };
  };

  /** The branch exists already (a retry, or an update of an open PR): commit onto it. */
  const updateBranchPull = async (
    input: Parameters<GitopsRepo['openPullRequest']>[0],
    base: string,
    message: string,
  ): Promise<GitPullRequestResult> => {
    const branchHead = await tryBranchSha(input.branch);
    if (!branchHead) {
      throw new InputError(
        `Nothing to propose: ${input.files
          .map(f => f.path)
          .join(', ')} already match ${full}@${base}`,
      );
    }
    const result = await commitFiles({
      branch: input.branch,
      expectedHeadSha: branchHead,
      message,
      files: input.files,
      author: input.author,
    });
    const existing = await findOpenPull(input.branch, base);
    if (existing) {
      if (
        existing.title !== input.title ||
        (input.body !== undefined && existing.body !== input.body)
      ) {
        await octokit.rest.pulls.update({
          owner,
          repo,
          pull_number: existing.number,
          title: input.title,
          body: input.body,
        });
      }
      return {
        number: existing.number,
        url: existing.html_url,
        branch: input.branch,
        base,
        headSha: result.commitSha,
        created: false,
      };
    }
    return createPull({ ...input, base, headSha: result.commitSha });
  };

  const openPullRequest: GitopsRepo['openPullRequest'] = async input => {
    if (!input.title?.trim())
      throw new InputError('A pull request needs a title');
    const base = input.base ?? (await defaultBranch());
    if (input.branch === base) {
      throw new InputError(`The PR branch must differ from its base (${base})`);
    }
    const message = input.message ?? input.title;
    const single =
      input.files.length === 1 &&
      input.files[0].content !== null &&
      input.files[0].previousSha
        ? input.files[0]
        : undefined;
    if (single) {
      // One file replacing a known version: the branch at the base head, then PUT contents
      // on it (GET ref, POST ref, PUT contents, POST pull, POST labels: 5 calls).
      const baseSha = await branchSha(base);
      if (await createBranchRef(input.branch, baseSha)) {
        let headSha: string | undefined;
        try {
          const { data } = await octokit.rest.repos.createOrUpdateFileContents({
            owner,
            repo,
            path: normalizePath(single.path),
            branch: input.branch,
            message,
            content: Buffer.from(single.content!, 'utf8').toString('base64'),
            sha: single.previousSha,
            ...(input.author
              ? { author: input.author, committer: input.author }
              : {}),
          });
          headSha = data.commit.sha ?? undefined;
        } catch (e) {
          // 409: the file changed on the base since it was read; write it with the git data
          // API on the new branch instead (the same content, as the tree path would).
          if (status(e) !== 409) throw e;
        }
        if (!headSha) {
          const result = await commitFiles({
            branch: input.branch,
            expectedHeadSha: baseSha,
            message,
            files: input.files,
            author: input.author,
          });
          headSha = result.commitSha;
        }
        return createPull({ ...input, base, headSha });
      }
      return updateBranchPull(input, base, message);
    }
    const baseHead = await readBranchHead(base);
    const written = await writeCommit({
      parentSha: baseHead.sha,
      parentTreeSha: baseHead.treeSha,
      message,
      files: input.files,
      author: input.author,
    });
    if (written && (await createBranchRef(input.branch, written.sha))) {
      return createPull({ ...input, base, headSha: written.sha });
    }
    return updateBranchPull(input, base, message);
  };

  const revertCommit: GitopsRepo['revertCommit'] = async input => {
    let target;
    try {
      ({ data: target } = await octokit.rest.git.getCommit({
        owner,
        repo,
        commit_sha: input.sha,
      }));
    } catch (e) {
      if (status(e) === 404 || status(e) === 422) {
        throw new NotFoundError(`Commit ${input.sha} not found in ${full}`);
      }
      throw e;
    }
    const parent = target.parents[0]?.sha;
    if (!parent) {
      throw new InputError(`Commit ${input.sha} has no parent to revert to`);
    }
    const base = input.base ?? (await defaultBranch());
    const baseSha = await branchSha(base);
    const [before, after, now] = await Promise.all([
      readTree(parent),
      readTree(target.sha),
      readTree(baseSha),
    ]);
    if (before.truncated || after.truncated || now.truncated) {
      throw new InputError(`${full} is too large to revert through the API`);
    }
    const paths = new Set([...before.blobs.keys(), ...after.blobs.keys()]);
    const entries: Array<{
      path: string;
      mode: '100644' | '100755';
      type: 'blob';
      sha: string | null;
    }> = [];
    const conflicts: string[] = [];
    for (const path of paths) {
      const b = before.blobs.get(path);
      const a = after.blobs.get(path);
      if (b?.sha === a?.sha && b?.mode === a?.mode) continue; // not touched by the commit
      const n = now.blobs.get(path);
      if (n?.sha === b?.sha) continue; // already back to its state before
      if (n?.sha !== a?.sha) {
        conflicts.push(path);
        continue;
      }
      entries.push({
        path,
        mode: ((b ?? a)!.mode as '100644' | '100755') ?? '100644',
        type: 'blob',
        sha: b ? b.sha : null,
      });
    }
    if (conflicts.length) {
      throw new ConflictError(
        `Cannot revert ${input.sha.slice(0, 7)} in ${full}: ${conflicts.join(
          ', ',
        )} changed again since; revert by hand`,
      );
    }
    if (!entries.length) {
      throw new ConflictError(
        `Nothing to revert: the changes of ${input.sha.slice(
          0,
          7,
        )} are no longer on ${base}`,
      );
    }
    const subject = target.message.split('\n')[0];
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: now.sha,
      tree: entries,
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: `Revert "${subject}"\n\nThis reverts commit ${target.sha}.`,
      tree: tree.sha,
      parents: [baseSha],
      ...(input.author
        ? { author: input.author, committer: input.author }
        : {}),
    });
    const branch = input.branch ?? `revert-${target.sha.slice(0, 7)}`;
    if (!(await createBranchRef(branch, commit.sha))) {
      throw new ConflictError(
        `Branch ${branch} already exists in ${full}; a revert of ${target.sha.slice(
          0,
          7,
        )} may be open already`,
      );
    }
    return createPull({
      branch,
      base,
      title: input.title ?? `Revert "${subject}"`,
      body:
        input.body ??
        `Reverts ${target.sha} (${entries.length} file(s): ${entries
          .map(e => e.path)
          .join(', ')}).`,
      labels: input.labels,
      headSha: commit.sha,
    });
  };

  return {
    owner,
    repo,
    defaultBranch,
    branchSha,
    async readFile(path, opts) {
      try {
        const { data } = await octokit.rest.repos.getContent({
          owner,
          repo,
          path: normalizePath(path),
          ...(opts?.ref ? { ref: opts.ref } : {}),
        });
        if (Array.isArray(data) || data.type !== 'file') {
          throw new InputError(
            `${full}:${path} is a ${
              Array.isArray(data) ? 'folder' : data.type
            }, not a file`,
          );
        }
        return {
          path: data.path,
          sha: data.sha,
          content: Buffer.from(
            (data as { content: string }).content ?? '',
            'base64',
          ).toString('utf8'),
        };
      } catch (e) {
        if (status(e) === 404) return undefined;
        throw e;
      }
    },
    async listFolder(path, opts) {
      try {
        const clean = path.replace(/^\/+|\/+$/g, '');
        const { data } = await octokit.rest.repos.getContent({
          owner,
          repo,
          path: clean,
          ...(opts?.ref ? { ref: opts.ref } : {}),
        });
        if (!Array.isArray(data)) {
          throw new InputError(`${full}:${path} is a file, not a folder`);
        }
        return data.map(
          (e): GitFolderEntry => ({
            name: e.name,
            path: e.path,
            type: e.type as GitFolderEntry['type'],
            sha: e.sha,
          }),
        );
      } catch (e) {
        if (status(e) === 404) return [];
        throw e;
      }
    },
    commitFiles,
    openPullRequest,
    revertCommit,
  };
}
