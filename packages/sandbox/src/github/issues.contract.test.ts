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

describe('issues', () => {
  it('creates, gets, lists, updates and closes an issue (numbers shared with PRs)', async () => {
    const pr = await createRepoWithPull(env, alice, 'issues-crud');
    const created = await alice.rest.issues.create({
      owner: 'acme',
      repo: 'issues-crud',
      title: 'Checkout fails',
      body: 'Stack trace attached',
      labels: ['bug'],
      assignees: ['alice'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(created.data.url);
    valid('/repos/{owner}/{repo}/issues', 'post', 201, created.data);
    expect(created.data).toMatchObject({
      number: pr.number + 1,
      state: 'open',
      title: 'Checkout fails',
      body: 'Stack trace attached',
      user: { login: 'alice' },
      labels: [{ name: 'bug' }],
      assignees: [{ login: 'alice' }],
    });
    expect(created.data.pull_request).toBeUndefined();

    const got = await guest.rest.issues.get({
      owner: 'acme',
      repo: 'issues-crud',
      issue_number: created.data.number,
    });
    valid('/repos/{owner}/{repo}/issues/{issue_number}', 'get', 200, got.data);
    expect(got.data.assignees?.map(a => a.login)).toEqual(['alice']);

    const list = await alice.rest.issues.listForRepo({
      owner: 'acme',
      repo: 'issues-crud',
    });
    valid('/repos/{owner}/{repo}/issues', 'get', 200, list.data);
    expect(list.data.map(i => [i.number, !!i.pull_request])).toEqual([
      [created.data.number, false],
      [pr.number, true],
    ]);
    const bugs = await alice.rest.issues.listForRepo({
      owner: 'acme',
      repo: 'issues-crud',
      labels: 'bug',
    });
    expect(bugs.data.map(i => i.number)).toEqual([created.data.number]);

    const closed = await alice.rest.issues.update({
      owner: 'acme',
      repo: 'issues-crud',
      issue_number: created.data.number,
      state: 'closed',
      state_reason: 'not_planned',
      title: 'Checkout fails on Safari',
    });
    valid(
      '/repos/{owner}/{repo}/issues/{issue_number}',
      'patch',
      200,
      closed.data,
    );
    expect(closed.data).toMatchObject({
      state: 'closed',
      state_reason: 'not_planned',
      title: 'Checkout fails on Safari',
    });
    expect(closed.data.closed_at).toBeTruthy();
    const open = await alice.rest.issues.listForRepo({
      owner: 'acme',
      repo: 'issues-crud',
      state: 'open',
    });
    expect(open.data.map(i => i.number)).toEqual([pr.number]);

    await expect(
      alice.rest.issues.create({
        owner: 'acme',
        repo: 'issues-crud',
        title: '',
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      alice.rest.issues.get({
        owner: 'acme',
        repo: 'issues-crud',
        issue_number: 999,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('comments: create, list, read, edit and delete by id, on issues and PRs', async () => {
    const pr = await createRepoWithPull(env, alice, 'issues-comments');
    const issue = await alice.rest.issues.create({
      owner: 'acme',
      repo: 'issues-comments',
      title: 'Q',
    });
    const c = await alice.rest.issues.createComment({
      owner: 'acme',
      repo: 'issues-comments',
      issue_number: issue.data.number,
      body: 'first',
    });
    expect(c.status).toBe(201);
    valid(
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      'post',
      201,
      c.data,
    );
    expect(c.data.html_url).toContain(
      `/issues/${issue.data.number}#issuecomment-${c.data.id}`,
    );
    await bot.rest.issues.createComment({
      owner: 'acme',
      repo: 'issues-comments',
      issue_number: pr.number,
      body: 'on the PR',
    });

    const byId = await alice.rest.issues.getComment({
      owner: 'acme',
      repo: 'issues-comments',
      comment_id: c.data.id,
    });
    valid(
      '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      'get',
      200,
      byId.data,
    );
    expect(byId.data.body).toBe('first');

    const edited = await alice.rest.issues.updateComment({
      owner: 'acme',
      repo: 'issues-comments',
      comment_id: c.data.id,
      body: 'edited',
    });
    valid(
      '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      'patch',
      200,
      edited.data,
    );
    expect(edited.data.body).toBe('edited');
    await expect(
      guest.rest.issues.updateComment({
        owner: 'acme',
        repo: 'issues-comments',
        comment_id: c.data.id,
        body: 'hijack',
      }),
    ).rejects.toMatchObject({ status: 403 });

    const onIssue = await alice.rest.issues.listComments({
      owner: 'acme',
      repo: 'issues-comments',
      issue_number: issue.data.number,
    });
    valid(
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      'get',
      200,
      onIssue.data,
    );
    expect(onIssue.data.map(x => x.body)).toEqual(['edited']);
    const all = await alice.rest.issues.listCommentsForRepo({
      owner: 'acme',
      repo: 'issues-comments',
    });
    expect(all.data.map(x => x.body)).toEqual(['edited', 'on the PR']);
    expect(
      (
        await alice.rest.issues.get({
          owner: 'acme',
          repo: 'issues-comments',
          issue_number: issue.data.number,
        })
      ).data.comments,
    ).toBe(1);

    const del = await alice.rest.issues.deleteComment({
      owner: 'acme',
      repo: 'issues-comments',
      comment_id: c.data.id,
    });
    expect(del.status).toBe(204);
    await expect(
      alice.rest.issues.getComment({
        owner: 'acme',
        repo: 'issues-comments',
        comment_id: c.data.id,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('labels: list, create, update, delete, and add/set/remove on issues and PRs', async () => {
    const pr = await createRepoWithPull(env, alice, 'issues-labels');
    const created = await alice.rest.issues.createLabel({
      owner: 'acme',
      repo: 'issues-labels',
      name: 'healing',
      color: 'FF8800',
      description: 'opened by luffy',
    });
    expect(created.status).toBe(201);
    valid('/repos/{owner}/{repo}/labels', 'post', 201, created.data);
    expect(created.data).toMatchObject({
      name: 'healing',
      color: 'ff8800',
      description: 'opened by luffy',
    });
    await expect(
      alice.rest.issues.createLabel({
        owner: 'acme',
        repo: 'issues-labels',
        name: 'Healing',
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      alice.rest.issues.createLabel({
        owner: 'acme',
        repo: 'issues-labels',
        name: 'x',
        color: 'nope',
      }),
    ).rejects.toMatchObject({ status: 422 });

    const added = await alice.rest.issues.addLabels({
      owner: 'acme',
      repo: 'issues-labels',
      issue_number: pr.number,
      labels: ['healing', 'urgent'],
    });
    valid(
      '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      'post',
      200,
      added.data,
    );
    expect(added.data.map(l => l.name)).toEqual(['healing', 'urgent']);
    const prView = await alice.rest.pulls.get({
      owner: 'acme',
      repo: 'issues-labels',
      pull_number: pr.number,
    });
    expect(prView.data.labels.map(l => [l.name, l.color])).toEqual([
      ['healing', 'ff8800'],
      ['urgent', 'ededed'],
    ]);

    const labels = await alice.rest.issues.listLabelsForRepo({
      owner: 'acme',
      repo: 'issues-labels',
    });
    valid('/repos/{owner}/{repo}/labels', 'get', 200, labels.data);
    expect(labels.data.map(l => l.name).sort()).toEqual(['healing', 'urgent']);

    const renamed = await alice.rest.issues.updateLabel({
      owner: 'acme',
      repo: 'issues-labels',
      name: 'urgent',
      new_name: 'p1',
      color: '#b60205',
    });
    valid('/repos/{owner}/{repo}/labels/{name}', 'patch', 200, renamed.data);
    expect(renamed.data).toMatchObject({ name: 'p1', color: 'b60205' });
    const got = await alice.rest.issues.getLabel({
      owner: 'acme',
      repo: 'issues-labels',
      name: 'p1',
    });
    valid('/repos/{owner}/{repo}/labels/{name}', 'get', 200, got.data);
    expect(
      (
        await alice.rest.issues.listLabelsOnIssue({
          owner: 'acme',
          repo: 'issues-labels',
          issue_number: pr.number,
        })
      ).data.map(l => l.name),
    ).toEqual(['healing', 'p1']);

    const removed = await alice.rest.issues.removeLabel({
      owner: 'acme',
      repo: 'issues-labels',
      issue_number: pr.number,
      name: 'healing',
    });
    expect(removed.data.map(l => l.name)).toEqual(['p1']);
    const set = await alice.rest.issues.setLabels({
      owner: 'acme',
      repo: 'issues-labels',
      issue_number: pr.number,
      labels: ['healing'],
    });
    expect(set.data.map(l => l.name)).toEqual(['healing']);

    expect(
      (
        await alice.rest.issues.deleteLabel({
          owner: 'acme',
          repo: 'issues-labels',
          name: 'healing',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await alice.rest.issues.listLabelsOnIssue({
          owner: 'acme',
          repo: 'issues-labels',
          issue_number: pr.number,
        })
      ).data,
    ).toEqual([]);
    await expect(
      guest.rest.issues.createLabel({
        owner: 'acme',
        repo: 'issues-labels',
        name: 'g',
      }),
    ).rejects.toMatchObject({ status: 403 });
    // a label needs a name and a six-digit colour
    const refused = await fetch(
      `${env.url}/api/v3/repos/acme/issues-labels/labels`,
      {
        method: 'POST',
        headers: {
          authorization: 'token sandbox-alice-token',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ color: 'ff0000' }),
      },
    );
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Label', field: 'name', code: 'missing_field' }],
    });
    await expect(
      alice.rest.issues.createLabel({
        owner: 'acme',
        repo: 'issues-labels',
        name: 'red',
        color: 'red',
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('assignees stick on issues and PRs', async () => {
    const pr = await createRepoWithPull(env, alice, 'issues-assignees');
    const res = await alice.rest.issues.addAssignees({
      owner: 'acme',
      repo: 'issues-assignees',
      issue_number: pr.number,
      assignees: ['alice', 'luffy-bot', 'nobody-here'],
    });
    expect(res.status).toBe(201);
    valid(
      '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
      'post',
      201,
      res.data,
    );
    expect(res.data.assignees?.map(a => a.login)).toEqual([
      'alice',
      'luffy-bot',
    ]);
    const pull = await alice.rest.pulls.get({
      owner: 'acme',
      repo: 'issues-assignees',
      pull_number: pr.number,
    });
    expect(pull.data.assignees?.map(a => a.login)).toEqual([
      'alice',
      'luffy-bot',
    ]);
    expect(pull.data.assignee?.login).toBe('alice');
    const less = await alice.rest.issues.removeAssignees({
      owner: 'acme',
      repo: 'issues-assignees',
      issue_number: pr.number,
      assignees: ['alice'],
    });
    expect(less.data.assignees?.map(a => a.login)).toEqual(['luffy-bot']);
    expect(
      (
        await alice.rest.issues.get({
          owner: 'acme',
          repo: 'issues-assignees',
          issue_number: pr.number,
        })
      ).data.assignees?.map(a => a.login),
    ).toEqual(['luffy-bot']);
  });
});
