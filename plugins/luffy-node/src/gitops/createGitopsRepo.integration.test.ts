import { ConflictError, InputError } from '@backstage/errors';
import { startTestSandbox, type TestSandbox } from '../__testUtils__/sandbox';
import { createGithubClients } from '../github/createGithubClients';
import type { GithubClient } from '../github/types';
import { createGitopsRepo } from './createGitopsRepo';
import type { GitopsRepo } from './types';

jest.setTimeout(60_000);

describe('createGitopsRepo against the sandbox', () => {
  let sbx: TestSandbox;
  let client: GithubClient;
  let repo: GitopsRepo;

  beforeAll(async () => {
    sbx = await startTestSandbox();
    const github = createGithubClients({
      config: sbx.config,
      logger: sbx.logger,
      options: { contentCreationIntervalMs: 0 },
    });
    client = await github.forRepo('acme/gitops');
    repo = createGitopsRepo({ github: client, owner: 'acme', repo: 'gitops' });
  }, 180_000); // the sandbox starts slower when other suites share the CPU
  afterAll(async () => {
    await sbx?.stop();
  });

  const commitOf = async (sha: string) =>
    (
      await client.octokit.rest.git.getCommit({
        owner: 'acme',
        repo: 'gitops',
        commit_sha: sha,
      })
    ).data;

  it('reads files and lists folders', async () => {
    expect(await repo.defaultBranch()).toBe('main');
    const envs = await repo.listFolder('apps/checkout');
    expect(envs.map(e => e.name).sort()).toEqual(['dev', 'preprod', 'prod']);
    expect(envs.every(e => e.type === 'dir')).toBe(true);
    const file = await repo.readFile('apps/checkout/dev/deployment.yaml');
    expect(file?.content).toContain('kind: Deployment');
    expect(file?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(
      await repo.readFile('apps/nope/dev/deployment.yaml'),
    ).toBeUndefined();
    expect(await repo.listFolder('apps/nope')).toEqual([]);
  });

  it('commits many files in ONE commit with at most 5 API calls', async () => {
    const before = await repo.branchSha('main');
    const existing = await repo.readFile('apps/checkout/dev/service.yaml');
    await sbx.control('counters', { method: 'DELETE' });

    const result = await repo.commitFiles({
      branch: 'main',
      message: 'test: three files at once',
      files: [
        { path: 'sandbox-tests/a.yaml', content: 'a: 1\n' },
        { path: 'sandbox-tests/nested/b.yaml', content: 'b: 2\n' },
        {
          path: 'apps/checkout/dev/service.yaml',
          content: `${existing!.content}# touched\n`,
        },
        {
          path: 'sandbox-tests/unchanged-delete-of-missing.yaml',
          content: null,
        },
      ],
    });

    const calls = await sbx.githubCalls();
    expect(calls.total).toBeLessThanOrEqual(5);
    expect(result.changed).toBe(true);
    expect(result.parentSha).toBe(before);
    expect(result.changedPaths.sort()).toEqual([
      'apps/checkout/dev/service.yaml',
      'sandbox-tests/a.yaml',
      'sandbox-tests/nested/b.yaml',
    ]);
    expect(await repo.branchSha('main')).toBe(result.commitSha);
    const commit = await commitOf(result.commitSha);
    expect(commit.parents.map(p => p.sha)).toEqual([before]);
    expect((await repo.readFile('sandbox-tests/nested/b.yaml'))?.content).toBe(
      'b: 2\n',
    );
  });

  it('commits over a known head and tree in 3 calls, without reading the tree', async () => {
    const head = await repo.branchSha('main');
    const treeSha = (await commitOf(head)).tree.sha;
    await sbx.control('counters', { method: 'DELETE' });
    const result = await repo.commitFiles({
      branch: 'main',
      message: 'test: over a known tree',
      files: [{ path: 'sandbox-tests/known-tree.yaml', content: 'k: 1\n' }],
      expectedHeadSha: head,
      parentTreeSha: treeSha,
    });
    const calls = await sbx.githubCalls();
    expect(calls.total).toBe(3);
    expect(Object.keys(calls.counters).some(k => / GET /.test(k))).toBe(false);
    expect(result).toMatchObject({ changed: true, parentSha: head });
    // the rest of the tree is kept
    expect((await repo.readFile('sandbox-tests/a.yaml'))?.content).toBe('a: 1\n');
    expect(await repo.readFile('apps/checkout/dev/service.yaml')).toBeDefined();
    expect((await repo.readFile('sandbox-tests/known-tree.yaml'))?.content).toBe('k: 1\n');

    // the same content again: the new tree equals the parent's, no commit
    const again = await repo.commitFiles({
      branch: 'main',
      message: 'test: again',
      files: [{ path: 'sandbox-tests/known-tree.yaml', content: 'k: 1\n' }],
      expectedHeadSha: result.commitSha,
      parentTreeSha: (await commitOf(result.commitSha)).tree.sha,
    });
    expect(again).toMatchObject({ changed: false, commitSha: result.commitSha });
  });

  it('reads the tree when the given tree sha is unknown to GitHub, and still commits on it', async () => {
    const head = await repo.branchSha('main');
    const result = await repo.commitFiles({
      branch: 'main',
      message: 'test: unknown tree',
      files: [{ path: 'sandbox-tests/unknown-tree.yaml', content: 'u: 1\n' }],
      expectedHeadSha: head,
      parentTreeSha: '0123456789abcdef0123456789abcdef01234567',
    });
    expect(result).toMatchObject({
      changed: true,
      parentSha: head,
      changedPaths: ['sandbox-tests/unknown-tree.yaml'],
    });
    expect((await repo.readFile('sandbox-tests/known-tree.yaml'))?.content).toBe('k: 1\n');
  });

  it('makes no commit when every file already has the content (idempotent re-run)', async () => {
    const head = await repo.branchSha('main');
    await sbx.control('counters', { method: 'DELETE' });
    const again = await repo.commitFiles({
      branch: 'main',
      message: 'test: again',
      files: [
        { path: 'sandbox-tests/a.yaml', content: 'a: 1\n' },
        { path: 'sandbox-tests/gone.yaml', content: null },
      ],
    });
    expect(again).toMatchObject({
      changed: false,
      commitSha: head,
      changedPaths: [],
    });
    const calls = await sbx.githubCalls(k => !k.includes(' GET '));
    expect(calls.total).toBe(0);
  });

  it('deletes files', async () => {
    const r = await repo.commitFiles({
      message: 'test: delete',
      files: [{ path: 'sandbox-tests/a.yaml', content: null }],
    });
    expect(r.changedPaths).toEqual(['sandbox-tests/a.yaml']);
    expect(await repo.readFile('sandbox-tests/a.yaml')).toBeUndefined();
  });

  it('refuses with a ConflictError when someone pushed after the base was read, writing nothing', async () => {
    const base = await repo.branchSha('main');
    const other = await repo.commitFiles({
      message: 'someone else',
      files: [{ path: 'sandbox-tests/other.yaml', content: 'x: 1\n' }],
    });
    const error = await repo
      .commitFiles({
        branch: 'main',
        expectedHeadSha: base,
        message: 'stale',
        files: [{ path: 'sandbox-tests/stale.yaml', content: 'stale: true\n' }],
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(await repo.branchSha('main')).toBe(other.commitSha);
    expect(await repo.readFile('sandbox-tests/stale.yaml')).toBeUndefined();
  });

  it('rejects bad input before any write', async () => {
    await expect(
      repo.commitFiles({
        message: 'x',
        files: [{ path: '../escape', content: '' }],
      }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(
      repo.commitFiles({ message: 'x', files: [] }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('opens a labelled PR from a new branch in one commit, and updates it on a second call', async () => {
    await sbx.control('counters', { method: 'DELETE' });
    const pr = await repo.openPullRequest({
      branch: 'luffy/heal-checkout-test1',
      title: 'Raise checkout memory',
      body: 'root cause: OOM',
      labels: ['openluffy/healing'],
      files: [{ path: 'sandbox-tests/heal.yaml', content: 'memory: 512Mi\n' }],
    });
    expect(pr.created).toBe(true);
    // GET branch (head + tree), POST tree (base_tree), POST commit, POST ref, POST pulls,
    // POST labels: the tree is not read and the branch is created at the new commit.
    const calls = await sbx.githubCalls();
    expect(calls.total).toBe(6);
    expect(
      Object.keys(calls.counters).some(k => /GET .*git\/trees/.test(k)),
    ).toBe(false);
    const { data } = await client.octokit.rest.pulls.get({
      owner: 'acme',
      repo: 'gitops',
      pull_number: pr.number,
    });
    expect(data.head.ref).toBe('luffy/heal-checkout-test1');
    expect(data.head.sha).toBe(pr.headSha);
    expect(data.labels.map(l => l.name)).toEqual(['openluffy/healing']);
    const { data: files } = await client.octokit.rest.pulls.listFiles({
      owner: 'acme',
      repo: 'gitops',
      pull_number: pr.number,
    });
    expect(files.map(f => f.filename)).toEqual(['sandbox-tests/heal.yaml']);

    const updated = await repo.openPullRequest({
      branch: 'luffy/heal-checkout-test1',
      title: 'Raise checkout memory (2)',
      files: [{ path: 'sandbox-tests/heal.yaml', content: 'memory: 768Mi\n' }],
    });
    expect(updated).toMatchObject({ number: pr.number, created: false });
    const file = await repo.readFile('sandbox-tests/heal.yaml', {
      ref: 'luffy/heal-checkout-test1',
    });
    expect(file?.content).toBe('memory: 768Mi\n');
  });

  it('opens a one-file PR over a known version in 5 calls (PUT contents on the new branch)', async () => {
    const current = await repo.readFile('apps/checkout/preprod/service.yaml');
    const content = `${current!.content}# healed\n`;
    await sbx.control('counters', { method: 'DELETE' });
    const pr = await repo.openPullRequest({
      branch: 'luffy/heal-checkout-put1',
      title: 'Heal checkout (PUT contents)',
      body: 'root cause: OOM',
      labels: ['openluffy/healing'],
      files: [
        {
          path: 'apps/checkout/preprod/service.yaml',
          content,
          previousSha: current!.sha,
        },
      ],
    });
    expect(pr.created).toBe(true);
    // GET ref (base head), POST ref, PUT contents, POST pulls, POST labels
    const calls = await sbx.githubCalls();
    expect(calls.total).toBe(5);
    expect(
      Object.keys(calls.counters).some(k => /PUT .*contents/.test(k)),
    ).toBe(true);
    const { data: files } = await client.octokit.rest.pulls.listFiles({
      owner: 'acme',
      repo: 'gitops',
      pull_number: pr.number,
    });
    expect(files.map(f => f.filename)).toEqual([
      'apps/checkout/preprod/service.yaml',
    ]);
    const onBranch = await repo.readFile('apps/checkout/preprod/service.yaml', {
      ref: 'luffy/heal-checkout-put1',
    });
    expect(onBranch?.content).toBe(content);
    expect(pr.headSha).toBe(await repo.branchSha('luffy/heal-checkout-put1'));
  });

  it('falls back to the git data API when the file moved since it was read (409 on PUT)', async () => {
    const before = await repo.readFile('apps/checkout/prod/service.yaml');
    await repo.commitFiles({
      message: 'someone else changes the file meanwhile',
      files: [
        {
          path: 'apps/checkout/prod/service.yaml',
          content: `${before!.content}# meanwhile\n`,
        },
      ],
    });
    const pr = await repo.openPullRequest({
      branch: 'luffy/heal-checkout-put2',
      title: 'Heal checkout (stale read)',
      files: [
        {
          path: 'apps/checkout/prod/service.yaml',
          content: `${before!.content}# healed\n`,
          previousSha: before!.sha,
        },
      ],
    });
    expect(pr.created).toBe(true);
    const onBranch = await repo.readFile('apps/checkout/prod/service.yaml', {
      ref: 'luffy/heal-checkout-put2',
    });
    expect(onBranch?.content).toBe(`${before!.content}# healed\n`);
  });

  it('asks for the default branch once per repository across instances sharing a cache', async () => {
    const defaultBranches = new Map<string, string>();
    const open = (n: number) =>
      createGitopsRepo({
        github: client,
        owner: 'acme',
        repo: 'gitops',
        defaultBranches,
      }).openPullRequest({
        branch: `luffy/heal-cache-test${n}`,
        title: `cache test ${n}`,
        files: [{ path: `sandbox-tests/cache${n}.yaml`, content: `n: ${n}\n` }],
      });
    await sbx.control('counters', { method: 'DELETE' });
    await open(1);
    expect((await sbx.githubCalls()).total).toBe(6); // + GET repo, no labels
    await sbx.control('counters', { method: 'DELETE' });
    await open(2);
    expect((await sbx.githubCalls()).total).toBe(5);
    expect(defaultBranches.get('acme/gitops')).toBe('main');
  });

  it('refuses a PR whose files already match the base, writing nothing', async () => {
    const current = await repo.readFile('apps/checkout/dev/service.yaml');
    await sbx.control('counters', { method: 'DELETE' });
    await expect(
      repo.openPullRequest({
        branch: 'luffy/heal-noop-test',
        title: 'no-op',
        files: [
          { path: 'apps/checkout/dev/service.yaml', content: current!.content },
        ],
      }),
    ).rejects.toThrow(/Nothing to propose/);
    // The new tree equals the base's: no commit, no branch, no PR.
    const writes = await sbx.githubCalls(k => !k.includes('GET '));
    expect(writes.total).toBe(1);
    expect(Object.keys(writes.counters)[0]).toMatch(/POST .*git\/trees/);
    await expect(repo.branchSha('luffy/heal-noop-test')).rejects.toThrow(
      /not found/,
    );
  });

  it('reverts a commit as a PR (git revert semantics)', async () => {
    const old = await repo.readFile('apps/checkout/dev/service.yaml');
    const change = await repo.commitFiles({
      message: 'deploy: a change to roll back',
      files: [
        {
          path: 'apps/checkout/dev/service.yaml',
          content: `${old!.content}# change\n`,
        },
        {
          path: 'sandbox-tests/added-by-change.yaml',
          content: 'added: true\n',
        },
        { path: 'sandbox-tests/nested/b.yaml', content: null },
      ],
    });
    // an unrelated later commit must survive the revert
    await repo.commitFiles({
      message: 'later unrelated',
      files: [{ path: 'sandbox-tests/later.yaml', content: 'later: true\n' }],
    });

    const pr = await repo.revertCommit({
      sha: change.commitSha,
      labels: ['rollback'],
    });
    const ref = pr.branch;
    expect(
      (await repo.readFile('apps/checkout/dev/service.yaml', { ref }))?.content,
    ).toBe(old!.content);
    expect(
      await repo.readFile('sandbox-tests/added-by-change.yaml', { ref }),
    ).toBeUndefined();
    expect(
      (await repo.readFile('sandbox-tests/nested/b.yaml', { ref }))?.content,
    ).toBe('b: 2\n');
    expect(
      (await repo.readFile('sandbox-tests/later.yaml', { ref }))?.content,
    ).toBe('later: true\n');
    const commit = await commitOf(pr.headSha);
    expect(commit.message).toContain(
      `This reverts commit ${change.commitSha}.`,
    );
    const { data } = await client.octokit.rest.pulls.get({
      owner: 'acme',
      repo: 'gitops',
      pull_number: pr.number,
    });
    expect(data.labels.map(l => l.name)).toEqual(['rollback']);
  });

  it('refuses a revert whose files changed again since, naming them', async () => {
    const first = await repo.commitFiles({
      message: 'first',
      files: [{ path: 'sandbox-tests/twice.yaml', content: 'v: 1\n' }],
    });
    await repo.commitFiles({
      message: 'second',
      files: [{ path: 'sandbox-tests/twice.yaml', content: 'v: 2\n' }],
    });
    const error = await repo
      .revertCommit({ sha: first.commitSha })
      .catch(e => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('sandbox-tests/twice.yaml');
  });
});
