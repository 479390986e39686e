import express from 'express';
import { firstOf } from '../util';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound } from '../errors';
import { readableRepo, str } from './common';
import { full, resolveOr404 } from './codeShared';

/** Commits, the pull requests of a commit, and compare. */
export function commitsRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const userOf = (email: string, name: string) =>
    svc.accountForEmail(email, name);

  r.get(
    '/repos/:owner/:repo/commits',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const ref = str(req.query.sha) ?? rec.default_branch;
      const sha = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
      if (!sha) {
        const empty =
          (await svc.ctx.git.refs(rec.owner, rec.name, 'refs/heads/'))
            .length === 0;
        if (empty) throw new GhError(409, 'Git Repository is empty.');
        throw notFound();
      }
      const perPage = Math.min(100, Number(req.query.per_page) || 30);
      const page = Math.max(1, Number(req.query.page) || 1);
      const commits = await svc.git.log(rec.owner, rec.name, [sha], {
        path: str(req.query.path),
        since: str(req.query.since),
        until: str(req.query.until),
        author: str(req.query.author),
        max: perPage + 1,
        skip: (page - 1) * perPage,
      });
      if (commits.length > perPage) {
        const u = new URL(
          `${req.protocol}://${req.headers.host}${req.originalUrl}`,
        );
        u.searchParams.set('page', String(page + 1));
        u.searchParams.set('per_page', String(perPage));
        res.set('link', `<${u}>; rel="next"`);
      }
      res.json(
        commits
          .slice(0, perPage)
          .map(c => S.commit(svc.urls(), full(rec), c, userOf)),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)/pulls',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const sha = await resolveOr404(svc, rec, req.params.ref);
      const prs = svc
        .pulls(rec.owner, rec.name)
        .filter(p => p.head_sha === sha || p.merge_commit_sha === sha);
      res.json(prs.map(p => svc_pullSimple(svc, p)));
    }),
  );

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const ref = req.params.ref;
      const sha = await resolveOr404(svc, rec, ref);
      const c = (await svc.commitInfo(rec.owner, rec.name, sha))!;
      const files = await svc.git.diff(
        rec.owner,
        rec.name,
        c.parents[0] ?? '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        sha,
      );
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('.diff') || accept.includes('.patch')) {
        const out = await svc.git.run(rec.owner, rec.name, [
          'show',
          '--format=',
          sha,
        ]);
        res.type('text/plain').send(out.stdout);
        return;
      }
      const additions = files.reduce((a, f) => a + f.additions, 0);
      const deletions = files.reduce((a, f) => a + f.deletions, 0);
      res.json(
        S.commit(svc.urls(), full(rec), c, userOf, {
          stats: { additions, deletions, total: additions + deletions },
          files: files.map(f => S.diffEntry(svc.urls(), full(rec), sha, f)),
        }),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/compare/:spec(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const m = /^(.+?)\.\.\.?(.+)$/.exec(req.params.spec);
      if (!m) throw notFound();
      const strip = (x: string) => (x.includes(':') ? x.split(':')[1] : x);
      const base = await svc.ctx.git.resolve(rec.owner, rec.name, strip(m[1]));
      const head = await svc.ctx.git.resolve(rec.owner, rec.name, strip(m[2]));
      if (!base || !head) throw notFound();
      const mb =
        (await svc.git.mergeBase(rec.owner, rec.name, base, head)) ?? base;
      const { ahead, behind } = await svc.git.aheadBehind(
        rec.owner,
        rec.name,
        base,
        head,
      );
      const commits = await svc.git.log(
        rec.owner,
        rec.name,
        [`${base}..${head}`],
        { reverse: true, max: 250 },
      );
      const files = await svc.git.diff(rec.owner, rec.name, mb, head);
      const u = svc.urls();
      const baseC = (await svc.commitInfo(rec.owner, rec.name, base))!;
      const mbC = (await svc.commitInfo(rec.owner, rec.name, mb))!;
      const body: S.Schemas['commit-comparison'] = {
        url: `${u.api}/repos/${full(rec)}/compare/${req.params.spec}`,
        html_url: `${u.base}/${full(rec)}/compare/${req.params.spec}`,
        permalink_url: `${u.base}/${full(rec)}/compare/${base}...${head}`,
        diff_url: `${u.base}/${full(rec)}/compare/${req.params.spec}.diff`,
        patch_url: `${u.base}/${full(rec)}/compare/${req.params.spec}.patch`,
        base_commit: S.commit(u, full(rec), baseC, userOf),
        merge_base_commit: S.commit(u, full(rec), mbC, userOf),
        status: firstOf<'diverged' | 'ahead' | 'behind' | 'identical'>(
          [
            [ahead && behind, 'diverged'],
            [ahead, 'ahead'],
            [behind, 'behind'],
          ],
          'identical',
        ),
        ahead_by: ahead,
        behind_by: behind,
        total_commits: ahead,
        commits: commits.map(c => S.commit(u, full(rec), c, userOf)),
        files: files.map(f => S.diffEntry(svc.urls(), full(rec), head, f)),
      };
      res.json(body);
    }),
  );

  return r;
}

function svc_pullSimple(svc: GithubService, p: any) {
  const rec = svc.repo(p.owner, p.repo)!;
  return S.pullSimple(
    svc.urls(),
    p,
    svc.serializeRepo(rec),
    svc.account(p.owner)!,
    svc.ensureAccount(p.user, 'User'),
  );
}
