import express from 'express';
import { firstOf } from '../util';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import {
  needViewer,
  paginate,
  readableRepo,
  viewerOf,
  writableRepo,
} from './common';
import type { Account, RepoRecord } from '../state';

/** Users, organizations, repository CRUD and topics, app installations, rate_limit. */
export function usersRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const counts = (a: Account) => {
    const repos = svc.reposOf(a.login);
    return {
      pub: repos.filter(x => !x.private).length,
      priv: repos.filter(x => x.private).length,
    };
  };
  const userJson = (a: Account) =>
    a.type === 'Organization'
      ? S.orgFull(svc.urls(), a, counts(a).pub)
      : S.publicUser(svc.urls(), a, counts(a).pub);

  r.get('/', (_req, res) => {
    const u = svc.urls();
    res.json({
      current_user_url: `${u.api}/user`,
      repository_url: `${u.api}/repos/{owner}/{repo}`,
      user_url: `${u.api}/users/{user}`,
    });
  });

  r.get('/rate_limit', (_req, res) => {
    const limit = Number(res.getHeader('x-ratelimit-limit'));
    const rem = Number(res.getHeader('x-ratelimit-remaining'));
    const reset = Number(res.getHeader('x-ratelimit-reset'));
    const core = { limit, remaining: rem, used: limit - rem, reset };
    res.json({
      resources: {
        core,
        graphql: core,
        search: { limit: 30, remaining: 30, used: 0, reset },
      },
      rate: core,
    });
  });

  r.get(
    '/user',
    h((req, res) => {
      const v = needViewer(req);
      const c = counts(v);
      res.json(S.privateUser(svc.urls(), v, c.pub, c.priv));
    }),
  );

  r.get(
    '/users/:username',
    h((req, res) => {
      const a = svc.mustAccount(req.params.username);
      res.json(userJson(a));
    }),
  );

  r.get(
    '/orgs/:org',
    h((req, res) => {
      const a = svc.mustOrg(req.params.org);
      res.json(S.orgFull(svc.urls(), a, counts(a).pub));
    }),
  );

  r.get(
    '/user/orgs',
    h((req, res) => {
      const v = needViewer(req);
      const orgs = Object.values(svc.data.accounts).filter(
        a => a.type === 'Organization' && a.members?.[v.login],
      );
      res.json(
        paginate(
          req,
          res,
          orgs.map(o => S.orgSimple(svc.urls(), o)),
        ),
      );
    }),
  );

  r.get(
    '/orgs/:org/members',
    h((req, res) => {
      const a = svc.mustOrg(req.params.org);
      const members = Object.keys(a.members ?? {}).map(l => svc.simpleUser(l));
      res.json(paginate(req, res, members));
    }),
  );

  r.get(
    '/orgs/:org/memberships/:username',
    h((req, res) => {
      const a = svc.account(req.params.org);
      const role = a?.members?.[req.params.username];
      if (!a || !role) throw notFound();
      res.json({
        url: `${svc.urls().api}/orgs/${a.login}/memberships/${
          req.params.username
        }`,
        state: 'active',
        role,
        organization_url: `${svc.urls().api}/orgs/${a.login}`,
        organization: S.orgSimple(svc.urls(), a),
        user: svc.simpleUser(req.params.username),
      });
    }),
  );

  const visibleRepos = (req: express.Request, list: RepoRecord[]) =>
    list
      .filter(x => svc.permissions(x, viewerOf(req)).pull)
      .sort((a, b) => a.name.localeCompare(b.name));

  r.get(
    '/user/repos',
    h((req, res) => {
      const v = needViewer(req);
      const list = Object.values(svc.data.repos).filter(
        x => svc.permissions(x, v).push,
      );
      res.json(
        paginate(
          req,
          res,
          visibleRepos(req, list).map(x => svc.serializeRepo(x, v)),
        ),
      );
    }),
  );

  r.get(
    '/users/:username/repos',
    h((req, res) => {
      const a = svc.mustAccount(req.params.username);
      res.json(
        paginate(
          req,
          res,
          visibleRepos(req, svc.reposOf(a.login)).map(x =>
            svc.serializeRepo(x, viewerOf(req)),
          ),
        ),
      );
    }),
  );

  r.get(
    '/orgs/:org/repos',
    h((req, res) => {
      const a = svc.mustOrg(req.params.org);
      res.json(
        paginate(
          req,
          res,
          visibleRepos(req, svc.reposOf(a.login)).map(x =>
            svc.serializeRepo(x, viewerOf(req)),
          ),
        ),
      );
    }),
  );

  const createRepo = async (
    req: express.Request,
    res: express.Response,
    owner: Account,
  ) => {
    const v = needViewer(req);
    const b = req.body ?? {};
    if (!b.name || typeof b.name !== 'string')
      throw missingField('Repository', 'name');
    const visibility = b.visibility ?? (b.private ? 'private' : 'public');
    const rec = await svc.createRepo(
      owner,
      b.name,
      {
        description: b.description ?? null,
        homepage: b.homepage ?? null,
        private: visibility !== 'public',
        visibility,
        has_issues: b.has_issues ?? true,
        has_wiki: b.has_wiki ?? true,
        has_projects: b.has_projects ?? true,
        allow_merge_commit: b.allow_merge_commit ?? true,
        allow_squash_merge: b.allow_squash_merge ?? true,
        allow_rebase_merge: b.allow_rebase_merge ?? true,
        allow_auto_merge: b.allow_auto_merge ?? false,
        delete_branch_on_merge: b.delete_branch_on_merge ?? false,
        is_template: !!b.is_template,
        auto_init: !!b.auto_init,
      },
      v,
    );
    res
      .status(201)
      .location(svc.serializeRepo(rec).url)
      .json(svc.serializeRepo(rec, v));
  };

  r.post(
    '/orgs/:org/repos',
    h(async (req, res) => {
      const v = needViewer(req);
      const org = svc.mustOrg(req.params.org);
      if (!org.members?.[v.login])
        throw new GhError(
          403,
          'You need admin access to the organization before adding a repository to it.',
        );
      await createRepo(req, res, org);
    }),
  );

  r.post(
    '/user/repos',
    h(async (req, res) => {
      await createRepo(req, res, needViewer(req));
    }),
  );

  r.get(
    '/repos/:owner/:repo',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(svc.serializeRepo(rec, viewerOf(req)));
    }),
  );

  r.patch(
    '/repos/:owner/:repo',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const b = req.body ?? {};
      for (const k of [
        'description',
        'homepage',
        'has_issues',
        'has_wiki',
        'has_projects',
        'allow_merge_commit',
        'allow_squash_merge',
        'allow_rebase_merge',
        'allow_auto_merge',
        'delete_branch_on_merge',
        'archived',
        'default_branch',
        'is_template',
      ] as const) {
        if (b[k] !== undefined) (rec as any)[k] = b[k];
      }
      if (b.private !== undefined) {
        rec.private = !!b.private;
        rec.visibility = rec.private ? 'private' : 'public';
      }
      if (b.visibility) {
        rec.visibility = b.visibility;
        rec.private = b.visibility !== 'public';
      }
      rec.updated_at = svc.now();
      res.json(svc.serializeRepo(rec, viewerOf(req)));
    }),
  );

  r.delete(
    '/repos/:owner/:repo',
    h(async (req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      await svc.deleteRepo(rec);
      res.status(204).end();
    }),
  );

  r.get(
    '/repos/:owner/:repo/topics',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json({ names: rec.topics });
    }),
  );

  r.put(
    '/repos/:owner/:repo/topics',
    h((req, res) => {
      const rec = writableRepo(svc, req);
      const names = req.body?.names;
      if (!Array.isArray(names)) throw missingField('Repository', 'names');
      const bad = names.filter(
        (n: unknown) =>
          typeof n !== 'string' || !/^[a-z0-9][a-z0-9-]{0,49}$/.test(n),
      );
      if (bad.length) {
        throw new GhError(422, 'Validation Failed', {
          errors: [
            {
              resource: 'Repository',
              field: 'topics',
              code: 'invalid',
              message: `${bad.join(', ')} is not a valid topic.`,
            },
          ],
        });
      }
      rec.topics = [...new Set(names as string[])];
      res.json({ names: rec.topics });
    }),
  );

  r.put(
    '/repos/:owner/:repo/subscription',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const u = svc.serializeRepo(rec);
      res.json({
        subscribed: !!req.body?.subscribed,
        ignored: !!req.body?.ignored,
        reason: null,
        created_at: svc.now(),
        url: u.subscription_url,
        repository_url: u.url,
      });
    }),
  );

  r.get(
    '/repos/:owner/:repo/languages',
    h((req, res) => {
      readableRepo(svc, req);
      res.json({});
    }),
  );

  // ---- collaborators (read-only model: org members have push, org admins admin)
  r.get(
    '/repos/:owner/:repo/collaborators',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const owner = svc.account(rec.owner)!;
      const logins =
        owner.type === 'Organization'
          ? Object.keys(owner.members ?? {})
          : [owner.login];
      res.json(
        paginate(
          req,
          res,
          logins.map(l => ({
            ...svc.simpleUser(l),
            permissions: svc.permissions(rec, svc.account(l)),
            role_name: svc.permissions(rec, svc.account(l)).admin
              ? 'admin'
              : 'write',
          })),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/collaborators/:username/permission',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const a = svc.mustAccount(req.params.username);
      const p = svc.permissions(rec, a);
      const permission = firstOf(
        [
          [p.admin, 'admin'],
          [p.push, 'write'],
          [p.pull, 'read'],
        ],
        'none',
      );
      res.json({
        permission,
        role_name: permission,
        user: {
          ...S.simpleUser(svc.urls(), a),
          permissions: { ...p, maintain: p.push, triage: p.push },
        },
      });
    }),
  );

  // ---- app installation (the sandbox's CI app is installed on every account)
  const installation = (a: Account) => {
    const u = svc.urls();
    return {
      id: a.id + 1000000,
      account: S.simpleUser(u, a),
      access_tokens_url: `${u.api}/app/installations/${
        a.id + 1000000
      }/access_tokens`,
      repositories_url: `${u.api}/installation/repositories`,
      html_url: `${u.base}/organizations/${a.login}/settings/installations/${
        a.id + 1000000
      }`,
      app_id: S.SANDBOX_APP.id,
      app_slug: S.SANDBOX_APP.slug,
      target_id: a.id,
      target_type: a.type === 'Organization' ? 'Organization' : 'User',
      permissions: {
        checks: 'write' as const,
        statuses: 'write' as const,
        contents: 'write' as const,
        metadata: 'read' as const,
        pull_requests: 'write' as const,
        actions: 'write' as const,
      },
      events: [
        'push',
        'pull_request',
        'check_run',
        'check_suite',
        'workflow_run',
      ],
      created_at: a.created_at,
      updated_at: a.created_at,
      single_file_name: null,
      repository_selection: 'all' as const,
      suspended_by: null,
      suspended_at: null,
    } satisfies S.Schemas['installation'];
  };

  r.get(
    '/repos/:owner/:repo/installation',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(installation(svc.account(rec.owner)!));
    }),
  );
  r.get(
    '/orgs/:org/installation',
    h((req, res) => {
      const a = svc.mustAccount(req.params.org);
      res.json(installation(a));
    }),
  );
  r.get(
    '/users/:username/installation',
    h((req, res) => {
      const a = svc.mustAccount(req.params.username);
      res.json(installation(a));
    }),
  );
  r.get(
    '/app/installations',
    h((req, res) => {
      const owners = Object.values(svc.data.accounts).filter(
        a => a.type === 'Organization',
      );
      res.json(paginate(req, res, owners.map(installation)));
    }),
  );
  r.get(
    '/app',
    h((_req, res) => {
      const owner = svc.account('acme') ?? Object.values(svc.data.accounts)[0];
      res.json(S.integration(svc.urls(), owner));
    }),
  );
  r.post(
    '/app/installations/:id/access_tokens',
    h((_req, res) => {
      const token = svc.issueToken('luffy-bot', 'ghs_');
      res.status(201).json({
        token,
        expires_at: new Date(Date.now() + 3600_000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        permissions: { contents: 'write', metadata: 'read' },
        repository_selection: 'all',
      });
    }),
  );
  r.get(
    '/installation/repositories',
    h((req, res) => {
      const list = Object.values(svc.data.repos);
      res.json({
        total_count: list.length,
        repository_selection: 'all',
        repositories: paginate(
          req,
          res,
          list.map(x => svc.serializeRepo(x)),
        ),
      });
    }),
  );

  return r;
}
