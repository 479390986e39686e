import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  createRepoWithPull,
  withGithubContract,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
let guest: Octokit;

withGithubContract(c => {
  ({ env, alice, bot, guest } = c);
});

const valid = (path: string, method: string, status: number, body: unknown) =>
  expect(openapiErrors(path, method, status, body)).toBeNull();

describe('requested reviewers and review comments', () => {
  it('keeps requested reviewers readable and removable', async () => {
    const pr = await createRepoWithPull(env, alice, 'reviewers');
    const req = await alice.rest.pulls.requestReviewers({
      owner: 'acme',
      repo: 'reviewers',
      pull_number: pr.number,
      reviewers: ['luffy-bot'],
    });
    expect(req.status).toBe(201);
    valid(
      '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      'post',
      201,
      req.data,
    );
    const listed = await alice.rest.pulls.listRequestedReviewers({
      owner: 'acme',
      repo: 'reviewers',
      pull_number: pr.number,
    });
    valid(
      '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      'get',
      200,
      listed.data,
    );
    expect(listed.data.users.map(u => u.login)).toEqual(['luffy-bot']);
    expect(
      (
        await alice.rest.pulls.get({
          owner: 'acme',
          repo: 'reviewers',
          pull_number: pr.number,
        })
      ).data.requested_reviewers?.map(u => u.login),
    ).toEqual(['luffy-bot']);
    await expect(
      alice.rest.pulls.requestReviewers({
        owner: 'acme',
        repo: 'reviewers',
        pull_number: pr.number,
        reviewers: ['alice'],
      }),
    ).rejects.toMatchObject({ status: 422 });
    await alice.rest.pulls.removeRequestedReviewers({
      owner: 'acme',
      repo: 'reviewers',
      pull_number: pr.number,
      reviewers: ['luffy-bot'],
    });
    expect(
      (
        await alice.rest.pulls.listRequestedReviewers({
          owner: 'acme',
          repo: 'reviewers',
          pull_number: pr.number,
        })
      ).data.users,
    ).toEqual([]);
  });

  it('reads, edits and deletes review comments made with a review and on their own', async () => {
    const pr = await createRepoWithPull(env, alice, 'review-comments');
    const review = await bot.rest.pulls.createReview({
      owner: 'acme',
      repo: 'review-comments',
      pull_number: pr.number,
      event: 'REQUEST_CHANGES',
      body: 'see inline',
      comments: [{ path: 'src/app.ts', line: 1, body: 'name this better' }],
    });
    const single = await alice.rest.pulls.createReviewComment({
      owner: 'acme',
      repo: 'review-comments',
      pull_number: pr.number,
      commit_id: pr.head.sha,
      path: 'src/app.ts',
      line: 1,
      body: 'agreed',
    });
    expect(single.status).toBe(201);
    valid(
      '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
      'post',
      201,
      single.data,
    );
    const list = await alice.rest.pulls.listReviewComments({
      owner: 'acme',
      repo: 'review-comments',
      pull_number: pr.number,
    });
    valid(
      '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
      'get',
      200,
      list.data,
    );
    expect(
      list.data.map(c => [c.body, c.path, c.line, c.pull_request_review_id]),
    ).toEqual([
      ['name this better', 'src/app.ts', 1, review.data.id],
      ['agreed', 'src/app.ts', 1, null],
    ]);
    const ofReview = await alice.rest.pulls.listCommentsForReview({
      owner: 'acme',
      repo: 'review-comments',
      pull_number: pr.number,
      review_id: review.data.id,
    });
    expect(ofReview.data.map(c => c.body)).toEqual(['name this better']);
    const got = await alice.rest.pulls.getReviewComment({
      owner: 'acme',
      repo: 'review-comments',
      comment_id: single.data.id,
    });
    valid(
      '/repos/{owner}/{repo}/pulls/comments/{comment_id}',
      'get',
      200,
      got.data,
    );
    const edited = await alice.rest.pulls.updateReviewComment({
      owner: 'acme',
      repo: 'review-comments',
      comment_id: single.data.id,
      body: 'agreed!',
    });
    expect(edited.data.body).toBe('agreed!');
    // someone else's review comment is neither editable nor deletable
    await expect(
      guest.rest.pulls.updateReviewComment({
        owner: 'acme',
        repo: 'review-comments',
        comment_id: single.data.id,
        body: 'hijack',
      }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      guest.rest.pulls.deleteReviewComment({
        owner: 'acme',
        repo: 'review-comments',
        comment_id: single.data.id,
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(
      (
        await alice.rest.pulls.deleteReviewComment({
          owner: 'acme',
          repo: 'review-comments',
          comment_id: single.data.id,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await alice.rest.pulls.listReviewComments({
          owner: 'acme',
          repo: 'review-comments',
          pull_number: pr.number,
        })
      ).data,
    ).toHaveLength(1);
    await expect(
      alice.rest.pulls.getReviewComment({
        owner: 'acme',
        repo: 'review-comments',
        comment_id: single.data.id,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
