import { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
  createRepoWithPull,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
let guest: Octokit;

withGithubContract(c => {
  ({ env, alice, bot, guest } = c);
});

describe('GitHub search of issues and pull requests', () => {
  // merged PRs titled Feature by alice in three repos (guarded's approved), and a private
  // repo demo whose PR #1 (Bump to v2) is merged
  beforeAll(async () => {
    for (const repo of ['merges', 'rebases', 'guarded']) {
      const pr = await createRepoWithPull(env, alice, repo, undefined, {
        title: 'Feature',
      });
      if (repo === 'guarded')
        await bot.rest.pulls.createReview({
          owner: 'acme',
          repo,
          pull_number: pr.number,
          event: 'APPROVE',
        });
      await bot.rest.pulls.merge({
        owner: 'acme',
        repo,
        pull_number: pr.number,
      });
    }
    const demo = await createRepoWithPull(env, alice, 'demo', undefined, {
      title: 'Bump to v2',
      private: true,
    });
    await bot.rest.pulls.merge({
      owner: 'acme',
      repo: 'demo',
      pull_number: demo.number,
    });
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
    // alice finds the private repo's PR, guest does not
    expect(
      (
        await alice.rest.search.issuesAndPullRequests({ q: 'org:acme is:pr' })
      ).data.items.some(i => i.repository_url.endsWith('/demo')),
    ).toBe(true);
    expect(
      (
        await guest.rest.search.issuesAndPullRequests({ q: 'org:acme is:pr' })
      ).data.items.filter(i => i.repository_url.endsWith('/demo')),
    ).toEqual([]);
  });
});
