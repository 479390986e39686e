import fs from 'node:fs';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;

withGithubContract(c => {
  ({ env, alice, bot } = c);
});

const tokenUrl = (repo: string, token = 'sandbox-alice-token') =>
  `${env.url.replace(
    'http://',
    `http://x-access-token:${token}@`,
  )}/acme/${repo}.git`;

/** private acme/`name`: main with README.md, branch `feature` one commit ahead (git CLI). */
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

describe('GitHub pull requests: review, merge methods and branch protection (@octokit/rest and the git CLI)', () => {
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
});
