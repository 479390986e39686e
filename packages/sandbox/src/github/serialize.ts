import type { components } from '@octokit/openapi-types';
import type {
  Account,
  CheckRunRecord,
  CheckSuiteRecord,
  HookRecord,
  PullRecord,
  RepoRecord,
  ReviewRecord,
  RunRecord,
  StatusRecord,
  WorkflowRecord,
  EnvironmentRecord,
  CommentRecord,
} from './state';
import type { CommitInfo } from './gitdata';

export type Schemas = components['schemas'];

/** URL builders shared by the serializers (html base and API base). */
export type Urls = { base: string; api: string };

export const nodeId = (kind: string, id: number) =>
  Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');

export function simpleUser(
  u: Urls,
  a: Pick<Account, 'login' | 'id' | 'type'>,
): Schemas['simple-user'] {
  const url = `${u.api}/users/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type === 'Organization' ? 'Organization' : 'User', a.id),
    avatar_url: `${u.base}/avatars/${a.login}`,
    gravatar_id: '',
    url,
    html_url: `${u.base}/${a.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: a.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function publicUser(u: Urls, a: Account, publicRepos: number) {
  return {
    ...simpleUser(u, a),
    name: a.name,
    company: null,
    blog: '',
    location: null,
    email: a.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: a.created_at,
    updated_at: a.created_at,
  } satisfies Schemas['public-user'];
}

export function privateUser(
  u: Urls,
  a: Account,
  publicRepos: number,
  privateRepos: number,
): Schemas['private-user'] {
  return {
    ...publicUser(u, a, publicRepos),
    private_gists: 0,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
    plan: {
      name: 'free',
      space: 976562499,
      private_repos: 10000,
      collaborators: 0,
    },
  };
}

export function orgSimple(u: Urls, a: Account): Schemas['organization-simple'] {
  const url = `${u.api}/orgs/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId('Organization', a.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${u.base}/avatars/${a.login}`,
    description: a.name,
  };
}

export function orgFull(
  u: Urls,
  a: Account,
  publicRepos: number,
): Schemas['organization-full'] {
  return {
    ...orgSimple(u, a),
    name: a.name ?? a.login,
    company: undefined,
    blog: undefined,
    location: undefined,
    email: a.email ?? undefined,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${u.base}/${a.login}`,
    created_at: a.created_at,
    updated_at: a.created_at,
    archived_at: null,
    type: 'Organization',
  };
}

export function repository(
  u: Urls,
  r: RepoRecord,
  owner: Account,
  permissions?: { admin: boolean; push: boolean; pull: boolean },
  counts: { openIssues?: number; size?: number } = {},
): Schemas['full-repository'] {
  const full = `${r.owner}/${r.name}`;
  const url = `${u.api}/repos/${full}`;
  const host = u.base.replace(/^https?:\/\//, '');
  const open = counts.openIssues ?? 0;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: full,
    private: r.private,
    owner: simpleUser(u, owner),
    html_url: `${u.base}/${full}`,
    description: r.description,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${full}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host.replace(/:\d+$/, '')}:${full}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${u.base}/${full}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${u.base}/${full}`,
    homepage: r.homepage,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: counts.size ?? 0,
    default_branch: r.default_branch,
    open_issues_count: open,
    is_template: r.is_template ?? false,
    topics: r.topics,
    has_issues: r.has_issues,
    has_projects: r.has_projects,
    has_wiki: r.has_wiki,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: r.archived,
    disabled: false,
    visibility: r.visibility,
    pushed_at: r.pushed_at ?? r.created_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    permissions: permissions
      ? { ...permissions, maintain: permissions.push, triage: permissions.push }
      : undefined,
    allow_rebase_merge: r.allow_rebase_merge,
    allow_squash_merge: r.allow_squash_merge,
    allow_merge_commit: r.allow_merge_commit,
    allow_auto_merge: r.allow_auto_merge,
    delete_branch_on_merge: r.delete_branch_on_merge,
    allow_update_branch: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    forks: 0,
    open_issues: open,
    watchers: 0,
    license: null,
    network_count: 0,
    subscribers_count: 0,
    organization: owner.type === 'Organization' ? simpleUser(u, owner) : null,
  };
}

export function gitPerson(p: { name: string; email: string; date: string }) {
  return { name: p.name, email: p.email, date: p.date };
}

const unsigned = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

export function gitCommit(
  u: Urls,
  full: string,
  c: CommitInfo,
): Schemas['git-commit'] {
  const url = `${u.api}/repos/${full}/git/commits/${c.sha}`;
  return {
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 7), 16)),
    url,
    html_url: `${u.base}/${full}/commit/${c.sha}`,
    author: gitPerson(c.author),
    committer: gitPerson(c.committer),
    tree: { sha: c.tree, url: `${u.api}/repos/${full}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${u.api}/repos/${full}/git/commits/${p}`,
      html_url: `${u.base}/${full}/commit/${p}`,
    })),
    verification: unsigned,
  };
}

/** A commit as GET /repos/:o/:r/commits returns it; `user` maps an email to an account. */
export function commit(
  u: Urls,
  full: string,
  c: CommitInfo,
  user: (email: string, name: string) => Account | undefined,
  extra: Partial<Schemas['commit']> = {},
): Schemas['commit'] {
  const url = `${u.api}/repos/${full}/commits/${c.sha}`;
  const a = user(c.author.email, c.author.name);
  const cm = user(c.committer.email, c.committer.name);
  return {
    url,
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 7), 16)),
    html_url: `${u.base}/${full}/commit/${c.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${u.api}/repos/${full}/git/commits/${c.sha}`,
      author: gitPerson(c.author),
      committer: gitPerson(c.committer),
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${u.api}/repos/${full}/git/trees/${c.tree}` },
      verification: unsigned,
    },
    author: a ? simpleUser(u, a) : null,
    committer: cm ? simpleUser(u, cm) : null,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${u.api}/repos/${full}/commits/${p}`,
      html_url: `${u.base}/${full}/commit/${p}`,
    })),
    ...extra,
  };
}

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

export const SANDBOX_APP = {
  id: 1,
  slug: 'sandbox-ci',
  name: 'Sandbox CI',
};

export function integration(
  u: Urls,
  owner: Account,
  slug = SANDBOX_APP.slug,
): Schemas['integration'] {
  const name = slug === SANDBOX_APP.slug ? SANDBOX_APP.name : slug;
  const id = slug === SANDBOX_APP.slug ? SANDBOX_APP.id : 15368;
  return {
    id,
    slug,
    node_id: nodeId('App', id),
    client_id: 'Iv1.sandbox',
    owner: simpleUser(u, owner),
    name,
    description: 'Simulated CI of the OpenLuffy sandbox',
    external_url: `${u.base}/apps/${slug}`,
    html_url: `${u.base}/apps/${slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions: {
      checks: 'write',
      statuses: 'write',
      contents: 'read',
      metadata: 'read',
    },
    events: ['push', 'pull_request'],
  };
}

export function checkSuite(
  u: Urls,
  s: CheckSuiteRecord,
  repo: Schemas['full-repository'],
  owner: Account,
  head: CommitInfo | undefined,
  runsCount: number,
  prs: Schemas['pull-request-minimal'][],
): Schemas['check-suite'] {
  const full = `${s.owner}/${s.repo}`;
  return {
    id: s.id,
    node_id: nodeId('CheckSuite', s.id),
    head_branch: s.head_branch,
    head_sha: s.head_sha,
    status: s.status,
    conclusion: s.conclusion as any,
    url: `${u.api}/repos/${full}/check-suites/${s.id}`,
    before: s.before,
    after: s.after,
    pull_requests: prs,
    app: integration(u, owner, s.app),
    repository: repo as any,
    created_at: s.created_at,
    updated_at: s.updated_at,
    head_commit: {
      id: s.head_sha,
      tree_id: head?.tree ?? s.head_commit?.tree ?? s.head_sha,
      message: head?.message ?? s.head_commit?.message ?? '',
      timestamp: head?.committer.date ?? s.head_commit?.timestamp ?? s.created_at,
      author: head
        ? { name: head.author.name, email: head.author.email }
        : s.head_commit?.author ?? null,
      committer: head
        ? { name: head.committer.name, email: head.committer.email }
        : s.head_commit?.committer ?? null,
    },
    latest_check_runs_count: runsCount,
    check_runs_url: `${u.api}/repos/${full}/check-suites/${s.id}/check-runs`,
    rerequestable: true,
    runs_rerequestable: true,
  };
}

export function checkRun(
  u: Urls,
  r: CheckRunRecord,
  owner: Account,
  prs: Schemas['pull-request-minimal'][],
): Schemas['check-run'] {
  const full = `${r.owner}/${r.repo}`;
  return {
    id: r.id,
    head_sha: r.head_sha,
    node_id: nodeId('CheckRun', r.id),
    external_id: r.external_id ?? '',
    url: `${u.api}/repos/${full}/check-runs/${r.id}`,
    html_url: `${u.base}/${full}/runs/${r.id}`,
    details_url: r.details_url ?? `${u.base}/${full}/runs/${r.id}`,
    status: r.status,
    conclusion: r.conclusion as any,
    started_at: r.started_at,
    completed_at: r.completed_at,
    output: {
      title: r.output.title,
      summary: r.output.summary,
      text: r.output.text,
      annotations_count: 0,
      annotations_url: `${u.api}/repos/${full}/check-runs/${r.id}/annotations`,
    },
    name: r.name,
    check_suite: { id: r.suite_id },
    app: integration(u, owner, r.app),
    pull_requests: prs,
  };
}

export function status(
  u: Urls,
  s: StatusRecord,
  creator: Account,
): Schemas['status'] {
  return {
    url: `${u.api}/repos/${s.owner}/${s.repo}/statuses/${s.sha}`,
    avatar_url: `${u.base}/avatars/${s.creator}`,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.created_at,
    updated_at: s.updated_at,
    creator: simpleUser(u, creator),
  };
}

export function workflow(u: Urls, w: WorkflowRecord): Schemas['workflow'] {
  const full = `${w.owner}/${w.repo}`;
  return {
    id: w.id,
    node_id: nodeId('Workflow', w.id),
    name: w.name,
    path: w.path,
    state: w.state,
    created_at: w.created_at,
    updated_at: w.updated_at,
    url: `${u.api}/repos/${full}/actions/workflows/${w.id}`,
    html_url: `${u.base}/${full}/blob/main/${w.path}`,
    badge_url: `${u.base}/${full}/workflows/${encodeURIComponent(
      w.name,
    )}/badge.svg`,
  };
}

export function workflowRun(
  u: Urls,
  r: RunRecord,
  w: WorkflowRecord | undefined,
  repo: Schemas['full-repository'],
  actor: Account,
  head: CommitInfo | undefined,
  prs: Schemas['pull-request-minimal'][],
): Schemas['workflow-run'] {
  const full = `${r.owner}/${r.repo}`;
  const url = `${u.api}/repos/${full}/actions/runs/${r.id}`;
  const minimal = repo as any;
  return {
    id: r.id,
    name: r.name,
    node_id: nodeId('WorkflowRun', r.id),
    check_suite_id: r.check_suite_id ?? undefined,
    head_branch: r.head_branch,
    head_sha: r.head_sha,
    path: w?.path ?? '',
    run_number: r.run_number,
    run_attempt: r.run_attempt,
    event: r.event,
    display_title: r.display_title,
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: r.workflow_id,
    url,
    html_url: `${u.base}/${full}/actions/runs/${r.id}`,
    pull_requests: prs,
    created_at: r.created_at,
    updated_at: r.updated_at,
    run_started_at: r.run_started_at,
    actor: simpleUser(u, actor),
    triggering_actor: simpleUser(u, actor),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${u.api}/repos/${full}/check-suites/${
      r.check_suite_id ?? 0
    }`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    workflow_url: `${u.api}/repos/${full}/actions/workflows/${r.workflow_id}`,
    head_commit: head
      ? {
          id: head.sha,
          tree_id: head.tree,
          message: head.message,
          timestamp: head.committer.date,
          author: { name: head.author.name, email: head.author.email },
          committer: { name: head.committer.name, email: head.committer.email },
        }
      : null,
    repository: minimal,
    head_repository: minimal,
  };
}

export function hook(u: Urls, h: HookRecord): Schemas['hook'] {
  const url = h.repo
    ? `${u.api}/repos/${h.owner}/${h.repo}/hooks/${h.id}`
    : `${u.api}/orgs/${h.owner}/hooks/${h.id}`;
  return {
    type: h.repo ? 'Repository' : 'Organization',
    id: h.id,
    name: h.name,
    active: h.active,
    events: h.events,
    config: {
      url: h.config.url,
      content_type: h.config.content_type,
      insecure_ssl: h.config.insecure_ssl,
      ...(h.config.secret ? { secret: '********' } : {}),
    },
    updated_at: h.updated_at,
    created_at: h.created_at,
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: h.last_response,
  };
}

export function environment(
  u: Urls,
  e: EnvironmentRecord,
): Schemas['environment'] {
  const full = `${e.owner}/${e.repo}`;
  return {
    id: e.id,
    node_id: nodeId('Environment', e.id),
    name: e.name,
    url: `${u.api}/repos/${full}/environments/${encodeURIComponent(e.name)}`,
    html_url: `${
      u.base
    }/${full}/deployments/activity_log?environments_filter=${encodeURIComponent(
      e.name,
    )}`,
    created_at: e.created_at,
    updated_at: e.updated_at,
    protection_rules: e.wait_timer
      ? [
          {
            id: e.id * 10,
            node_id: nodeId('ProtectionRule', e.id * 10),
            type: 'wait_timer',
            wait_timer: e.wait_timer,
          },
        ]
      : [],
    deployment_branch_policy: (e.deployment_branch_policy as any) ?? null,
  };
}
