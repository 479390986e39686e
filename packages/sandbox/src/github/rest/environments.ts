import express from 'express';
import type { GithubService } from '../service';
import type { CiSimulator } from '../ci';
import * as S from '../serialize';
import { h, notFound, missingField, validation } from '../errors';
import { findInRepo, paginate, readableRepo, writableRepo } from './common';
import type { EnvironmentRecord } from '../state';

/** Environment fields beyond state.ts's record (kept on the same persisted record). */
type Env = EnvironmentRecord & {
  prevent_self_review?: boolean;
  can_admins_bypass?: boolean;
};

const nodeId = (kind: string, id: number) =>
  Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');

/**
 * Environments (`GET/PUT/DELETE …/environments/:name`) with their protection rules: wait timer,
 * required reviewers (users; validated, stored, enforced on workflow jobs that deploy to the
 * environment) and deployment branch policies.
 */
export function environmentsRouter(
  svc: GithubService,
  _ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const u = () => svc.urls();

  const envJson = (e: Env): S.Schemas['environment'] => {
    const base = S.environment(u(), e);
    const rules: any[] = [...(base.protection_rules ?? [])];
    const reviewers = (e.reviewers ?? []) as Array<{
      type: string;
      id: number;
    }>;
    if (reviewers.length) {
      rules.push({
        id: e.id * 10 + 1,
        node_id: nodeId('ProtectionRule', e.id * 10 + 1),
        type: 'required_reviewers',
        prevent_self_review: !!e.prevent_self_review,
        reviewers: reviewers.map(x => {
          const a = Object.values(svc.data.accounts).find(y => y.id === x.id);
          return { type: x.type, reviewer: a ? S.simpleUser(u(), a) : null };
        }),
      });
    }
    if (e.deployment_branch_policy) {
      rules.push({
        id: e.id * 10 + 2,
        node_id: nodeId('ProtectionRule', e.id * 10 + 2),
        type: 'branch_policy',
      });
    }
    return {
      ...base,
      can_admins_bypass: e.can_admins_bypass ?? true,
      protection_rules: rules,
    } as S.Schemas['environment'];
  };

  r.get(
    '/repos/:owner/:repo/environments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = svc.data.environments.filter(
        e => e.owner === rec.owner && e.repo === rec.name,
      );
      res.json({
        total_count: list.length,
        environments: paginate(req, res, list).map(envJson),
      });
    }),
  );

  r.get(
    '/repos/:owner/:repo/environments/:name',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const e = findInRepo(
        svc.data.environments,
        rec,
        x => x.name === req.params.name,
      );
      res.json(envJson(e));
    }),
  );

  const invalid = (field: string, message?: string) =>
    validation([
      {
        resource: 'Environment',
        field,
        code: 'invalid',
        ...(message ? { message } : {}),
      },
    ]);

  r.put(
    '/repos/:owner/:repo/environments/:name',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const b = req.body ?? {};
      if (
        b.wait_timer !== undefined &&
        (typeof b.wait_timer !== 'number' ||
          b.wait_timer < 0 ||
          b.wait_timer > 43200)
      )
        throw invalid('wait_timer');
      // validate everything before changing anything
      let reviewers: Array<{ type: 'User' | 'Team'; id: number }> | undefined;
      if (b.reviewers !== undefined && b.reviewers !== null) {
        if (!Array.isArray(b.reviewers)) throw invalid('reviewers');
        if (b.reviewers.length > 6)
          throw invalid(
            'reviewers',
            'An environment can have at most 6 reviewers',
          );
        reviewers = [];
        for (const x of b.reviewers) {
          if (
            !x ||
            !['User', 'Team'].includes(x.type) ||
            typeof x.id !== 'number'
          )
            throw invalid(
              'reviewers',
              'Each reviewer needs a type (User or Team) and a numeric id',
            );
          const a = Object.values(svc.data.accounts).find(
            y => y.id === x.id && y.type !== 'Organization',
          );
          if (x.type === 'Team' || !a)
            throw invalid(
              'reviewers',
              `${x.type} with id ${x.id} was not found`,
            );
          if (!svc.permissions(rec, a).pull)
            throw invalid(
              'reviewers',
              `${a.login} does not have read access to ${rec.owner}/${rec.name}`,
            );
          reviewers.push({ type: x.type, id: x.id });
        }
      } else if (b.reviewers === null) reviewers = [];
      const dbp = b.deployment_branch_policy;
      if (
        dbp &&
        (typeof dbp.protected_branches !== 'boolean' ||
          typeof dbp.custom_branch_policies !== 'boolean' ||
          dbp.protected_branches === dbp.custom_branch_policies)
      )
        throw invalid(
          'deployment_branch_policy',
          'Exactly one of protected_branches and custom_branch_policies must be true',
        );
      const now = svc.now();
      let e: Env | undefined = svc.data.environments.find(
        x =>
          x.owner === rec.owner &&
          x.repo === rec.name &&
          x.name === req.params.name,
      );
      if (!e) {
        e = {
          id: svc.nextId(),
          owner: rec.owner,
          repo: rec.name,
          name: req.params.name,
          wait_timer: 0,
          reviewers: [],
          deployment_branch_policy: null,
          created_at: now,
          updated_at: now,
        };
        svc.data.environments.push(e);
      }
      if (b.wait_timer !== undefined) e.wait_timer = b.wait_timer;
      if (reviewers !== undefined) e.reviewers = reviewers;
      if (b.prevent_self_review !== undefined)
        e.prevent_self_review = !!b.prevent_self_review;
      if (b.can_admins_bypass !== undefined)
        e.can_admins_bypass = !!b.can_admins_bypass;
      if (dbp !== undefined) e.deployment_branch_policy = dbp;
      e.updated_at = now;
      res.json(envJson(e));
    }),
  );

  r.delete(
    '/repos/:owner/:repo/environments/:name',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const before = svc.data.environments.length;
      svc.data.environments = svc.data.environments.filter(
        x =>
          !(
            x.owner === rec.owner &&
            x.repo === rec.name &&
            x.name === req.params.name
          ),
      );
      if (before === svc.data.environments.length) throw notFound();
      res.status(204).end();
    }),
  );

  // deployment branch policies of an environment (github:environment:create)
  const policies = {
    get: (k: string) => (svc.data.branchPolicies ??= {})[k],
    set: (
      k: string,
      v: NonNullable<typeof svc.data.branchPolicies>[string],
    ) => {
      (svc.data.branchPolicies ??= {})[k] = v;
    },
  };
  r.get(
    '/repos/:owner/:repo/environments/:name/deployment-branch-policies',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list =
        policies.get(`${rec.owner}/${rec.name}:${req.params.name}`) ?? [];
      res.json({ total_count: list.length, branch_policies: list });
    }),
  );
  r.post(
    '/repos/:owner/:repo/environments/:name/deployment-branch-policies',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const e = findInRepo(
        svc.data.environments,
        rec,
        x => x.name === req.params.name,
      );
      if (!req.body?.name) throw missingField('DeploymentBranchPolicy', 'name');
      const key = `${rec.owner}/${rec.name}:${e.name}`;
      const id = svc.nextId();
      const policy = {
        id,
        node_id: Buffer.from(`0:DeploymentBranchPolicy${id}`).toString(
          'base64',
        ),
        name: String(req.body.name),
        type: req.body.type === 'tag' ? 'tag' : 'branch',
      };
      policies.set(key, [...(policies.get(key) ?? []), policy]);
      res.json(policy);
    }),
  );

  // `GET /repositories/:id`, used by older Octokit forms of the environment endpoints
  r.get(
    '/repositories/:id(\\d+)',
    h((req, res) => {
      const rec = Object.values(svc.data.repos).find(
        x => String(x.id) === req.params.id,
      );
      if (!rec) throw notFound();
      svc.readable(rec.owner, rec.name, req.ghViewer);
      res.json(svc.serializeRepo(rec, req.ghViewer));
    }),
  );

  return r;
}
