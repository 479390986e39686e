import express from 'express';
import { firstOf } from '../util';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import { needViewer, readableRepo, str } from './common';
import type { RepoRecord } from '../state';
import type { TreeEntry } from '../gitdata';
import { b64, full } from './codeShared';

/** Contents (read, create/update, delete), README and tarball/zipball archives. */
export function contentsRouter(svc: GithubService): express.Router {
  const r = express.Router();

  const contentJson = (
    rec: RepoRecord,
    ref: string,
    e: TreeEntry,
    withContent?: Buffer,
  ) => {
    const u = svc.urls();
    const enc = e.path.split('/').map(encodeURIComponent).join('/');
    const url = `${u.api}/repos/${full(
      rec,
    )}/contents/${enc}?ref=${encodeURIComponent(ref)}`;
    const type = firstOf(
      [
        [e.type === 'tree', 'dir'],
        [e.type === 'commit', 'submodule'],
        [e.mode === '120000', 'symlink'],
      ],
      'file',
    );
    const git = `${u.api}/repos/${full(rec)}/git/${
      e.type === 'tree' ? 'trees' : 'blobs'
    }/${e.sha}`;
    const html = `${u.base}/${full(rec)}/${
      e.type === 'tree' ? 'tree' : 'blob'
    }/${ref}/${enc}`;
    return {
      name: e.path.split('/').pop() ?? '',
      path: e.path,
      sha: e.sha,
      size: e.size ?? 0,
      url,
      html_url: html,
      git_url: git,
      download_url:
        type === 'file' ? `${u.base}/${full(rec)}/raw/${ref}/${enc}` : null,
      type,
      ...(withContent ? { content: b64(withContent), encoding: 'base64' } : {}),
      _links: { self: url, git, html },
    };
  };

  const getContents = async (req: express.Request, res: express.Response) => {
    const rec = readableRepo(svc, req);
    const p = String(req.params.path ?? '').replace(/^\/+|\/+$/g, '');
    const ref = str(req.query.ref) ?? rec.default_branch;
    const sha = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
    if (!sha) {
      const empty =
        (await svc.ctx.git.refs(rec.owner, rec.name, 'refs/heads/')).length ===
        0;
      throw new GhError(
        404,
        empty
          ? 'This repository is empty.'
          : `No commit found for the ref ${ref}`,
      );
    }
    const e = await svc.git.entry(rec.owner, rec.name, sha, p);
    if (!e) throw notFound();
    const accept = String(req.headers.accept ?? '');
    if (e.type === 'tree') {
      const list =
        (await svc.git.tree(rec.owner, rec.name, sha, false, p)) ?? [];
      res.json(
        list.map(x =>
          contentJson(rec, ref, { ...x, path: p ? `${p}/${x.path}` : x.path }),
        ),
      );
      return;
    }
    const blob =
      (await svc.git.blob(rec.owner, rec.name, e.sha)) ?? Buffer.alloc(0);
    if (/vnd\.github(\.v3)?\.raw/.test(accept)) {
      res
        .set('etag', `"${e.sha}"`)
        .type('application/vnd.github.raw; charset=utf-8')
        .send(blob);
      return;
    }
    res.json(contentJson(rec, ref, { ...e, size: blob.length }, blob));
  };
  r.get('/repos/:owner/:repo/contents', h(getContents));
  r.get('/repos/:owner/:repo/contents/:path(*)', h(getContents));

  r.get(
    '/repos/:owner/:repo/readme',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const ref = str(req.query.ref) ?? rec.default_branch;
      const list = (await svc.git.tree(rec.owner, rec.name, ref)) ?? [];
      const e = list.find(
        x => /^readme(\.|$)/i.test(x.path) && x.type === 'blob',
      );
      if (!e) throw notFound();
      const blob = (await svc.git.blob(rec.owner, rec.name, e.sha))!;
      if (/\.raw/.test(String(req.headers.accept ?? ''))) {
        res.type('application/vnd.github.raw; charset=utf-8').send(blob);
        return;
      }
      res.json(contentJson(rec, ref, { ...e, size: blob.length }, blob));
    }),
  );

  const writeFile = async (
    req: express.Request,
    res: express.Response,
    del: boolean,
  ) => {
    const v = needViewer(req);
    const rec = svc.writable(req.params.owner, req.params.repo, v);
    const p = String(req.params.path ?? '').replace(/^\/+|\/+$/g, '');
    const b = req.body ?? {};
    if (!b.message) throw missingField('Content', 'message');
    if (!del && typeof b.content !== 'string')
      throw missingField('Content', 'content');
    const branch = b.branch ?? rec.default_branch;
    const head = await svc.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${branch}`,
    );
    const anyBranch =
      (await svc.ctx.git.refs(rec.owner, rec.name, 'refs/heads/')).length > 0;
    if (!head && (anyBranch || del))
      throw new GhError(404, `Branch ${branch} not found`);
    const existing = head
      ? await svc.git.entry(rec.owner, rec.name, head, p)
      : undefined;
    if (existing?.type === 'tree')
      throw new GhError(422, `${p} is a directory`);
    if (del) {
      if (!existing) throw notFound();
      if (!b.sha) throw missingField('Content', 'sha');
      if (b.sha !== existing.sha)
        throw new GhError(409, `${p} does not match ${b.sha}`);
    } else if (existing && !b.sha) {
      throw new GhError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    } else if (existing && b.sha !== existing.sha) {
      throw new GhError(409, `${p} does not match ${b.sha}`);
    }
    const author = b.author ?? b.committer ?? svc.gitAuthor(v);
    const sha = await svc.ctx.git.commitFiles(rec.owner, rec.name, {
      branch,
      message: b.message,
      author: { name: author.name, email: author.email },
      committer: b.committer
        ? { name: b.committer.name, email: b.committer.email }
        : undefined,
      files: { [p]: del ? null : Buffer.from(b.content, 'base64') },
      pusher: v.login,
    });
    const c = (await svc.commitInfo(rec.owner, rec.name, sha))!;
    const commitJson = S.gitCommit(svc.urls(), full(rec), c);
    if (del) {
      res.json({ content: null, commit: commitJson });
      return;
    }
    const e = (await svc.git.entry(rec.owner, rec.name, sha, p))!;
    const { _links, ...content } = contentJson(rec, branch, e);
    res
      .status(existing ? 200 : 201)
      .json({ content: { ...content, _links }, commit: commitJson });
  };
  r.put(
    '/repos/:owner/:repo/contents/:path(*)',
    h((req, res) => writeFile(req, res, false)),
  );
  r.delete(
    '/repos/:owner/:repo/contents/:path(*)',
    h((req, res) => writeFile(req, res, true)),
  );

  // ------------------------------------------------------------------ archives (Backstage readTree)
  const archive = (format: 'tar.gz' | 'zip') =>
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const ref = req.params.ref || rec.default_branch;
      const sha = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
      if (!sha) throw notFound();
      const prefix = `${rec.owner}-${rec.name}-${sha.slice(0, 7)}/`;
      const out = await svc.git.run(rec.owner, rec.name, [
        'archive',
        `--format=${format}`,
        `--prefix=${prefix}`,
        sha,
      ]);
      if (out.code !== 0) throw new Error(out.stderr);
      res
        .status(200)
        .set(
          'content-disposition',
          `attachment; filename=${prefix.slice(0, -1)}.${
            format === 'zip' ? 'zip' : 'tar.gz'
          }`,
        )
        .type(format === 'zip' ? 'application/zip' : 'application/x-gzip')
        .send(out.raw);
    });
  r.get('/repos/:owner/:repo/tarball/:ref(.*)?', archive('tar.gz'));
  r.get('/repos/:owner/:repo/zipball/:ref(.*)?', archive('zip'));

  return r;
}
