import type express from 'express';
import type { GithubService } from '../service';
import { forbidden, h, missingField, notFound } from '../errors';
import { needViewer, readableRepo } from './common';
import type { RepoRecord } from '../state';

/** What a comment addressed by id has (issue comments, pull request review comments). */
export type CommentById = {
  id: number;
  owner: string;
  repo: string;
  user: string;
  body: string;
  updated_at: string;
};

/**
 * GET, PATCH (`body`) and DELETE of `${path}/:id` for comments kept in one list, as GitHub
 * answers them: 404 for an id of another repository, 403 unless the viewer wrote the comment
 * (or, where `pushMayEdit` / for DELETE, has push access), 422 for a missing body, 204 on delete.
 * Returns the lookup by id for the family's other routes (replies).
 */
export function commentsById<C extends CommentById>(
  r: express.Router,
  svc: GithubService,
  o: {
    /** `/repos/:owner/:repo/issues/comments` */
    path: string;
    /** The resource named in a 422 (`IssueComment`). */
    resource: string;
    all(): C[];
    remove(c: C): void;
    json(rec: RepoRecord, c: C): unknown;
    /** Whether push access lets others edit the comment (deleting it always does). */
    pushMayEdit: boolean;
  },
) {
  const byId = (rec: RepoRecord, id: string): C => {
    const c = o
      .all()
      .find(
        x =>
          x.owner === rec.owner && x.repo === rec.name && String(x.id) === id,
      );
    if (!c) throw notFound();
    return c;
  };
  /** The comment, when the viewer may change it (`byPush`: push access is enough). */
  const changeable = (req: express.Request, byPush: boolean) => {
    const v = needViewer(req);
    const rec = svc.readable(req.params.owner, req.params.repo, v);
    const c = byId(rec, req.params.id);
    if (c.user !== v.login && !(byPush && svc.permissions(rec, v).push))
      throw forbidden('Resource not accessible by personal access token');
    return { rec, c };
  };

  r.get(
    `${o.path}/:id(\\d+)`,
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(o.json(rec, byId(rec, req.params.id)));
    }),
  );
  r.patch(
    `${o.path}/:id(\\d+)`,
    h((req, res) => {
      const { rec, c } = changeable(req, o.pushMayEdit);
      if (typeof req.body?.body !== 'string' || !req.body.body)
        throw missingField(o.resource, 'body');
      c.body = req.body.body;
      c.updated_at = svc.now();
      res.json(o.json(rec, c));
    }),
  );
  r.delete(
    `${o.path}/:id(\\d+)`,
    h((req, res) => {
      const { c } = changeable(req, true);
      o.remove(c);
      res.status(204).end();
    }),
  );
  return byId;
}
