import type {
  Account,
  CheckRunRecord,
  CheckSuiteRecord,
  StatusRecord,
} from '../state';
import type { CommitInfo } from '../gitdata';
import { Schemas, Urls, nodeId } from './common';
import { simpleUser } from './users';

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
      timestamp:
        head?.committer.date ?? s.head_commit?.timestamp ?? s.created_at,
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
