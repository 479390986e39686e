import express from 'express';
import { firstOf } from '../util';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField, validation } from '../errors';
import {
  needViewer,
  paginate,
  readableRepo,
  str,
  writableRepo,
} from './common';
import type { RepoRecord } from '../state';
import type { TreeEntry } from '../gitdata';

const b64 = (buf: Buffer) =>
  `${(buf.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n')}\n`;

/** Branches, protection, contents, commits, compare and git data (refs/trees/commits/blobs). */
export function codeRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const full = (rec: RepoRecord) => `${rec.owner}/${rec.name}`;
  const userOf = (email: string, name: string) =>
    svc.accountForEmail(email, name);

  const resolveOr404 = async (rec: RepoRecord, rev: string) => {
    const sha = await svc.ctx.git.resolve(rec.owner, rec.name, rev);
    if (!sha) throw new GhError(422, `No commit found for SHA: ${rev}`);
    return sha;
  };
  /** 404 unless `sha` names an object of `type` in `rec`. */
  const objectOr404 = async (rec: RepoRecord, sha: string, type: string) => {
    if ((await svc.git.objectType(rec.owner, rec.name, sha)) !== type)
      throw notFound();
  };
  const protectionKey = (rec: RepoRecord, branch: string) =>
    `${rec.owner}/${rec.name}:${branch}`;

  const protectionJson = (
    rec: RepoRecord,
    branch: string,
    p: any,
  ): S.Schemas['branch-protection'] => {
    const url = `${svc.urls().api}/repos/${full(
      rec,
    )}/branches/${branch}/protection`;
    // the flag objects carry only `enabled` (GitHub's protected-branch schema)
    const bool = (enabled: boolean | undefined, _path: string) => ({
      enabled: !!enabled,
    });
    return {
      url,
      enabled: true,
      required_status_checks: p.required_status_checks
        ? {
            url: `${url}/required_status_checks`,
            strict: !!p.required_status_checks.strict,
            contexts: p.required_status_checks.contexts ?? [],
            contexts_url: `${url}/required_status_checks/contexts`,
            checks: (p.required_status_checks.contexts ?? []).map(
              (c: string) => ({ context: c, app_id: null }),
            ),
          }
        : undefined,
      enforce_admins: {
        url: `${url}/enforce_admins`,
        enabled: !!p.enforce_admins,
      },
      required_pull_request_reviews: p.required_pull_request_reviews
        ? {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews:
              !!p.required_pull_request_reviews.dismiss_stale_reviews,
            require_code_owner_reviews:
              !!p.required_pull_request_reviews.require_code_owner_reviews,
            required_approving_review_count:
              p.required_pull_request_reviews.required_approving_review_count ??
              1,
            require_last_push_approval:
              !!p.required_pull_request_reviews.require_last_push_approval,
          }
        : undefined,
      required_linear_history: bool(
        p.required_linear_history,
        'required_linear_history',
      ),
      allow_force_pushes: bool(p.allow_force_pushes, 'allow_force_pushes'),
      allow_deletions: bool(p.allow_deletions, 'allow_deletions'),
      block_creations: bool(p.block_creations, 'block_creations'),
      required_conversation_resolution: bool(
        p.required_conversation_resolution,
        'required_conversation_resolution',
      ),
      lock_branch: bool(p.lock_branch, 'lock_branch'),
      allow_fork_syncing: bool(p.allow_fork_syncing, 'allow_fork_syncing'),
      required_signatures: {
        url: `${url}/required_signatures`,
        enabled: false,
      },
    } as any;
  };

  const diffEntry = (
    rec: RepoRecord,
    sha: string,
    f: any,
  ): S.Schemas['diff-entry'] => {
    const u = svc.urls();
    const enc = f.filename.split('/').map(encodeURIComponent).join('/');
    return {
      sha: f.sha,
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.changes,
      blob_url: `${u.base}/${full(rec)}/blob/${sha}/${enc}`,
      raw_url: `${u.base}/${full(rec)}/raw/${sha}/${enc}`,
      contents_url: `${u.api}/repos/${full(rec)}/contents/${enc}?ref=${sha}`,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename
        ? { previous_filename: f.previous_filename }
        : {}),
    };
  };

  // ------------------------------------------------------------------ branches
  r.get(
    '/repos/:owner/:repo/branches',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const refs = await svc.ctx.git.refs(rec.owner, rec.name, 'refs/heads/');
      const u = svc.urls();
      let list = refs.map(x => {
        const name = x.ref.replace(/^refs\/heads\//, '');
        return {
          name,
          commit: {
            sha: x.sha,
            url: `${u.api}/repos/${full(rec)}/commits/${x.sha}`,
          },
          protected: !!svc.protection(rec.owner, rec.name, name),
        } satisfies S.Schemas['short-branch'];
      });
      if (req.query.protected !== undefined)
        list = list.filter(
          b => b.protected === (req.query.protected === 'true'),
        );
      res.json(paginate(req, res, list));
    }),
  );

  r.get(
    '/repos/:owner/:repo/branches/:branch(.+)/protection',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.protection(rec.owner, rec.name, req.params.branch);
      if (!p) throw new GhError(404, 'Branch not protected');
      res.json(protectionJson(rec, req.params.branch, p));
    }),
  );

  r.put(
    '/repos/:owner/:repo/branches/:branch(.+)/protection',
    h(async (req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const b = req.body ?? {};
      const missing = [
        'required_status_checks',
        'enforce_admins',
        'required_pull_request_reviews',
        'restrictions',
      ].filter(k => !(k in b));
      if (missing.length) {
        throw new GhError(
          422,
          `Invalid request.\n\n${missing
            .map(k => `"${k}" wasn't supplied.`)
            .join('\n')}`,
        );
      }
      if (
        !(await svc.ctx.git.resolve(
          rec.owner,
          rec.name,
          `refs/heads/${req.params.branch}`,
        ))
      )
        throw new GhError(404, 'Branch not found');
      svc.data.protections[protectionKey(rec, req.params.branch)] = b;
      res.json(protectionJson(rec, req.params.branch, b));
    }),
  );

  r.delete(
    '/repos/:owner/:repo/branches/:branch(.+)/protection',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const k = protectionKey(rec, req.params.branch);
      if (!svc.data.protections[k])
        throw new GhError(404, 'Branch not protected');
      delete svc.data.protections[k];
      res.status(204).end();
    }),
  );

  r.get(
    '/repos/:owner/:repo/branches/:branch(.+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const name = req.params.branch;
      const sha = await svc.ctx.git.resolve(
        rec.owner,
        rec.name,
        `refs/heads/${name}`,
      );
      if (!sha) throw new GhError(404, 'Branch not found');
      const c = (await svc.commitInfo(rec.owner, rec.name, sha))!;
      const u = svc.urls();
      const prot = svc.protection(rec.owner, rec.name, name);
      const body: S.Schemas['branch-with-protection'] = {
        name,
        commit: S.commit(u, full(rec), c, userOf),
        _links: {
          html: `${u.base}/${full(rec)}/tree/${name}`,
          self: `${u.api}/repos/${full(rec)}/branches/${name}`,
        },
        protected: !!prot,
        protection: {
          enabled: !!prot,
          required_status_checks: {
            enforcement_level: prot?.required_status_checks
              ? 'everyone'
              : 'off',
            contexts: prot?.required_status_checks?.contexts ?? [],
            checks: [],
          },
        },
        protection_url: `${u.api}/repos/${full(
          rec,
        )}/branches/${name}/protection`,
      };
      res.json(body);
    }),
  );

  // ------------------------------------------------------------------ contents
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
          `attachment; filename=${prefix.slice(0, -1)}.${format === 'zip' ? 'zip' : 'tar.gz'}`,
        )
        .type(format === 'zip' ? 'application/zip' : 'application/x-gzip')
        .send(out.raw);
    });
  r.get('/repos/:owner/:repo/tarball/:ref(.*)?', archive('tar.gz'));
  r.get('/repos/:owner/:repo/zipball/:ref(.*)?', archive('zip'));

  // ------------------------------------------------------------------ commits & compare
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
      const sha = await resolveOr404(rec, req.params.ref);
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
      const sha = await resolveOr404(rec, ref);
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
          files: files.map(f => diffEntry(rec, sha, f)),
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
        files: files.map(f => diffEntry(rec, head, f)),
      };
      res.json(body);
    }),
  );

  // ------------------------------------------------------------------ git data
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

  r.get(
    '/repos/:owner/:repo/git/commits/:sha',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      await objectOr404(rec, req.params.sha, 'commit');
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
      await objectOr404(rec, req.params.sha, 'blob');
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
