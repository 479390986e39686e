import type { GithubService } from '../service';
import * as S from '../serialize';
import { missingField, validation } from '../errors';
import type { Account, PullRecord, RepoRecord } from '../state';
import {
  getIssuesStore,
  itemKey,
  type IssueRecord,
  type LabelRecord,
} from '../issues-store';
import { issueJson } from './pulls';

/**
 * An issue or a pull request as the Issues API sees it (both are "issues" there, numbered in one
 * sequence): GitHub's label and issue objects, and the helpers the issue, comment, label and
 * assignee routes share.
 */

/** GitHub's label object. */
export function labelJson(svc: GithubService, l: LabelRecord) {
  return {
    id: l.id,
    node_id: S.nodeId('Label', l.id),
    url: `${svc.urls().api}/repos/${l.owner}/${
      l.repo
    }/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: false,
  };
}

/** An issue (not a pull request) in GitHub's `issue` shape. */
export function issueRecordJson(svc: GithubService, i: IssueRecord) {
  const u = svc.urls();
  const store = getIssuesStore(svc);
  const owner = svc.ensureAccount(i.owner, 'Organization');
  const url = `${u.api}/repos/${i.owner}/${i.repo}/issues/${i.number}`;
  const assignees = i.assignees.map(l => svc.simpleUser(l));
  return {
    url,
    repository_url: `${u.api}/repos/${i.owner}/${i.repo}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${u.base}/${i.owner}/${i.repo}/issues/${i.number}`,
    id: i.id,
    node_id: S.nodeId('Issue', i.id),
    number: i.number,
    title: i.title,
    user: svc.simpleUser(i.user),
    labels: i.labels.map(n =>
      labelJson(svc, store.ensureLabel(i.owner, i.repo, n)),
    ),
    state: i.state,
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments: svc.data.comments.filter(
      c => c.owner === i.owner && c.repo === i.repo && c.number === i.number,
    ).length,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    closed_by: i.closed_by ? svc.simpleUser(i.closed_by) : null,
    author_association: S.authorAssociation(owner, i.user),
    active_lock_reason: null,
    body: i.body,
    state_reason: i.state_reason,
  };
}

export type Item =
  | { kind: 'issue'; issue: IssueRecord }
  | { kind: 'pull'; pull: PullRecord };

/** 422 Validation Failed for one field. */
export const bad = (resource: string, field: string, code = 'invalid') =>
  validation([{ resource, field, code }]);

/** The helpers of the Issues API routes, bound to `svc`. */
export function issueItems(svc: GithubService) {
  const store = () => getIssuesStore(svc);

  /** Issue `n` of the repository, else its pull request `n` (404 when neither). */
  const item = (rec: RepoRecord, n: number): Item => {
    const issue = store().issue(rec.owner, rec.name, n);
    if (issue) return { kind: 'issue', issue };
    return { kind: 'pull', pull: svc.pull(rec, n) };
  };
  const assigneesOf = (it: Item) =>
    it.kind === 'issue'
      ? it.issue.assignees
      : store().assigneesOfPull(it.pull.owner, it.pull.repo, it.pull.number);
  const setAssignees = (it: Item, logins: string[]) => {
    if (it.kind === 'issue') it.issue.assignees = logins;
    else
      store().data.pullAssignees[
        itemKey(it.pull.owner, it.pull.repo, it.pull.number)
      ] = logins;
  };
  const assigneeFields = (p: PullRecord) => {
    const a = store()
      .assigneesOfPull(p.owner, p.repo, p.number)
      .map(l => svc.simpleUser(l));
    return { assignee: a[0] ?? null, assignees: a };
  };
  const touch = (it: Item) => {
    const now = svc.now();
    if (it.kind === 'issue') it.issue.updated_at = now;
    else it.pull.updated_at = now;
  };
  const itemJson = (it: Item) =>
    it.kind === 'issue'
      ? issueRecordJson(svc, it.issue)
      : { ...issueJson(svc, it.pull), ...assigneeFields(it.pull) };
  const labelsOfItem = (it: Item) =>
    it.kind === 'issue' ? it.issue.labels : it.pull.labels;
  const setLabels = (rec: RepoRecord, it: Item, names: string[]) => {
    const clean = [...new Set(names)].map(
      n => store().ensureLabel(rec.owner, rec.name, n).name,
    );
    if (it.kind === 'issue') it.issue.labels = clean;
    else it.pull.labels = clean;
    touch(it);
  };
  const labelsJson = (rec: RepoRecord, it: Item) =>
    labelsOfItem(it).map(n =>
      labelJson(svc, store().ensureLabel(rec.owner, rec.name, n)),
    );
  /** Label names of a body: `["a"]`, `{labels: ["a"]}` or `{labels: [{name: "a"}]}`. */
  const labelNames = (body: any): string[] => {
    const raw = Array.isArray(body) ? body : body?.labels;
    if (!Array.isArray(raw)) throw missingField('Label', 'labels');
    return raw
      .map((x: any) => (typeof x === 'string' ? x : x?.name))
      .filter(Boolean);
  };
  /** Logins that can be assigned (known users); others are dropped, as GitHub does. */
  const assignable = (logins: unknown) =>
    (Array.isArray(logins) ? logins : [])
      .filter((l): l is string => typeof l === 'string')
      .map(l => svc.account(l))
      .filter((a): a is Account => !!a && a.type !== 'Organization')
      .map(a => a.login);

  return {
    store,
    item,
    assigneesOf,
    setAssignees,
    touch,
    itemJson,
    labelsOfItem,
    setLabels,
    labelsJson,
    labelNames,
    assignable,
  };
}
