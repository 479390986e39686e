import type { Account, RunRecord, WorkflowRecord } from '../state';
import type { CommitInfo } from '../gitdata';
import { Schemas, Urls, nodeId } from './common';
import { simpleUser } from './users';

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
