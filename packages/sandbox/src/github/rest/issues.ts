import express from 'express';
import type { GithubService } from '../service';
import { GhError, forbidden, h, missingField } from '../errors';
import { needViewer, paginate, readableRepo, str } from './common';
import type { IssueRecord } from '../issues-store';
import { bad, issueItems, issueRecordJson, type Item } from './issueItems';
import { issueCommentsRouter } from './issueComments';
import { labelsRouter } from './labels';

export { issueRecordJson, labelJson } from './issueItems';

/**
 * The Issues API: issues (create, list, get, update) and assignees of issues and PRs here;
 * comments in issueComments.ts, labels in labels.ts (mounted by this router); requested
 * reviewers and review comments of PRs in reviewComments.ts.
 */
export function issuesRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const {
    store,
    item,
    assigneesOf,
    setAssignees,
    touch,
    itemJson,
    labelsOfItem,
    setLabels,
    labelNames,
    assignable,
  } = issueItems(svc);

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
            const a = assigneesOf(it);
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
        throw forbidden('Resource not accessible by personal access token');
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
        setAssignees(
          it,
          assignable(b.assignees ?? (b.assignee ? [b.assignee] : [])),
        );
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

  r.use(issueCommentsRouter(svc));
  r.use(labelsRouter(svc));

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
      const current = assigneesOf(it);
      const next = add
        ? [...new Set([...current, ...logins])].slice(0, 10)
        : current.filter(l => !logins.includes(l));
      setAssignees(it, next);
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
