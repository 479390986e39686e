import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField, validation } from '../errors';
import { needViewer, readableRepo } from './common';
import type { RepoRecord } from '../state';
import type { TreeEntry } from '../gitdata';
import { b64, full, objectOr404 } from './codeShared';

/** Git data: commits, trees and blobs. */
export function gitObjectsRouter(svc: GithubService): express.Router {
  const r = express.Router();

  r.get(
    '/repos/:owner/:repo/git/commits/:sha',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      await objectOr404(svc, rec, req.params.sha, 'commit');
      const c = await svc.commitInfo(rec.owner, rec.name, req.params.sha);
      if (!c) throw notFound();
      res.json(S.gitCommit(svc.urls(), full(rec), c));
    }),
  );

  r.post(
    '/repos/:owner/:repo/git/commits',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!b.message) throw missingField('Commit', 'message');
      if (!b.tree) throw missingField('Commit', 'tree');
      if ((await svc.git.objectType(rec.owner, rec.name, b.tree)) !== 'tree')
        throw validation(
          [{ resource: 'Commit', field: 'tree', code: 'invalid' }],
          'Tree SHA does not exist',
        );
      for (const p of b.parents ?? []) {
        if ((await svc.git.objectType(rec.owner, rec.name, p)) !== 'commit')
          throw new GhError(
            422,
            'Parent SHA does not exist or is not a commit object',
          );
      }
      const author = b.author ?? svc.gitAuthor(v);
      const sha = await svc.git.commitTree(
        rec.owner,
        rec.name,
        b.tree,
        b.parents ?? [],
        b.message,
        author,
        b.committer ?? author,
      );
      const c = (await svc.commitInfo(rec.owner, rec.name, sha))!;
      res.status(201).json(S.gitCommit(svc.urls(), full(rec), c));
    }),
  );

  const treeJson = (
    rec: RepoRecord,
    sha: string,
    entries: TreeEntry[],
  ): S.Schemas['git-tree'] => {
    const u = svc.urls();
    return {
      sha,
      url: `${u.api}/repos/${full(rec)}/git/trees/${sha}`,
      truncated: false,
      tree: entries.map(e => ({
        path: e.path,
        mode: e.mode,
        type: e.type,
        sha: e.sha,
        ...(e.type === 'blob' ? { size: e.size ?? 0 } : {}),
        url: `${u.api}/repos/${full(rec)}/git/${
          e.type === 'tree' ? 'trees' : 'blobs'
        }/${e.sha}`,
      })),
    };
  };

  r.get(
    '/repos/:owner/:repo/git/trees/:sha(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const recursive =
        !!req.query.recursive &&
        req.query.recursive !== '0' &&
        req.query.recursive !== 'false';
      const entries = await svc.git.tree(
        rec.owner,
        rec.name,
        req.params.sha,
        recursive,
      );
      if (!entries) throw notFound();
      const sha = (
        await svc.git.run(rec.owner, rec.name, [
          'rev-parse',
          `${req.params.sha}^{tree}`,
        ])
      ).stdout.trim();
      res.json(treeJson(rec, sha, entries));
    }),
  );

  r.post(
    '/repos/:owner/:repo/git/trees',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!Array.isArray(b.tree)) throw missingField('Tree', 'tree');
      let baseTree: string | undefined;
      if (b.base_tree) {
        const t = await svc.git.run(rec.owner, rec.name, [
          'rev-parse',
          '--verify',
          '--quiet',
          `${b.base_tree}^{tree}`,
        ]);
        if (t.code !== 0)
          throw new GhError(422, 'base_tree is not a valid tree oid');
        baseTree = t.stdout.trim();
      }
      const changes = [];
      for (const e of b.tree) {
        if (!e.path) throw missingField('Tree', 'path');
        let sha: string | null = e.sha === undefined ? undefined : e.sha;
        if (e.content !== undefined)
          sha = await svc.git.writeBlob(
            rec.owner,
            rec.name,
            Buffer.from(String(e.content), 'utf8'),
          );
        if (sha === undefined)
          throw new GhError(
            422,
            `Must supply either tree.sha or tree.content for ${e.path}`,
          );
        if (
          sha !== null &&
          !(await svc.git.objectType(rec.owner, rec.name, sha))
        ) {
          throw new GhError(422, `GitRPC::BadObjectState`);
        }
        changes.push({
          path: e.path,
          mode: e.mode ?? '100644',
          type: e.type ?? 'blob',
          sha,
        });
      }
      const sha = await svc.git.buildTree(
        rec.owner,
        rec.name,
        baseTree,
        changes,
      );
      const entries =
        (await svc.git.tree(rec.owner, rec.name, sha, false)) ?? [];
      res.status(201).json(treeJson(rec, sha, entries));
    }),
  );

  r.get(
    '/repos/:owner/:repo/git/blobs/:sha',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      await objectOr404(svc, rec, req.params.sha, 'blob');
      const blob = (await svc.git.blob(rec.owner, rec.name, req.params.sha))!;
      if (/\.raw/.test(String(req.headers.accept ?? ''))) {
        res.type('application/vnd.github.raw; charset=utf-8').send(blob);
        return;
      }
      res.json({
        sha: req.params.sha,
        node_id: Buffer.from(`0:Blob${req.params.sha}`).toString('base64'),
        size: blob.length,
        url: `${svc.urls().api}/repos/${full(rec)}/git/blobs/${req.params.sha}`,
        content: b64(blob),
        encoding: 'base64',
      } satisfies S.Schemas['blob']);
    }),
  );

  r.post(
    '/repos/:owner/:repo/git/blobs',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (typeof b.content !== 'string') throw missingField('Blob', 'content');
      const buf = Buffer.from(
        b.content,
        b.encoding === 'base64' ? 'base64' : 'utf8',
      );
      const sha = await svc.git.writeBlob(rec.owner, rec.name, buf);
      res.status(201).json({
        url: `${svc.urls().api}/repos/${full(rec)}/git/blobs/${sha}`,
        sha,
      } satisfies S.Schemas['short-blob']);
    }),
  );

  return r;
}
