import type {
  Account,
  PullRecord,
  ReviewRecord,
  CommentRecord,
} from '../state';
import { Schemas, Urls, nodeId } from './common';
import { simpleUser } from './users';

export function authorAssociation(
  owner: Account,
  login: string,
): Schemas['author-association'] {
  if (owner.login === login) return 'OWNER';
  if (owner.members?.[login]) return 'MEMBER';
  return 'CONTRIBUTOR';
}

export function pullSimple(
  u: Urls,
  p: PullRecord,
  repo: Schemas['full-repository'],
  owner: Account,
  user: Account,
): Schemas['pull-request-simple'] {
  const full = `${p.owner}/${p.repo}`;
  const url = `${u.api}/repos/${full}/pulls/${p.number}`;
  const html = `${u.base}/${full}/pull/${p.number}`;
  const issue = `${u.api}/repos/${full}/issues/${p.number}`;
  const side = (ref: string, sha: string) => ({
    label: `${p.owner}:${ref}`,
    ref,
    sha,
    user: simpleUser(u, owner),
    repo: repo as any,
  });
  return {
    url,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${u.api}/repos/${full}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${u.api}/repos/${full}/statuses/${p.head_sha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: simpleUser(u, user),
    body: p.body,
    labels: p.labels.map((name, i) => ({
      id: p.id * 100 + i,
      node_id: nodeId('Label', p.id * 100 + i),
      url: `${u.api}/repos/${full}/labels/${encodeURIComponent(name)}`,
      name,
      description: '',
      color: 'ededed',
      default: false,
    })),
    milestone: null,
    active_lock_reason: null,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.closed_at,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(p.head, p.head_sha),
    base: side(p.base, p.base_sha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: {
        href: `${u.api}/repos/${full}/pulls/comments{/number}`,
      },
      commits: { href: `${url}/commits` },
      statuses: { href: `${u.api}/repos/${full}/statuses/${p.head_sha}` },
    },
    author_association: authorAssociation(owner, p.user),
    auto_merge: null,
    draft: p.draft,
  };
}

export function review(
  u: Urls,
  r: ReviewRecord,
  owner: Account,
  user: Account,
): Schemas['pull-request-review'] {
  const full = `${r.owner}/${r.repo}`;
  const html = `${u.base}/${full}/pull/${r.number}#pullrequestreview-${r.id}`;
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user: simpleUser(u, user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: `${u.api}/repos/${full}/pulls/${r.number}`,
    _links: {
      html: { href: html },
      pull_request: { href: `${u.api}/repos/${full}/pulls/${r.number}` },
    },
    submitted_at: r.submitted_at ?? undefined,
    commit_id: r.commit_id,
    author_association: authorAssociation(owner, r.user),
  };
}

export function issueComment(
  u: Urls,
  c: CommentRecord,
  owner: Account,
  user: Account,
): Schemas['issue-comment'] {
  const full = `${c.owner}/${c.repo}`;
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${u.api}/repos/${full}/issues/comments/${c.id}`,
    html_url: `${u.base}/${full}/pull/${c.number}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(u, user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    issue_url: `${u.api}/repos/${full}/issues/${c.number}`,
    author_association: authorAssociation(owner, c.user),
  };
}
