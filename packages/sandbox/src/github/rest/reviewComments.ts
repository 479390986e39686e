import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, missingField } from '../errors';
import { needViewer, paginate, readableRepo } from './common';
import type { PullRecord, RepoRecord } from '../state';
import {
  getIssuesStore,
  itemKey,
  type ReviewCommentRecord,
} from '../issues-store';
import { pullSimpleJson } from './pulls';
import { commentsById } from './commentsById';

/** Requested reviewers (get, add, remove) and review comments (with a review or alone) of pull requests. */
export function reviewCommentsRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const store = () => getIssuesStore(svc);

  // ------------------------------------------------------------------ requested reviewers
  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/requested_reviewers',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      res.json({
        users: store()
          .requestedReviewers(p.owner, p.repo, p.number)
          .map(l => svc.simpleUser(l)),
        teams: [],
      });
    }),
  );
  const editReviewers = (add: boolean) =>
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      const asked: unknown[] = Array.isArray(req.body?.reviewers)
        ? req.body.reviewers
        : [];
      const logins = asked.filter((l): l is string => typeof l === 'string');
      if (add) {
        const unknown = logins.filter(l => !svc.account(l));
        if (unknown.length)
          throw new GhError(
            422,
            'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ' +
              `${rec.owner}/${rec.name} repository.`,
          );
        if (logins.some(l => l.toLowerCase() === p.user.toLowerCase()))
          throw new GhError(
            422,
            'Review cannot be requested from pull request author.',
          );
      }
      const key = itemKey(p.owner, p.repo, p.number);
      const current = store().requestedReviewers(p.owner, p.repo, p.number);
      const known = logins.map(l => svc.account(l)?.login ?? l);
      store().data.requestedReviewers[key] = add
        ? [...new Set([...current, ...known])]
        : current.filter(
            l => !known.some(k => k.toLowerCase() === l.toLowerCase()),
          );
      p.updated_at = svc.now();
      res.status(add ? 201 : 200).json(pullSimpleJson(svc, p));
    });
  r.post(
    '/repos/:owner/:repo/pulls/:number(\\d+)/requested_reviewers',
    editReviewers(true),
  );
  r.delete(
    '/repos/:owner/:repo/pulls/:number(\\d+)/requested_reviewers',
    editReviewers(false),
  );

  // ------------------------------------------------------------------ review comments
  const reviewCommentJson = (rec: RepoRecord, c: ReviewCommentRecord) => {
    const u = svc.urls();
    const full = `${rec.owner}/${rec.name}`;
    const url = `${u.api}/repos/${full}/pulls/comments/${c.id}`;
    const html = `${u.base}/${full}/pull/${c.number}#discussion_r${c.id}`;
    const pullUrl = `${u.api}/repos/${full}/pulls/${c.number}`;
    return {
      url,
      pull_request_review_id: c.review_id,
      id: c.id,
      node_id: S.nodeId('PullRequestReviewComment', c.id),
      diff_hunk: `@@ -${c.line ?? 1},1 +${c.line ?? 1},1 @@`,
      path: c.path,
      position: c.line,
      original_position: c.line,
      commit_id: c.commit_id,
      original_commit_id: c.commit_id,
      ...(c.in_reply_to_id ? { in_reply_to_id: c.in_reply_to_id } : {}),
      user: svc.simpleUser(c.user),
      body: c.body,
      created_at: c.created_at,
      updated_at: c.updated_at,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: S.authorAssociation(
        svc.ensureAccount(rec.owner, 'Organization'),
        c.user,
      ),
      _links: {
        self: { href: url },
        html: { href: html },
        pull_request: { href: pullUrl },
      },
      line: c.line ?? undefined,
      original_line: c.line ?? undefined,
      side: c.side,
      original_side: c.side,
      subject_type: c.line === null ? ('file' as const) : ('line' as const),
    };
  };
  const reviewCommentById = commentsById(r, svc, {
    path: '/repos/:owner/:repo/pulls/comments',
    resource: 'PullRequestReviewComment',
    all: () => store().data.reviewComments,
    remove: c => {
      store().data.reviewComments = store().data.reviewComments.filter(
        x => x !== c,
      );
    },
    json: reviewCommentJson,
    // only the author edits a review comment; push access is enough to delete it
    pushMayEdit: false,
  });

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/comments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      const list = store().data.reviewComments.filter(
        c => c.owner === p.owner && c.repo === p.repo && c.number === p.number,
      );
      res.json(paginate(req, res, list).map(c => reviewCommentJson(rec, c)));
    }),
  );
  r.post(
    '/repos/:owner/:repo/pulls/:number(\\d+)/comments',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      const b = req.body ?? {};
      if (typeof b.body !== 'string' || !b.body)
        throw missingField('PullRequestReviewComment', 'body');
      let c: ReviewCommentRecord;
      if (b.in_reply_to) {
        const parent = reviewCommentById(rec, String(b.in_reply_to));
        c = {
          ...parent,
          id: svc.nextId(),
          user: v.login,
          body: b.body,
          in_reply_to_id: parent.id,
          review_id: null,
          created_at: svc.now(),
          updated_at: svc.now(),
        };
      } else {
        if (typeof b.path !== 'string')
          throw missingField('PullRequestReviewComment', 'path');
        if (
          b.subject_type !== 'file' &&
          typeof b.line !== 'number' &&
          typeof b.position !== 'number'
        )
          throw missingField('PullRequestReviewComment', 'line');
        c = addReviewComment(svc, p, v.login, null, {
          body: b.body,
          path: b.path,
          line: b.subject_type === 'file' ? null : b.line ?? b.position,
          side: b.side === 'LEFT' ? 'LEFT' : 'RIGHT',
          commit_id: b.commit_id ?? p.head_sha,
        });
      }
      if (b.in_reply_to) store().data.reviewComments.push(c);
      res.status(201).json(reviewCommentJson(rec, c));
    }),
  );
  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews/:id(\\d+)/comments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      const list = store().data.reviewComments.filter(
        c =>
          c.owner === p.owner &&
          c.repo === p.repo &&
          c.review_id === Number(req.params.id),
      );
      res.json(
        paginate(req, res, list).map(c => ({ ...reviewCommentJson(rec, c) })),
      );
    }),
  );

  return r;
}

/** Records a review comment on a PR (from POST …/comments or the `comments` of a review). */
export function addReviewComment(
  svc: GithubService,
  p: PullRecord,
  user: string,
  reviewId: number | null,
  input: {
    body: string;
    path: string;
    line: number | null;
    side: 'LEFT' | 'RIGHT';
    commit_id: string;
  },
): ReviewCommentRecord {
  const now = svc.now();
  const c: ReviewCommentRecord = {
    id: svc.nextId(),
    owner: p.owner,
    repo: p.repo,
    number: p.number,
    review_id: reviewId,
    user,
    ...input,
    created_at: now,
    updated_at: now,
  };
  getIssuesStore(svc).data.reviewComments.push(c);
  return c;
}
