import type { Octokit } from '@octokit/rest';
import {
  type GithubTestEnv,
  createRepoWithFiles,
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

const author = { name: 'Alice Martin', email: 'alice@acme.example' };

describe('GraphQL', () => {
  it('answers the PR list query with checks, reviews and mergeability in one request', async () => {
    await createRepoWithFiles(env, alice, 'gql', { 'a.txt': 'one\n' });
    await env.ctx.git.commitFiles('acme', 'gql', {
      branch: 'green',
      base: 'main',
      message: 'green',
      author,
      files: { 'a.txt': 'one\ntwo\n' },
      pusher: 'alice',
    });
    await env.ctx.git.commitFiles('acme', 'gql', {
      branch: 'red',
      base: 'main',
      message: 'red',
      author,
      files: { [CI_FAIL_MARKER]: '1' },
      pusher: 'alice',
    });
    const green = await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'gql',
      title: 'Green',
      head: 'green',
      base: 'main',
    });
    await alice.rest.pulls.create({
      owner: 'acme',
      repo: 'gql',
      title: 'Red',
      head: 'red',
      base: 'main',
    });
    await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'gql',
      pull_number: green.data.number,
      event: 'APPROVE',
    });
    await waitFor(async () => {
      const runs = (
        await alice.rest.checks.listForRef({
          owner: 'acme',
          repo: 'gql',
          ref: 'red',
        })
      ).data.check_runs;
      // the sandbox CI's two checks, both finished
      return runs.length >= 2 && runs.every(c => c.status === 'completed');
    }, 'check runs completed on gql red');
    await waitFor(async () => {
      const runs = (
        await alice.rest.checks.listForRef({
          owner: 'acme',
          repo: 'gql',
          ref: 'green',
        })
      ).data.check_runs;
      // the sandbox CI's two checks, both finished
      return runs.length >= 2 && runs.every(c => c.status === 'completed');
    }, 'check runs completed on gql green');
    const query = `query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        pullRequests(states: [OPEN], first: 20, orderBy: {field: CREATED_AT, direction: ASC}) {
          totalCount
          nodes {
            number title url updatedAt headRefName baseRefName additions deletions mergeable reviewDecision
            author { login }
            latestReviews(first: 10) { nodes { state author { login } } }
            statusCheckRollup { state contexts(first: 50) { nodes {
              __typename
              ... on CheckRun { name status conclusion }
              ... on StatusContext { context state }
            } } }
          }
        }
      }
    }`;
    env.ctx.counters.reset();
    const data: any = await alice.graphql(query, {
      owner: 'acme',
      name: 'gql',
      baseUrl: `${env.url}/api`,
    });
    expect(env.ctx.counters.total('github POST')).toBe(1);
    const [g, r] = data.repository.pullRequests.nodes;
    expect(data.repository.pullRequests.totalCount).toBe(2);
    expect(g).toMatchObject({
      title: 'Green',
      headRefName: 'green',
      baseRefName: 'main',
      additions: 1,
      deletions: 0,
      mergeable: 'MERGEABLE',
      reviewDecision: 'APPROVED',
      author: { login: 'alice' },
    });
    expect(g.latestReviews.nodes).toEqual([
      { state: 'APPROVED', author: { login: 'luffy-bot' } },
    ]);
    expect(g.statusCheckRollup.state).toBe('SUCCESS');
    expect(g.statusCheckRollup.contexts.nodes).toEqual(
      expect.arrayContaining([
        {
          __typename: 'CheckRun',
          name: 'ci/build',
          status: 'COMPLETED',
          conclusion: 'SUCCESS',
        },
        { __typename: 'StatusContext', context: 'ci', state: 'SUCCESS' },
      ]),
    );
    expect(r.statusCheckRollup.state).toBe('FAILURE');
    expect(r.reviewDecision).toBeNull();

    const missing: any = await alice
      .graphql(`{ repository(owner: "acme", name: "nope") { name } }`, {
        baseUrl: `${env.url}/api`,
      })
      .catch((e: any) => e);
    expect(missing.errors[0].type).toBe('NOT_FOUND');
    const bad: any = await alice
      .graphql(`{ repository(owner: "acme", name: "gql") { nope } }`, {
        baseUrl: `${env.url}/api`,
      })
      .catch((e: any) => e);
    expect(bad.errors[0].message).toMatch(/Cannot query field "nope"/);
  });
});
