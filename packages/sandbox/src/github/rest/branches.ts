import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h } from '../errors';
import { paginate, readableRepo, writableRepo } from './common';
import type { RepoRecord } from '../state';
import { full } from './codeShared';

/** Branches and branch protection. */
export function branchesRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const userOf = (email: string, name: string) =>
    svc.accountForEmail(email, name);

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

  return r;
}
