import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import { needViewer, paginate, readableRepo } from './common';
import type { RepoRecord } from '../state';
import { full } from './codeShared';

/** Git data: references (get, list, matching, create, update, delete). */
export function gitRefsRouter(svc: GithubService): express.Router {
  const r = express.Router();

  const refJson = (
    rec: RepoRecord,
    ref: string,
    sha: string,
    type = 'commit',
  ): S.Schemas['git-ref'] => {
    const u = svc.urls();
    return {
      ref,
      node_id: Buffer.from(`0:Ref${rec.id}:${ref}`)
        .toString('base64')
        .replace(/=+$/, ''),
      url: `${u.api}/repos/${full(rec)}/git/${ref}`,
      object: {
        type,
        sha,
        url: `${u.api}/repos/${full(rec)}/git/${type}s/${sha}`,
      },
    };
  };

  r.get(
    '/repos/:owner/:repo/git/ref/:ref(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const ref = `refs/${req.params.ref}`;
      const refs = await svc.ctx.git.refs(rec.owner, rec.name, ref);
      const hit = refs.find(x => x.ref === ref);
      if (!hit) throw notFound();
      res.json(
        refJson(
          rec,
          hit.ref,
          hit.sha,
          (await svc.git.objectType(rec.owner, rec.name, hit.sha)) ?? 'commit',
        ),
      );
    }),
  );

  const listRefs = async (req: express.Request, res: express.Response) => {
    const rec = readableRepo(svc, req);
    const prefix = req.params.ref ? `refs/${req.params.ref}` : 'refs/';
    const refs = (await svc.ctx.git.refs(rec.owner, rec.name)).filter(
      x =>
        x.ref === prefix ||
        x.ref.startsWith(prefix.endsWith('/') ? prefix : `${prefix}`),
    );
    const exact = refs.find(x => x.ref === prefix);
    if (exact && req.params.ref) {
      res.json(refJson(rec, exact.ref, exact.sha));
      return;
    }
    if (!refs.length && req.params.ref) throw notFound();
    res.json(
      paginate(
        req,
        res,
        refs.map(x => refJson(rec, x.ref, x.sha)),
      ),
    );
  };
  r.get('/repos/:owner/:repo/git/refs', h(listRefs));
  r.get('/repos/:owner/:repo/git/refs/:ref(.+)', h(listRefs));
  r.get(
    '/repos/:owner/:repo/git/matching-refs/:ref(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const prefix = `refs/${req.params.ref}`;
      const refs = (await svc.ctx.git.refs(rec.owner, rec.name)).filter(x =>
        x.ref.startsWith(prefix),
      );
      res.json(refs.map(x => refJson(rec, x.ref, x.sha)));
    }),
  );

  r.post(
    '/repos/:owner/:repo/git/refs',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const { ref, sha } = req.body ?? {};
      if (!ref) throw missingField('Reference', 'ref');
      if (!sha) throw missingField('Reference', 'sha');
      if (!/^refs\/[^/]+\/.+/.test(ref))
        throw new GhError(
          422,
          "Reference name must start with 'refs/' and have at least two slashes.",
        );
      if (await svc.ctx.git.resolve(rec.owner, rec.name, ref))
        throw new GhError(422, 'Reference already exists');
      if (!(await svc.git.objectType(rec.owner, rec.name, sha)))
        throw new GhError(422, 'Object does not exist');
      await svc.ctx.git.updateRef(
        rec.owner,
        rec.name,
        ref,
        sha,
        undefined,
        v.login,
      );
      res.status(201).json(refJson(rec, ref, sha));
    }),
  );

  r.patch(
    '/repos/:owner/:repo/git/refs/:ref(.+)',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const ref = `refs/${req.params.ref}`;
      const { sha, force } = req.body ?? {};
      if (!sha) throw missingField('Reference', 'sha');
      const current = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
      if (!current) throw new GhError(422, 'Reference does not exist');
      if (!(await svc.git.objectType(rec.owner, rec.name, sha)))
        throw new GhError(422, 'Object does not exist');
      if (
        !force &&
        !(await svc.git.isAncestor(rec.owner, rec.name, current, sha))
      )
        throw new GhError(422, 'Update is not a fast forward');
      await svc.ctx.git.updateRef(
        rec.owner,
        rec.name,
        ref,
        sha,
        current,
        v.login,
      );
      res.json(refJson(rec, ref, sha));
    }),
  );

  r.delete(
    '/repos/:owner/:repo/git/refs/:ref(.+)',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const ok = await svc.ctx.git.deleteRef(
        rec.owner,
        rec.name,
        `refs/${req.params.ref}`,
        v.login,
      );
      if (!ok) throw new GhError(422, 'Reference does not exist');
      res.status(204).end();
    }),
  );

  return r;
}
