import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { h, missingField } from '../errors';
import { needViewer, paginate, readableRepo } from './common';
import type { CommentRecord, RepoRecord } from '../state';
import { issueItems } from './issueItems';
import { commentsById } from './commentsById';

/** Comments of issues and pull requests: of one issue (list, create), of a repository, and by id. */
export function issueCommentsRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const { store, item, itemJson } = issueItems(svc);

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
  commentsById(r, svc, {
    path: '/repos/:owner/:repo/issues/comments',
    resource: 'IssueComment',
    all: () => svc.data.comments,
    remove: c => {
      svc.data.comments = svc.data.comments.filter(x => x !== c);
    },
    json: commentJson,
    pushMayEdit: true,
  });

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

  return r;
}
