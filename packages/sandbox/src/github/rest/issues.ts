import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import { needViewer, paginate, readableRepo, str } from './common';
import type { Account, CommentRecord, PullRecord, RepoRecord } from '../state';
import {
  getIssuesStore,
  itemKey,
  type IssueRecord,
  type LabelRecord,
} from '../issues-store';
import { issueJson } from './pulls';

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

type Item =
  | { kind: 'issue'; issue: IssueRecord }
  | { kind: 'pull'; pull: PullRecord };

const bad = (resource: string, field: string, code = 'invalid') =>
  new GhError(422, 'Validation Failed', {
    errors: [{ resource, field, code }],
  });

/** Issues (create, list, get, update), comments by id, repository labels, labels and assignees of issues and PRs (requested reviewers and review comments: reviewComments.ts). */
export function issuesRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const store = () => getIssuesStore(svc);

  const item = (rec: RepoRecord, n: number): Item => {
    const issue = store().issue(rec.owner, rec.name, n);
    if (issue) return { kind: 'issue', issue };
    return { kind: 'pull', pull: svc.pull(rec, n) };
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

  // ------------------------------------------------------------------ issues
  r.get(
    '/repos/:owner/:repo/issues',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const state = str(req.query.state) ?? 'open';
      const labels = str(req.query.labels)?.split(',').filter(Boolean) ?? [];
      const assignee = str(req.query.assignee);
      const creator = str(req.query.creator);
      const items: Item[] = [
        ...store()
          .data.issues.filter(i => i.owner === rec.owner && i.repo === rec.name)
          .map(issue => ({ kind: 'issue' as const, issue })),
        ...svc
          .pulls(rec.owner, rec.name)
          .map(pull => ({ kind: 'pull' as const, pull })),
      ];
      const list = items
        .filter(it => {
          const x = it.kind === 'issue' ? it.issue : it.pull;
          if (state !== 'all' && x.state !== state) return false;
          if (labels.some(l => !labelsOfItem(it).includes(l))) return false;
          if (creator && x.user.toLowerCase() !== creator.toLowerCase())
            return false;
          if (assignee) {
            const a =
              it.kind === 'issue'
                ? it.issue.assignees
                : store().assigneesOfPull(
                    it.pull.owner,
                    it.pull.repo,
                    it.pull.number,
                  );
            if (
              assignee === 'none'
                ? a.length
                : assignee !== '*' && !a.includes(assignee)
            )
              return false;
          }
          return true;
        })
        .sort(
          (a, b) =>
            (b.kind === 'issue' ? b.issue.number : b.pull.number) -
            (a.kind === 'issue' ? a.issue.number : a.pull.number),
        );
      res.json(paginate(req, res, list).map(itemJson));
    }),
  );

  r.post(
    '/repos/:owner/:repo/issues',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      if (!rec.has_issues)
        throw new GhError(410, 'Issues are disabled for this repo');
      const b = req.body ?? {};
      if (typeof b.title !== 'string' && typeof b.title !== 'number')
        throw missingField('Issue', 'title');
      if (!String(b.title).trim()) throw bad('Issue', 'title', 'missing_field');
      const push = svc.permissions(rec, v).push;
      const now = svc.now();
      const issue: IssueRecord = {
        id: svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        number: rec.next_number++,
        title: String(b.title),
        body: typeof b.body === 'string' ? b.body : null,
        state: 'open',
        state_reason: null,
        user: v.login,
        labels: [],
        // labels and assignees are set only by people with push access (silently dropped otherwise)
        assignees: push
          ? assignable([
              ...(b.assignees ?? []),
              ...(b.assignee ? [b.assignee] : []),
            ])
          : [],
        created_at: now,
        updated_at: now,
        closed_at: null,
        closed_by: null,
      };
      store().data.issues.push(issue);
      if (push && b.labels)
        setLabels(rec, { kind: 'issue', issue }, labelNames(b));
      issue.updated_at = now;
      const json = issueRecordJson(svc, issue);
      svc.emitWebhook(
        rec.owner,
        rec.name,
        'issues',
        { action: 'opened', issue: json },
        v.login,
      );
      res.status(201).location(json.url).json(json);
    }),
  );

  r.get(
    '/repos/:owner/:repo/issues/:number(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(itemJson(item(rec, Number(req.params.number))));
    }),
  );

  r.patch(
    '/repos/:owner/:repo/issues/:number(\\d+)',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const it = item(rec, Number(req.params.number));
      const x = it.kind === 'issue' ? it.issue : it.pull;
      const push = svc.permissions(rec, v).push;
      if (!push && x.user !== v.login)
        throw new GhError(
          403,
          'Resource not accessible by personal access token',
        );
      const b = req.body ?? {};
      if (b.state !== undefined && !['open', 'closed'].includes(b.state))
        throw bad('Issue', 'state');
      if (
        b.state_reason !== undefined &&
        b.state_reason !== null &&
        !['completed', 'not_planned', 'reopened'].includes(b.state_reason)
      )
        throw bad('Issue', 'state_reason');
      if (b.title !== undefined) {
        if (!String(b.title ?? '').trim())
          throw bad('Issue', 'title', 'missing_field');
        x.title = String(b.title);
      }
      if (b.body !== undefined) x.body = b.body;
      if (push && b.labels !== undefined) setLabels(rec, it, labelNames(b));
      if (push && (b.assignees !== undefined || b.assignee !== undefined)) {
        const logins = assignable(
          b.assignees ?? (b.assignee ? [b.assignee] : []),
        );
        if (it.kind === 'issue') it.issue.assignees = logins;
        else
          store().data.pullAssignees[
            itemKey(rec.owner, rec.name, it.pull.number)
          ] = logins;
      }
      const now = svc.now();
      if (b.state && b.state !== x.state) {
        if (it.kind === 'pull' && it.pull.merged_at)
          throw new GhError(422, 'Validation Failed', {
            errors: [
              {
                resource: 'Issue',
                code: 'custom',
                message: 'Cannot reopen a merged pull request',
              },
            ],
          });
        x.state = b.state;
        x.closed_at = b.state === 'closed' ? now : null;
        if (it.kind === 'issue') {
          it.issue.closed_by = b.state === 'closed' ? v.login : null;
          it.issue.state_reason =
            b.state === 'closed' ? b.state_reason ?? 'completed' : 'reopened';
        } else {
          svc.events.emit(
            'pull',
            it.pull,
            b.state === 'closed' ? 'closed' : 'reopened',
            v,
          );
        }
      } else if (
        it.kind === 'issue' &&
        b.state_reason !== undefined &&
        x.state === 'closed'
      ) {
        it.issue.state_reason = b.state_reason;
      }
      x.updated_at = now;
      res.json(itemJson(it));
    }),
  );

  // ------------------------------------------------------------------ comments
  const commentJson = (rec: RepoRecord, c: CommentRecord) => {
    const json = S.issueComment(
      svc.urls(),
      c,
      svc.account(rec.owner)!,
      svc.ensureAccount(c.user, 'User'),
    );
    // an issue's comment links to the issue page, a PR's to the PR page
    return store().issue(c.owner, c.repo, c.number)
      ? {
          ...json,
          html_url: json.html_url.replace(
            `/pull/${c.number}#`,
            `/issues/${c.number}#`,
          ),
        }
      : json;
  };
  const commentById = (rec: RepoRecord, id: string) => {
    const c = svc.data.comments.find(
      x => x.owner === rec.owner && x.repo === rec.name && String(x.id) === id,
    );
    if (!c) throw notFound();
    return c;
  };

  r.get(
    '/repos/:owner/:repo/issues/comments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = svc.data.comments.filter(
        c => c.owner === rec.owner && c.repo === rec.name,
      );
      res.json(paginate(req, res, list).map(c => commentJson(rec, c)));
    }),
  );
  r.get(
    '/repos/:owner/:repo/issues/comments/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(commentJson(rec, commentById(rec, req.params.id)));
    }),
  );
  r.patch(
    '/repos/:owner/:repo/issues/comments/:id(\\d+)',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const c = commentById(rec, req.params.id);
      if (c.user !== v.login && !svc.permissions(rec, v).push)
        throw new GhError(
          403,
          'Resource not accessible by personal access token',
        );
      if (typeof req.body?.body !== 'string' || !req.body.body)
        throw missingField('IssueComment', 'body');
      c.body = req.body.body;
      c.updated_at = svc.now();
      res.json(commentJson(rec, c));
    }),
  );
  r.delete(
    '/repos/:owner/:repo/issues/comments/:id(\\d+)',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const c = commentById(rec, req.params.id);
      if (c.user !== v.login && !svc.permissions(rec, v).push)
        throw new GhError(
          403,
          'Resource not accessible by personal access token',
        );
      svc.data.comments = svc.data.comments.filter(x => x !== c);
      res.status(204).end();
    }),
  );

  r.get(
    '/repos/:owner/:repo/issues/:number(\\d+)/comments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const n = Number(req.params.number);
      item(rec, n);
      const list = svc.data.comments.filter(
        c => c.owner === rec.owner && c.repo === rec.name && c.number === n,
      );
      res.json(paginate(req, res, list).map(c => commentJson(rec, c)));
    }),
  );

  r.post(
    '/repos/:owner/:repo/issues/:number(\\d+)/comments',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const it = item(rec, Number(req.params.number));
      if (typeof req.body?.body !== 'string' || !req.body.body)
        throw missingField('IssueComment', 'body');
      const x = it.kind === 'issue' ? it.issue : it.pull;
      const now = svc.now();
      const c: CommentRecord = {
        id: svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        number: x.number,
        user: v.login,
        body: req.body.body,
        created_at: now,
        updated_at: now,
      };
      svc.data.comments.push(c);
      svc.emitWebhook(
        rec.owner,
        rec.name,
        'issue_comment',
        {
          action: 'created',
          comment: commentJson(rec, c),
          issue: itemJson(it),
        },
        v.login,
      );
      res.status(201).json(commentJson(rec, c));
    }),
  );

  // ------------------------------------------------------------------ repository labels
  const labelOr404 = (rec: RepoRecord, name: string) => {
    const l = store().label(rec.owner, rec.name, name);
    if (!l) throw notFound();
    return l;
  };
  const color = (c: unknown) => {
    const s = String(c ?? '').replace(/^#/, '');
    if (!/^[0-9a-fA-F]{6}$/.test(s)) throw bad('Label', 'color');
    return s.toLowerCase();
  };

  r.get(
    '/repos/:owner/:repo/labels',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = store().labelsOf(rec.owner, rec.name);
      res.json(paginate(req, res, list).map(l => labelJson(svc, l)));
    }),
  );
  r.post(
    '/repos/:owner/:repo/labels',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const b = req.body ?? {};
      if (typeof b.name !== 'string' || !b.name.trim())
        throw missingField('Label', 'name');
      if (store().label(rec.owner, rec.name, b.name))
        throw new GhError(422, 'Validation Failed', {
          errors: [
            { resource: 'Label', code: 'already_exists', field: 'name' },
          ],
        });
      const l: LabelRecord = {
        id: svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        name: b.name,
        color: b.color === undefined ? 'ededed' : color(b.color),
        description: typeof b.description === 'string' ? b.description : null,
      };
      store().data.labels.push(l);
      res.status(201).json(labelJson(svc, l));
    }),
  );
  r.get(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(labelJson(svc, labelOr404(rec, req.params.name)));
    }),
  );
  r.patch(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const l = labelOr404(rec, req.params.name);
      const b = req.body ?? {};
      if (typeof b.new_name === 'string' && b.new_name.trim()) {
        const clash = store().label(rec.owner, rec.name, b.new_name);
        if (clash && clash !== l)
          throw new GhError(422, 'Validation Failed', {
            errors: [
              { resource: 'Label', code: 'already_exists', field: 'name' },
            ],
          });
        const rename = (names: string[]) =>
          names.map(n => (n === l.name ? b.new_name : n));
        for (const i of store().data.issues.filter(
          x => x.owner === rec.owner && x.repo === rec.name,
        ))
          i.labels = rename(i.labels);
        for (const p of svc.pulls(rec.owner, rec.name))
          p.labels = rename(p.labels);
        l.name = b.new_name;
      }
      if (b.color !== undefined) l.color = color(b.color);
      if (b.description !== undefined) l.description = b.description;
      res.json(labelJson(svc, l));
    }),
  );
  r.delete(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const l = labelOr404(rec, req.params.name);
      store().data.labels = store().data.labels.filter(x => x !== l);
      for (const i of store().data.issues.filter(
        x => x.owner === rec.owner && x.repo === rec.name,
      ))
        i.labels = i.labels.filter(n => n !== l.name);
      for (const p of svc.pulls(rec.owner, rec.name))
        p.labels = p.labels.filter(n => n !== l.name);
      res.status(204).end();
    }),
  );

  // ------------------------------------------------------------------ labels of issues and PRs
  r.get(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(labelsJson(rec, item(rec, Number(req.params.number))));
    }),
  );
  r.post(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const it = item(rec, Number(req.params.number));
      setLabels(rec, it, [...labelsOfItem(it), ...labelNames(req.body)]);
      res.json(labelsJson(rec, it));
    }),
  );
  r.put(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const it = item(rec, Number(req.params.number));
      setLabels(rec, it, labelNames(req.body));
      res.json(labelsJson(rec, it));
    }),
  );
  r.delete(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      setLabels(rec, item(rec, Number(req.params.number)), []);
      res.status(204).end();
    }),
  );
  r.delete(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels/:name',
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const it = item(rec, Number(req.params.number));
      const names = labelsOfItem(it);
      if (!names.some(n => n.toLowerCase() === req.params.name.toLowerCase()))
        throw new GhError(404, 'Label does not exist');
      setLabels(
        rec,
        it,
        names.filter(n => n.toLowerCase() !== req.params.name.toLowerCase()),
      );
      res.json(labelsJson(rec, it));
    }),
  );

  // ------------------------------------------------------------------ assignees
  const editAssignees = (add: boolean) =>
    h((req, res) => {
      const rec = svc.writable(
        req.params.owner,
        req.params.repo,
        needViewer(req),
      );
      const it = item(rec, Number(req.params.number));
      const logins = assignable(req.body?.assignees);
      const current =
        it.kind === 'issue'
          ? it.issue.assignees
          : store().assigneesOfPull(rec.owner, rec.name, it.pull.number);
      const next = add
        ? [...new Set([...current, ...logins])].slice(0, 10)
        : current.filter(l => !logins.includes(l));
      if (it.kind === 'issue') it.issue.assignees = next;
      else
        store().data.pullAssignees[
          itemKey(rec.owner, rec.name, it.pull.number)
        ] = next;
      touch(it);
      res.status(add ? 201 : 200).json(itemJson(it));
    });
  r.post(
    '/repos/:owner/:repo/issues/:number(\\d+)/assignees',
    editAssignees(true),
  );
  r.delete(
    '/repos/:owner/:repo/issues/:number(\\d+)/assignees',
    editAssignees(false),
  );

  return r;
}
