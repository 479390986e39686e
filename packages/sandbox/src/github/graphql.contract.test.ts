import { Octokit } from '@octokit/rest';
import {
  type GithubTestEnv,
  createRepoWithPull,
  withGithubContract,
} from './__testUtils__';
import { CI_FAIL_MARKER } from './ci';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;

withGithubContract(
  c => {
    ({ env, alice, bot } = c);
  },
  { timeScale: 100 },
);

/** A raw GraphQL call, to see status and body as they are (Octokit's graphql throws on `errors`). */
async function rawGraphql(
  query: string,
  variables: Record<string, unknown> = {},
  token = 'sandbox-bot-token',
) {
  const res = await fetch(`${env.url}/api/graphql`, {
    method: 'POST',
    headers: {
      authorization: `bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: await res.json(),
  };
}

const REVIEW_TAB = /* GraphQL */ `
  query ($owner: String!, $name: String!, $number: Int!) {
    rateLimit {
      cost
      remaining
      resetAt
    }
    repository(owner: $owner, name: $name) {
      mergeCommitAllowed
      squashMergeAllowed
      rebaseMergeAllowed
      pullRequest(number: $number) {
        id
        title
        createdAt
        isDraft
        reviewDecision
        mergeable
        mergeStateStatus
        headRefOid
        author {
          login
        }
        labels(first: 20) {
          nodes {
            name
            color
          }
        }
        reviewRequests(first: 10) {
          totalCount
          nodes {
            requestedReviewer {
              ... on User {
                login
              }
              ... on Bot {
                login
              }
            }
          }
        }
        files(first: 50) {
          totalCount
          nodes {
            path
            additions
            deletions
            changeType
          }
        }
        commits(last: 1) {
          nodes {
            commit {
              oid
              statusCheckRollup {
                state
                contexts(first: 50) {
                  nodes {
                    __typename
                    ... on CheckRun {
                      name
                      status
                      conclusion
                      detailsUrl
                    }
                    ... on StatusContext {
                      context
                      state
                      targetUrl
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

describe('GraphQL for the PR review tab', () => {
  it('answers everything a review tab needs in one request', async () => {
    const pr = await createRepoWithPull(env, alice, 'gql-tab', {
      'src/app.ts': 'export const a = 1;\n',
      [CI_FAIL_MARKER]: '1',
    });
    await alice.rest.issues.addLabels({
      owner: 'acme',
      repo: 'gql-tab',
      issue_number: pr.number,
      labels: ['healing'],
    });
    await alice.rest.pulls.requestReviewers({
      owner: 'acme',
      repo: 'gql-tab',
      pull_number: pr.number,
      reviewers: ['luffy-bot'],
    });
    await bot.rest.repos.createCommitStatus({
      owner: 'acme',
      repo: 'gql-tab',
      sha: pr.head.sha,
      state: 'success',
      context: 'deploy/preview',
      target_url: 'https://preview.example/1',
    });
    await waitFor(async () => {
      const runs = (
        await alice.rest.checks.listForRef({
          owner: 'acme',
          repo: 'gql-tab',
          ref: pr.head.sha,
        })
      ).data.check_runs;
      return runs.length >= 2 && runs.every(r => r.status === 'completed');
    }, 'CI check runs completed');

    // one request: everything below comes from this single call
    const data: any = await alice.graphql(REVIEW_TAB, {
      owner: 'acme',
      name: 'gql-tab',
      number: pr.number,
    });
    expect(data.rateLimit).toEqual({
      cost: expect.any(Number),
      remaining: expect.any(Number),
      resetAt: expect.stringMatching(/Z$/),
    });
    const repo = data.repository;
    expect(repo).toMatchObject({
      mergeCommitAllowed: true,
      squashMergeAllowed: true,
      rebaseMergeAllowed: true,
    });
    const p = repo.pullRequest;
    expect(p).toMatchObject({
      title: 'Topic',
      isDraft: false,
      author: { login: 'alice' },
      headRefOid: pr.head.sha,
      mergeable: 'MERGEABLE',
      mergeStateStatus: 'UNSTABLE',
      reviewDecision: null,
      labels: { nodes: [{ name: 'healing', color: 'ededed' }] },
      reviewRequests: {
        totalCount: 1,
        nodes: [{ requestedReviewer: { login: 'luffy-bot' } }],
      },
      files: { totalCount: 2 },
    });
    expect(p.files.nodes).toContainEqual({
      path: 'src/app.ts',
      additions: 1,
      deletions: 0,
      changeType: 'ADDED',
    });
    const last = p.commits.nodes[0].commit;
    expect(last.oid).toBe(pr.head.sha);
    expect(last.statusCheckRollup.state).toBe('FAILURE');
    const contexts = last.statusCheckRollup.contexts.nodes;
    expect(contexts).toContainEqual({
      __typename: 'CheckRun',
      name: 'ci/build',
      status: 'COMPLETED',
      conclusion: 'FAILURE',
      detailsUrl: expect.any(String),
    });
    expect(contexts).toContainEqual({
      __typename: 'StatusContext',
      context: 'deploy/preview',
      state: 'SUCCESS',
      targetUrl: 'https://preview.example/1',
    });
  });

  it('resolves node/nodes and finds PRs with search(type: ISSUE)', async () => {
    const pr = await createRepoWithPull(env, alice, 'gql-nodes');
    const data: any = await alice.graphql(
      `query($q: String!, $id: ID!) {
        search(query: $q, type: ISSUE, first: 5) { issueCount nodes { ... on PullRequest { id number title } } }
        node(id: $id) { __typename ... on PullRequest { number } }
        nodes(ids: [$id, "bm9wZQ=="]) { id }
      }`,
      { q: 'repo:acme/gql-nodes is:pr is:open', id: pr.node_id ?? '' },
    );
    expect(data.search.issueCount).toBe(1);
    const id = data.search.nodes[0].id;
    const again: any = await alice.graphql(
      `query($id: ID!) { node(id: $id) { __typename ... on PullRequest { number title } } nodes(ids: [$id, "bm9wZQ=="]) { id } }`,
      { id },
    );
    expect(again.node).toEqual({
      __typename: 'PullRequest',
      number: pr.number,
      title: 'Topic',
    });
    expect(again.nodes).toEqual([{ id }, null]);
  });
});

describe('GraphQL mutations', () => {
  it('addPullRequestReview approves, and an own-PR approval is a GraphQL error (200 with errors)', async () => {
    const pr = await createRepoWithPull(env, alice, 'gql-review');
    const { repository }: any = await bot.graphql(
      `query { repository(owner: "acme", name: "gql-review") { pullRequest(number: ${pr.number}) { id } } }`,
    );
    const id = repository.pullRequest.id;
    const res: any = await bot.graphql(
      `mutation($id: ID!) { addPullRequestReview(input: {pullRequestId: $id, event: APPROVE, body: "ship it"}) { pullRequestReview { state body author { login } } } }`,
      { id },
    );
    expect(res.addPullRequestReview.pullRequestReview).toEqual({
      state: 'APPROVED',
      body: 'ship it',
      author: { login: 'luffy-bot' },
    });
    const reviews = await alice.rest.pulls.listReviews({
      owner: 'acme',
      repo: 'gql-review',
      pull_number: pr.number,
    });
    expect(reviews.data.map(r => [r.user?.login, r.state])).toEqual([
      ['luffy-bot', 'APPROVED'],
    ]);

    const own = await rawGraphql(
      `mutation($id: ID!) { addPullRequestReview(input: {pullRequestId: $id, event: APPROVE}) { pullRequestReview { id } } }`,
      { id },
      'sandbox-alice-token',
    );
    expect(own.status).toBe(200);
    expect(own.type).toMatch(/^application\/json/);
    expect(own.body.data).toEqual({ addPullRequestReview: null });
    expect(own.body.errors).toEqual([
      expect.objectContaining({
        type: 'UNPROCESSABLE',
        path: ['addPullRequestReview'],
        message: 'Can not approve your own pull request',
      }),
    ]);
  });

  it('mergePullRequest honours expectedHeadOid and merges', async () => {
    const pr = await createRepoWithPull(env, alice, 'gql-merge');
    const { repository }: any = await bot.graphql(
      `query { repository(owner: "acme", name: "gql-merge") { pullRequest(number: ${pr.number}) { id } } }`,
    );
    const id = repository.pullRequest.id;
    const stale = await rawGraphql(
      `mutation($id: ID!) { mergePullRequest(input: {pullRequestId: $id, expectedHeadOid: "${'1'.repeat(
        40,
      )}"}) { pullRequest { merged } } }`,
      { id },
    );
    expect(stale.status).toBe(200);
    expect(stale.body.errors[0]).toMatchObject({
      type: 'UNPROCESSABLE',
      message: expect.stringMatching(/Head branch was modified/),
    });
    expect(
      (
        await alice.rest.pulls.get({
          owner: 'acme',
          repo: 'gql-merge',
          pull_number: pr.number,
        })
      ).data.merged,
    ).toBe(false);
    const done: any = await bot.graphql(
      `mutation($id: ID!, $oid: GitObjectID!) { mergePullRequest(input: {pullRequestId: $id, expectedHeadOid: $oid, mergeMethod: SQUASH}) { pullRequest { merged state } } }`,
      { id, oid: pr.head.sha },
    );
    expect(done.mergePullRequest.pullRequest).toEqual({
      merged: true,
      state: 'MERGED',
    });
  });

  it('enablePullRequestAutoMerge is refused where the repo does not allow it, recorded where it does', async () => {
    const pr = await createRepoWithPull(env, alice, 'gql-auto');
    const { repository }: any = await bot.graphql(
      `query { repository(owner: "acme", name: "gql-auto") { pullRequest(number: ${pr.number}) { id } } }`,
    );
    const id = repository.pullRequest.id;
    const refused = await rawGraphql(
      `mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { number } } }`,
      { id },
    );
    expect(refused.body.errors[0].message).toBe(
      'Auto merge is not allowed for this repository',
    );
    await bot.rest.repos.update({
      owner: 'acme',
      repo: 'gql-auto',
      allow_auto_merge: true,
    });
    await bot.rest.repos.updateBranchProtection({
      owner: 'acme',
      repo: 'gql-auto',
      branch: 'main',
      required_status_checks: null,
      enforce_admins: null,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
    });
    const enabled: any = await bot.graphql(
      `mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { pullRequest { autoMergeRequest { mergeMethod enabledBy { login } } } } }`,
      { id },
    );
    expect(
      enabled.enablePullRequestAutoMerge.pullRequest.autoMergeRequest,
    ).toEqual({ mergeMethod: 'SQUASH', enabledBy: { login: 'luffy-bot' } });
  });

  it('answers an unknown field with GraphQL errors, not a REST 500', async () => {
    const res = await rawGraphql('{ viewer { login doesNotExist } }');
    expect(res.status).toBe(200);
    expect(res.body.errors[0].message).toMatch(/doesNotExist/);
  });
});
