import fs from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import {
  quiet,
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
let guest: Octokit;

withGithubContract(c => {
  ({ env, alice, bot, guest } = c);
});

const tokenUrl = (repo: string, token = 'sandbox-alice-token') =>
  `${env.url.replace(
    'http://',
    `http://x-access-token:${token}@`,
  )}/acme/${repo}.git`;

async function repoWithBranch(name: string) {
  await alice.rest.repos.createInOrg({ org: 'acme', name, private: true });
  const work = path.join(env.dir, `w-${name}`);
  await env.git(['clone', '-q', tokenUrl(name), work]);
  fs.writeFileSync(path.join(work, 'README.md'), `# ${name}\n`);
  await env.git(['add', '.'], work);
  await env.git(['commit', '-qm', 'initial commit'], work);
  await env.git(['push', '-q', 'origin', 'HEAD:main'], work);
  await env.git(['checkout', '-qb', 'feature'], work);
  fs.writeFileSync(path.join(work, 'feature.txt'), 'new feature\n');
  fs.appendFileSync(path.join(work, 'README.md'), 'More docs.\n');
  await env.git(['add', '.'], work);
  await env.git(['commit', '-qm', 'add feature'], work);
  await env.git(['push', '-q', 'origin', 'feature'], work);
  return work;
}

describe('GitHub family with @octokit/rest and the git CLI', () => {
  it('creates a repo, clones and pushes over smart HTTP, opens, reviews and squash-merges a PR', async () => {
    const created = await alice.rest.repos.createInOrg({
      org: 'acme',
      name: 'demo',
      private: true,
      description: 'demo repo',
      allow_squash_merge: true,
    });
    expect(created.status).toBe(201);
    expect(created.data.clone_url).toBe(`${env.url}/acme/demo.git`);
    expect(created.data.owner.login).toBe('acme');
    expect(
      openapiErrors('/orgs/{org}/repos', 'post', 201, created.data),
    ).toBeNull();

    const work = path.join(env.dir, 'demo');
    await env.git(['clone', '-q', tokenUrl('demo'), work]);
    fs.writeFileSync(path.join(work, 'app.txt'), 'v1\n');
    await env.git(['add', '.'], work);
    await env.git(['commit', '-qm', 'initial commit'], work);
    await env.git(['push', '-q', 'origin', 'HEAD:main'], work);
    expect(
      await env.ctx.git.resolve('acme', 'demo', 'refs/heads/main'),
    ).toMatch(/^[0-9a-f]{40}$/);

    await env.git(['checkout', '-qb', 'change'], work);
    fs.writeFileSync(path.join(work, 'app.txt'), 'v2\n');
    await env.git(['commit', '-qam', 'bump to v2'], work);
    fs.writeFileSync(path.join(work, 'extra.txt'), 'extra\n');
    await env.git(['add', '.'], work);
    await env.git(['commit', '-qm', 'add extra'], work);
    await env.git(['push', '-q', 'origin', 'change'], work);

    const pr = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'demo',
      title: 'Bump to v2',
      head: 'change',
      base: 'main',
      body: 'please',
    });
    expect(pr.status).toBe(201);
    expect(pr.data.number).toBe(1);
    expect(pr.data.commits).toBe(2);
    expect(pr.data.changed_files).toBe(2);
    expect(
      openapiErrors('/repos/{owner}/{repo}/pulls', 'post', 201, pr.data),
    ).toBeNull();

    const files = await alice.rest.pulls.listFiles({
      owner: 'acme',
      repo: 'demo',
      pull_number: 1,
    });
    const app = files.data.find(f => f.filename === 'app.txt')!;
    expect(app.status).toBe('modified');
    expect(app.patch).toBe('@@ -1 +1 @@\n-v1\n+v2');
    expect(files.data.find(f => f.filename === 'extra.txt')?.status).toBe(
      'added',
    );

    // the author cannot approve their own PR
    await expect(
      alice.rest.pulls.createReview({
        owner: 'acme',
        repo: 'demo',
        pull_number: 1,
        event: 'APPROVE',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const review = await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'demo',
      pull_number: 1,
      event: 'APPROVE',
      body: 'LGTM',
    });
    expect(review.data.state).toBe('APPROVED');
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
        'post',
        200,
        review.data,
      ),
    ).toBeNull();

    // a stale head sha is refused with 409
    const main = await env.ctx.git.resolve('acme', 'demo', 'refs/heads/main');
    await expect(
      bot.rest.pulls.merge({
        owner: 'acme',
        repo: 'demo',
        pull_number: 1,
        sha: main!,
        merge_method: 'squash',
      }),
    ).rejects.toMatchObject({ status: 409 });

    const merged = await bot.rest.pulls.merge({
      owner: 'acme',
      repo: 'demo',
      pull_number: 1,
      merge_method: 'squash',
      sha: pr.data.head.sha,
    });
    expect(merged.data.merged).toBe(true);
    const newMain = await env.ctx.git.resolve(
      'acme',
      'demo',
      'refs/heads/main',
    );
    expect(newMain).toBe(merged.data.sha);
    expect(
      (
        await env.ctx.git.readFile('acme', 'demo', 'main', 'app.txt')
      )?.toString(),
    ).toBe('v2\n');
    expect(
      (
        await env.ctx.git.readFile('acme', 'demo', 'main', 'extra.txt')
      )?.toString(),
    ).toBe('extra\n');
    // squash: one parent, the old main
    const parents = (
      await env.ctx.git.git('acme', 'demo', [
        'rev-list',
        '--parents',
        '-n',
        '1',
        'main',
      ])
    )
      .trim()
      .split(' ');
    expect(parents).toEqual([newMain, main]);
    const msg = await env.ctx.git.git('acme', 'demo', [
      'log',
      '-1',
      '--format=%s%n%an',
      'main',
    ]);
    expect(msg).toBe('Bump to v2 (#1)\nAlice Martin\n');

    const after = await alice.rest.pulls.get({
      owner: 'acme',
      repo: 'demo',
      pull_number: 1,
    });
    expect(after.data.merged).toBe(true);
    expect(after.data.state).toBe('closed');
    expect(after.data.merge_commit_sha).toBe(newMain);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/pulls/{pull_number}',
        'get',
        200,
        after.data,
      ),
    ).toBeNull();

    // merging again → 405
    await expect(
      bot.rest.pulls.merge({ owner: 'acme', repo: 'demo', pull_number: 1 }),
    ).rejects.toMatchObject({ status: 405 });

    // the clone can pull the merge
    await env.git(['checkout', '-q', 'main'], work);
    await env.git(['pull', '-q', 'origin', 'main'], work);
    expect(fs.readFileSync(path.join(work, 'app.txt'), 'utf8')).toBe('v2\n');
  });

  it('merges with a merge commit and with rebase', async () => {
    await repoWithBranch('merges');
    const pr = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'merges',
      title: 'Feature',
      head: 'feature',
      base: 'main',
    });
    const base = pr.data.base.sha;
    const m = await bot.rest.pulls.merge({
      owner: 'acme',
      repo: 'merges',
      pull_number: pr.data.number,
      merge_method: 'merge',
    });
    const parents = (
      await env.ctx.git.git('acme', 'merges', [
        'rev-list',
        '--parents',
        '-n',
        '1',
        m.data.sha,
      ])
    )
      .trim()
      .split(' ');
    expect(parents).toEqual([m.data.sha, base, pr.data.head.sha]);

    await repoWithBranch('rebases');
    const pr2 = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'rebases',
      title: 'Feature',
      head: 'feature',
      base: 'main',
    });
    // main moves on so the rebase really replays the commit
    await env.ctx.git.commitFiles('acme', 'rebases', {
      branch: 'main',
      message: 'other',
      author: { name: 'x', email: 'x@x' },
      files: { 'other.txt': 'o\n' },
    });
    const r = await bot.rest.pulls.merge({
      owner: 'acme',
      repo: 'rebases',
      pull_number: pr2.data.number,
      merge_method: 'rebase',
    });
    const log = await env.ctx.git.git('acme', 'rebases', [
      'log',
      '--format=%s',
      'main',
    ]);
    expect(log.trim().split('\n')).toEqual([
      'add feature',
      'other',
      'initial commit',
    ]);
    expect(await env.ctx.git.resolve('acme', 'rebases', 'main')).toBe(
      r.data.sha,
    );
    expect(
      (
        await env.ctx.git.readFile('acme', 'rebases', 'main', 'feature.txt')
      )?.toString(),
    ).toBe('new feature\n');
  });

  it('refuses merging when branch protection needs an approval (405) and lists PRs by filters', async () => {
    await repoWithBranch('guarded');
    await bot.rest.repos.updateBranchProtection({
      owner: 'acme',
      repo: 'guarded',
      branch: 'main',
      required_status_checks: { strict: true, contexts: [] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
    });
    const prot = await bot.rest.repos.getBranchProtection({
      owner: 'acme',
      repo: 'guarded',
      branch: 'main',
    });
    expect(
      prot.data.required_pull_request_reviews?.required_approving_review_count,
    ).toBe(1);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/branches/{branch}/protection',
        'get',
        200,
        prot.data,
      ),
    ).toBeNull();
    const pr = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'guarded',
      title: 'Feature',
      head: 'feature',
      base: 'main',
    });
    const err = await bot.rest.pulls
      .merge({ owner: 'acme', repo: 'guarded', pull_number: pr.data.number })
      .catch(e => e);
    expect(err.status).toBe(405);
    expect(err.response.data.message).toMatch(/approving review/);
    expect(
      (
        await alice.rest.pulls.get({
          owner: 'acme',
          repo: 'guarded',
          pull_number: pr.data.number,
        })
      ).data.mergeable_state,
    ).toBe('blocked');

    const open = await alice.rest.pulls.list({
      owner: 'acme',
      repo: 'guarded',
      state: 'open',
      head: 'acme:feature',
      base: 'main',
    });
    expect(open.data.map(p => p.number)).toEqual([pr.data.number]);
    expect(
      openapiErrors('/repos/{owner}/{repo}/pulls', 'get', 200, open.data),
    ).toBeNull();
    expect(
      (
        await alice.rest.pulls.list({
          owner: 'acme',
          repo: 'guarded',
          base: 'other',
        })
      ).data,
    ).toEqual([]);
    expect(
      (
        await alice.rest.pulls.list({
          owner: 'acme',
          repo: 'guarded',
          state: 'closed',
        })
      ).data,
    ).toEqual([]);

    // strict status checks: a PR behind its base must be updated first
    await env.ctx.git.commitFiles('acme', 'guarded', {
      branch: 'main',
      message: 'moves on',
      author: { name: 'x', email: 'x@x' },
      files: { 'later.txt': 'l\n' },
    });
    await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'guarded',
      pull_number: pr.data.number,
      event: 'APPROVE',
    });
    const behind = await bot.rest.pulls
      .merge({ owner: 'acme', repo: 'guarded', pull_number: pr.data.number })
      .catch((e: any) => e);
    expect(behind.status).toBe(405);
    expect(behind.response.data.message).toMatch(/out of date/);
    expect(
      (
        await alice.rest.pulls.get({
          owner: 'acme',
          repo: 'guarded',
          pull_number: pr.data.number,
        })
      ).data.mergeable_state,
    ).toBe('behind');
    await alice.rest.pulls.updateBranch({
      owner: 'acme',
      repo: 'guarded',
      pull_number: pr.data.number,
    });
    expect(
      (
        await env.ctx.git.readFile('acme', 'guarded', 'feature', 'later.txt')
      )?.toString(),
    ).toBe('l\n');
    await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'guarded',
      pull_number: pr.data.number,
      event: 'APPROVE',
    });
    const ok = await bot.rest.pulls.merge({
      owner: 'acme',
      repo: 'guarded',
      pull_number: pr.data.number,
    });
    expect(ok.data.merged).toBe(true);
    await bot.rest.repos.deleteBranchProtection({
      owner: 'acme',
      repo: 'guarded',
      branch: 'main',
    });
    await expect(
      bot.rest.repos.getBranchProtection({
        owner: 'acme',
        repo: 'guarded',
        branch: 'main',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('answers GitHub-shaped errors: 404, 401, 422 and hides private repos from outsiders', async () => {
    const nf = await alice.rest.repos
      .get({ owner: 'acme', repo: 'nope' })
      .catch(e => e);
    expect(nf.status).toBe(404);
    expect(nf.response.data).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.stringContaining('docs.github.com'),
    });
    await expect(
      guest.rest.repos.get({ owner: 'acme', repo: 'demo' }),
    ).rejects.toMatchObject({ status: 404 });
    const bad = new Octokit({
      log: quiet,
      auth: 'wrong',
      baseUrl: `${env.url}/api/v3`,
    });
    const e401 = await bad.rest.users.getAuthenticated().catch(e => e);
    expect(e401.status).toBe(401);
    expect(e401.response.data.message).toBe('Bad credentials');
    const e422 = await alice.rest.pulls
      .create({
        owner: 'acme',
        repo: 'demo',
        title: 'x',
        head: 'missing',
        base: 'main',
      })
      .catch(e => e);
    expect(e422.status).toBe(422);
    expect(e422.response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
    });
    const dup = await alice.rest.repos
      .createInOrg({ org: 'acme', name: 'demo' })
      .catch(e => e);
    expect(dup.status).toBe(422);
  });

  it('sends rate-limit headers, ETags and 304 that do not count', async () => {
    const first = await alice.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'demo',
    });
    expect(first.headers['x-ratelimit-limit']).toBe('5000');
    expect(first.headers['x-ratelimit-resource']).toBe('core');
    expect(first.headers['x-github-request-id']).toBeTruthy();
    expect(first.headers['x-github-media-type']).toMatch(/^github\.v3/);
    const etag = first.headers.etag!;
    expect(etag).toBeTruthy();
    const remaining = Number(first.headers['x-ratelimit-remaining']);
    const res = await fetch(`${env.url}/api/v3/repos/acme/demo`, {
      headers: {
        authorization: 'token sandbox-alice-token',
        'if-none-match': etag,
      },
    });
    expect(res.status).toBe(304);
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(remaining);
    const again = await alice.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'demo',
    });
    expect(Number(again.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
    expect(
      openapiErrors('/repos/{owner}/{repo}', 'get', 200, again.data),
    ).toBeNull();
  });

  it('serves users, orgs, installation and git data that match the OpenAPI description', async () => {
    const me = await alice.rest.users.getAuthenticated();
    expect(me.data.login).toBe('alice');
    expect(openapiErrors('/user', 'get', 200, me.data)).toBeNull();
    const org = await alice.rest.users.getByUsername({ username: 'acme' });
    expect(org.data.type).toBe('Organization');
    expect(
      (await alice.rest.users.getByUsername({ username: 'luffy-bot' })).data
        .type,
    ).toBe('Bot');
    const orgFull = await alice.rest.orgs.get({ org: 'acme' });
    expect(openapiErrors('/orgs/{org}', 'get', 200, orgFull.data)).toBeNull();
    const inst = await bot.rest.apps.getRepoInstallation({
      owner: 'acme',
      repo: 'demo',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/installation',
        'get',
        200,
        inst.data,
      ),
    ).toBeNull();

    const ref = await alice.rest.git.getRef({
      owner: 'acme',
      repo: 'demo',
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
      repo: 'demo',
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
      repo: 'demo',
      content: 'hello\n',
    });
    const tree = await alice.rest.git.createTree({
      owner: 'acme',
      repo: 'demo',
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
      repo: 'demo',
      message: 'via API',
      tree: tree.data.sha,
      parents: [commit.data.sha],
    });
    await alice.rest.git.createRef({
      owner: 'acme',
      repo: 'demo',
      ref: 'refs/heads/api',
      sha: c.data.sha,
    });
    expect(
      (
        await env.ctx.git.readFile('acme', 'demo', 'api', 'dir/hello.txt')
      )?.toString(),
    ).toBe('hello\n');
    const full = await alice.rest.git.getTree({
      owner: 'acme',
      repo: 'demo',
      tree_sha: 'api',
      recursive: 'true',
    });
    expect(full.data.tree.map(e => e.path)).toEqual(
      expect.arrayContaining(['dir', 'dir/hello.txt', 'app.txt']),
    );
    await expect(
      alice.rest.git.createRef({
        owner: 'acme',
        repo: 'demo',
        ref: 'refs/heads/api',
        sha: c.data.sha,
      }),
    ).rejects.toMatchObject({ status: 422 });
    await alice.rest.git.deleteRef({
      owner: 'acme',
      repo: 'demo',
      ref: 'heads/api',
    });
    expect(
      await env.ctx.git.resolve('acme', 'demo', 'refs/heads/api'),
    ).toBeUndefined();

    const branches = await alice.rest.repos.listBranches({
      owner: 'acme',
      repo: 'demo',
    });
    expect(branches.data.map(b => b.name)).toContain('main');
    const branch = await alice.rest.repos.getBranch({
      owner: 'acme',
      repo: 'demo',
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
      repo: 'demo',
    });
    expect(
      openapiErrors('/repos/{owner}/{repo}/commits', 'get', 200, commits.data),
    ).toBeNull();
    const cmp = await alice.rest.repos.compareCommitsWithBasehead({
      owner: 'acme',
      repo: 'demo',
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

  it('reads and writes contents with sha checks', async () => {
    const put = await alice.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'demo',
      path: 'docs/a.md',
      message: 'add a',
      content: Buffer.from('A\n').toString('base64'),
    });
    expect(put.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/contents/{path}',
        'put',
        201,
        put.data,
      ),
    ).toBeNull();
    const get = await alice.rest.repos.getContent({
      owner: 'acme',
      repo: 'demo',
      path: 'docs/a.md',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/contents/{path}',
        'get',
        200,
        get.data,
      ),
    ).toBeNull();
    const file = get.data as { sha: string; content: string };
    expect(Buffer.from(file.content, 'base64').toString()).toBe('A\n');
    const dir = await alice.rest.repos.getContent({
      owner: 'acme',
      repo: 'demo',
      path: 'docs',
    });
    expect(Array.isArray(dir.data) && dir.data.map(e => e.name)).toEqual([
      'a.md',
    ]);
    const stale = await alice.rest.repos
      .createOrUpdateFileContents({
        owner: 'acme',
        repo: 'demo',
        path: 'docs/a.md',
        message: 'x',
        content: 'eA==',
        sha: 'a'.repeat(40),
      })
      .catch(e => e);
    expect(stale.status).toBe(409);
    const noSha = await alice.rest.repos
      .createOrUpdateFileContents({
        owner: 'acme',
        repo: 'demo',
        path: 'docs/a.md',
        message: 'x',
        content: 'eA==',
      })
      .catch(e => e);
    expect(noSha.status).toBe(422);
    const upd = await alice.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'demo',
      path: 'docs/a.md',
      message: 'update a',
      content: Buffer.from('B\n').toString('base64'),
      sha: file.sha,
    });
    expect(upd.status).toBe(200);
    const raw = await alice.request(
      'GET /repos/{owner}/{repo}/contents/{path}',
      {
        owner: 'acme',
        repo: 'demo',
        path: 'docs/a.md',
        mediaType: { format: 'raw' },
      },
    );
    expect(String(raw.data)).toBe('B\n');
    await alice.rest.repos.deleteFile({
      owner: 'acme',
      repo: 'demo',
      path: 'docs/a.md',
      message: 'rm',
      sha: upd.data.content!.sha!,
    });
    await expect(
      alice.rest.repos.getContent({
        owner: 'acme',
        repo: 'demo',
        path: 'docs/a.md',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("serves what Backstage's GitHub URL reader needs: raw contents, combined status with archive_url, tarball", async () => {
    const status = await fetch(
      `${env.url}/api/v3/repos/acme/demo/commits/main/status?per_page=0`,
      {
        headers: { authorization: 'token sandbox-bot-token' },
      },
    );
    const body = await status.json();
    expect(body.repository.archive_url).toBe(
      `${env.url}/api/v3/repos/acme/demo/{archive_format}{/ref}`,
    );
    const tarUrl = body.repository.archive_url
      .replace('{archive_format}', 'tarball')
      .replace('{/ref}', `/${body.sha}`);
    const tar = await fetch(tarUrl, {
      headers: { authorization: 'token sandbox-bot-token' },
    });
    expect(tar.status).toBe(200);
    const file = path.join(env.dir, 'demo.tar.gz');
    fs.writeFileSync(file, Buffer.from(await tar.arrayBuffer()));
    const list = await new Promise<string>((resolve, reject) =>
      execFile('tar', ['-tzf', file], (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(list.split('\n')).toContain(
      `acme-demo-${body.sha.slice(0, 7)}/app.txt`,
    );
    const raw = await fetch(
      `${env.url}/api/v3/repos/acme/demo/contents/app.txt?ref=main`,
      {
        headers: {
          authorization: 'token sandbox-bot-token',
          accept: 'application/vnd.github.v3.raw',
        },
      },
    );
    expect(await raw.text()).toBe('v2\n');
    expect(raw.headers.get('etag')).toBeTruthy();
  });

  it('finds PRs with search qualifiers and shows them as issues', async () => {
    const open = await alice.rest.search.issuesAndPullRequests({
      q: 'is:pr is:open repo:acme/guarded',
    });
    expect(open.data.total_count).toBe(0);
    const merged = await alice.rest.search.issuesAndPullRequests({
      q: 'is:pr is:merged org:acme author:alice Feature',
    });
    expect(
      merged.data.items
        .map(i => i.repository_url.split('/').slice(-1)[0])
        .sort(),
    ).toEqual(['guarded', 'merges', 'rebases']);
    expect(openapiErrors('/search/issues', 'get', 200, merged.data)).toBeNull();
    const approved = await alice.rest.search.issuesAndPullRequests({
      q: 'repo:acme/guarded review:approved',
    });
    expect(approved.data.items).toHaveLength(1);
    const issue = await alice.rest.issues.get({
      owner: 'acme',
      repo: 'demo',
      issue_number: 1,
    });
    expect(issue.data.pull_request?.merged_at).toBeTruthy();
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/issues/{issue_number}',
        'get',
        200,
        issue.data,
      ),
    ).toBeNull();
    // guest cannot find private repos' PRs
    expect(
      (
        await guest.rest.search.issuesAndPullRequests({ q: 'org:acme is:pr' })
      ).data.items.filter(i => i.repository_url.endsWith('/demo')),
    ).toEqual([]);
  });

  it('delivers injected faults the way GitHub sends them', async () => {
    const until = Date.now() + 60_000;
    const f1 = env.ctx.faults.add({
      family: 'github',
      service: 'demo',
      fault: { kind: 'rate-limit' },
      until,
    });
    const e1 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'demo' })
      .catch(e => e);
    expect(e1.status).toBe(403);
    expect(e1.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(e1.message).toMatch(/rate limit/i);
    env.ctx.faults.remove(f1.id);
    const f2 = env.ctx.faults.add({
      family: 'github',
      service: 'demo',
      fault: { kind: 'secondary-rate-limit', retryAfterSeconds: 30 },
      until,
    });
    const e2 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'demo' })
      .catch(e => e);
    expect(e2.status).toBe(403);
    expect(e2.response.headers['retry-after']).toBe('30');
    expect(e2.message).toMatch(/secondary rate limit/);
    env.ctx.faults.remove(f2.id);
    const f3 = env.ctx.faults.add({
      family: 'github',
      service: 'demo',
      fault: { kind: 'status', status: 502 },
      until,
    });
    const e3 = await alice.rest.repos
      .get({ owner: 'acme', repo: 'demo' })
      .catch(e => e);
    expect(e3.status).toBe(502);
    // other repos are unaffected
    expect(
      (await alice.rest.repos.get({ owner: 'acme', repo: 'merges' })).status,
    ).toBe(200);
    env.ctx.faults.remove(f3.id);
    expect(
      (await alice.rest.repos.get({ owner: 'acme', repo: 'demo' })).status,
    ).toBe(200);
  });

  it('manages topics, environments and repository deletion', async () => {
    await alice.rest.repos.createInOrg({ org: 'acme', name: 'scratch' });
    const topics = await alice.rest.repos.replaceAllTopics({
      owner: 'acme',
      repo: 'scratch',
      names: ['node', 'demo'],
    });
    expect(topics.data.names).toEqual(['node', 'demo']);
    await expect(
      alice.rest.repos.replaceAllTopics({
        owner: 'acme',
        repo: 'scratch',
        names: ['Bad Topic'],
      }),
    ).rejects.toMatchObject({ status: 422 });
    const envr = await bot.rest.repos.createOrUpdateEnvironment({
      owner: 'acme',
      repo: 'scratch',
      environment_name: 'prod',
      wait_timer: 5,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/environments/{environment_name}',
        'put',
        200,
        envr.data,
      ),
    ).toBeNull();
    expect(
      (
        await bot.rest.repos.getEnvironment({
          owner: 'acme',
          repo: 'scratch',
          environment_name: 'prod',
        })
      ).data.name,
    ).toBe('prod');
    await bot.rest.repos.delete({ owner: 'acme', repo: 'scratch' });
    await expect(
      bot.rest.repos.get({ owner: 'acme', repo: 'scratch' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(env.ctx.git.exists('acme', 'scratch')).toBe(false);
  });

  it('counts requests per route pattern', async () => {
    env.ctx.counters.reset();
    await alice.rest.pulls.list({ owner: 'acme', repo: 'demo' });
    await alice.rest.pulls.list({ owner: 'acme', repo: 'merges' });
    const counts = await waitFor(async () => {
      const snap = env.ctx.counters.snapshot();
      return snap['github GET /api/v3/repos/:owner/:repo/pulls'] === 2 && snap;
    }, 'two pull-list requests counted');
    expect(counts['github GET /api/v3/repos/:owner/:repo/pulls']).toBe(2);
    await alice.rest.pulls.get({ owner: 'acme', repo: 'demo', pull_number: 1 });
    await waitFor(
      async () =>
        env.ctx.counters.snapshot()[
          'github GET /api/v3/repos/:owner/:repo/pulls/:number'
        ] === 1,
      'one pull-get request counted',
    );
    expect(
      env.ctx.counters.snapshot()[
        'github GET /api/v3/repos/:owner/:repo/pulls/:number'
      ],
    ).toBe(1);
  });
});
