import { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
  createRepoWithFiles,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;

withGithubContract(c => {
  ({ env, alice } = c);
});

describe('GitHub git data API: blobs, trees, commits, refs, branches and compare', () => {
  it('builds a commit through the git data API and serves refs, trees, branches, commits and compare that match the OpenAPI description', async () => {
    // main: two commits (app.txt v1, then v2)
    await createRepoWithFiles(env, alice, 'gitdata', { 'app.txt': 'v1\n' });
    await env.ctx.git.commitFiles('acme', 'gitdata', {
      branch: 'main',
      message: 'bump to v2',
      author: { name: 'Alice Martin', email: 'alice@acme.example' },
      files: { 'app.txt': 'v2\n' },
      pusher: 'alice',
    });
    const ref = await alice.rest.git.getRef({
      owner: 'acme',
      repo: 'gitdata',
      ref: 'heads/main',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/git/ref/{ref}',
        'get',
        200,
        ref.data,
      ),
    ).toBeNull();
    const commit = await alice.rest.git.getCommit({
      owner: 'acme',
      repo: 'gitdata',
      commit_sha: ref.data.object.sha,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/git/commits/{commit_sha}',
        'get',
        200,
        commit.data,
      ),
    ).toBeNull();
    // build a commit through the git data API and move a new branch to it
    const blob = await alice.rest.git.createBlob({
      owner: 'acme',
      repo: 'gitdata',
      content: 'hello\n',
    });
    const tree = await alice.rest.git.createTree({
      owner: 'acme',
      repo: 'gitdata',
      base_tree: commit.data.tree.sha,
      tree: [
        {
          path: 'dir/hello.txt',
          mode: '100644',
          type: 'blob',
          sha: blob.data.sha,
        },
      ],
    });
    expect(
      openapiErrors('/repos/{owner}/{repo}/git/trees', 'post', 201, tree.data),
    ).toBeNull();
    const c = await alice.rest.git.createCommit({
      owner: 'acme',
      repo: 'gitdata',
      message: 'via API',
      tree: tree.data.sha,
      parents: [commit.data.sha],
    });
    await alice.rest.git.createRef({
      owner: 'acme',
      repo: 'gitdata',
      ref: 'refs/heads/api',
      sha: c.data.sha,
    });
    expect(
      (
        await env.ctx.git.readFile('acme', 'gitdata', 'api', 'dir/hello.txt')
      )?.toString(),
    ).toBe('hello\n');
    const full = await alice.rest.git.getTree({
      owner: 'acme',
      repo: 'gitdata',
      tree_sha: 'api',
      recursive: 'true',
    });
    expect(full.data.tree.map(e => e.path)).toEqual(
      expect.arrayContaining(['dir', 'dir/hello.txt', 'app.txt']),
    );
    await expect(
      alice.rest.git.createRef({
        owner: 'acme',
        repo: 'gitdata',
        ref: 'refs/heads/api',
        sha: c.data.sha,
      }),
    ).rejects.toMatchObject({ status: 422 });
    await alice.rest.git.deleteRef({
      owner: 'acme',
      repo: 'gitdata',
      ref: 'heads/api',
    });
    expect(
      await env.ctx.git.resolve('acme', 'gitdata', 'refs/heads/api'),
    ).toBeUndefined();

    const branches = await alice.rest.repos.listBranches({
      owner: 'acme',
      repo: 'gitdata',
    });
    expect(branches.data.map(b => b.name)).toContain('main');
    const branch = await alice.rest.repos.getBranch({
      owner: 'acme',
      repo: 'gitdata',
      branch: 'main',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/branches/{branch}',
        'get',
        200,
        branch.data,
      ),
    ).toBeNull();
    const commits = await alice.rest.repos.listCommits({
      owner: 'acme',
      repo: 'gitdata',
    });
    expect(
      openapiErrors('/repos/{owner}/{repo}/commits', 'get', 200, commits.data),
    ).toBeNull();
    const cmp = await alice.rest.repos.compareCommitsWithBasehead({
      owner: 'acme',
      repo: 'gitdata',
      basehead: `${commits.data[1].sha}...main`,
    });
    expect(cmp.data.ahead_by).toBe(1);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/compare/{basehead}',
        'get',
        200,
        cmp.data,
      ),
    ).toBeNull();
  });
});
