import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound } from '../errors';
import { needViewer, paginate, readableRepo, viewerOf } from './common';
import type { PullRecord, RepoRecord, ReviewRecord } from '../state';
import { addReviewComment } from './reviewComments';

/** Pull request reviews: list, get, create, submit, update, dismiss. */
export function reviewsRouter(svc: GithubService): express.Router {
  const r = express.Router();

  const reviewJson = (rec: RepoRecord, rv: ReviewRecord) =>
    S.review(
      svc.urls(),
      rv,
      svc.account(rec.owner)!,
      svc.ensureAccount(rv.user, 'User'),
    );

  const reviewById = (p: PullRecord, id: number) => {
    const rv = svc.data.reviews.find(
      x =>
        x.id === id &&
        x.number === p.number &&
        x.owner === p.owner &&
        x.repo === p.repo,
    );
    if (!rv) throw notFound();
    return rv;
  };

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      const list = svc.data.reviews.filter(
        x =>
          x.owner === p.owner &&
          x.repo === p.repo &&
          x.number === p.number &&
          (x.state !== 'PENDING' || x.user === viewerOf(req)?.login),
      );
      res.json(paginate(req, res, list).map(x => reviewJson(rec, x)));
    }),
  );

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      const rv = reviewById(p, Number(req.params.id));
      res.json(reviewJson(rec, rv));
    }),
  );

  const eventState = (
    event: string | undefined,
  ): ReviewRecord['state'] | undefined =>
    event === undefined || event === ''
      ? 'PENDING'
      : (
          {
            APPROVE: 'APPROVED',
            REQUEST_CHANGES: 'CHANGES_REQUESTED',
            COMMENT: 'COMMENTED',
          } as const
        )[event];

  const checkOwnPr = (
    p: PullRecord,
    login: string,
    state: ReviewRecord['state'],
    body: string,
  ) => {
    if (p.user !== login) return;
    if (state === 'APPROVED')
      throw new GhError(422, 'Unprocessable Entity', {
        errors: ['Review Can not approve your own pull request'],
      });
    if (state === 'CHANGES_REQUESTED')
      throw new GhError(422, 'Unprocessable Entity', {
        errors: ['Review Can not request changes on your own pull request'],
      });
    if (state === 'COMMENTED' && !body)
      throw new GhError(422, 'Unprocessable Entity', {
        errors: ["Review body can't be blank"],
      });
  };

  r.post(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      await svc.refreshPull(p);
      const b = req.body ?? {};
      const state = eventState(b.event);
      if (!state)
        throw new GhError(422, 'Validation Failed', {
          errors: [
            { resource: 'PullRequestReview', field: 'event', code: 'invalid' },
          ],
        });
      if (
        (state === 'CHANGES_REQUESTED' || state === 'COMMENTED') &&
        !b.body &&
        !b.comments?.length
      ) {
        throw new GhError(422, 'Unprocessable Entity', {
          errors: ["Review body can't be blank"],
        });
      }
      checkOwnPr(p, v.login, state, b.body ?? '');
      if (p.state !== 'open' && state !== 'COMMENTED')
        throw new GhError(422, 'Unprocessable Entity', {
          errors: ['Pull request is closed'],
        });
      const rv = svc.addReview(
        p,
        v.login,
        state,
        b.body ?? '',
        b.commit_id ?? p.head_sha,
      );
      for (const c of Array.isArray(b.comments) ? b.comments : []) {
        if (typeof c?.path !== 'string' || typeof c?.body !== 'string')
          continue;
        addReviewComment(svc, p, v.login, rv.id, {
          body: c.body,
          path: c.path,
          line: c.line ?? c.position ?? null,
          side: c.side === 'LEFT' ? 'LEFT' : 'RIGHT',
          commit_id: rv.commit_id,
        });
      }
      p.updated_at = svc.now();
      if (state !== 'PENDING') svc.events.emit('review', p, rv, 'submitted');
      res.json(reviewJson(rec, rv));
    }),
  );

  r.post(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews/:id(\\d+)/events',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      const rv = svc.data.reviews.find(
        x =>
          x.id === Number(req.params.id) &&
          x.number === p.number &&
          x.user === v.login,
      );
      if (!rv) throw notFound();
      if (rv.state !== 'PENDING')
        throw new GhError(422, 'Unprocessable Entity', {
          errors: ['Can not submit a non-pending review'],
        });
      const state = eventState(req.body?.event);
      if (!state || state === 'PENDING')
        throw new GhError(422, 'Validation Failed', {
          errors: [
            { resource: 'PullRequestReview', field: 'event', code: 'invalid' },
          ],
        });
      checkOwnPr(p, v.login, state, req.body?.body ?? rv.body);
      rv.state = state;
      if (req.body?.body) rv.body = req.body.body;
      rv.submitted_at = svc.now();
      svc.events.emit('review', p, rv, 'submitted');
      res.json(reviewJson(rec, rv));
    }),
  );

  r.put(
    '/repos/:owner/:repo/pulls/:number(\\d+)/reviews/:id(\\d+)/dismissals',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      const rv = reviewById(p, Number(req.params.id));
      rv.state = 'DISMISSED';
      svc.events.emit('review', p, rv, 'dismissed');
      res.json(reviewJson(rec, rv));
    }),
  );

  return r;
}
