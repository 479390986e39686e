import express from 'express';
import type { GithubService } from '../service';
import type { CiSimulator } from '../ci';
import { GhError, h, notFound, missingField, validation } from '../errors';
import {
  findInRepo,
  needViewer,
  paginate,
  readableRepo,
  str,
  writableRepo,
} from './common';
import type { DeploymentStatusRecord } from '../actions-store';
import type { RepoRecord } from '../state';

const STATES: DeploymentStatusRecord['state'][] = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
];

/**
 * The Deployments API: `POST/GET …/deployments` (the commit's checks must pass unless
 * `required_contexts` says otherwise, 409 like GitHub), `GET/DELETE …/deployments/:id`,
 * `POST/GET …/deployments/:id/statuses`, `GET …/statuses/:status_id`.
 */
export function deploymentsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const dep = ci.deployments;

  const byId = (rec: RepoRecord, id: string) =>
    findInRepo(
      dep.all(),
      rec,
      d => d.repo_id === rec.id && String(d.id) === id,
    );

  r.post(
    '/repos/:owner/:repo/deployments',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = writableRepo(svc, req);
      const b = req.body ?? {};
      if (!b.ref) throw missingField('Deployment', 'ref');
      const ref = String(b.ref);
      const sha =
        (await svc.ctx.git.resolve(rec.owner, rec.name, ref)) ??
        (/^[0-9a-f]{40}$/.test(ref) ? ref : undefined);
      if (!sha) throw new GhError(422, `No ref found for: ${ref}`);
      const required: string[] | undefined = Array.isArray(b.required_contexts)
        ? b.required_contexts.map(String)
        : undefined;
      // by default every status and check of the commit must have passed
      const { runs, statuses } = svc.rollup(rec.owner, rec.name, sha);
      const contexts = [
        ...statuses.map(s => ({ context: s.context, state: s.state })),
        ...runs.map(x => {
          let state = 'failure';
          if (x.status !== 'completed') state = 'pending';
          else if (['success', 'neutral', 'skipped'].includes(x.conclusion ?? ''))
            state = 'success';
          return { context: x.name, state };
        }),
      ];
      const considered =
        required === undefined
          ? contexts
          : required.map(
              c =>
                contexts.find(x => x.context === c) ?? {
                  context: c,
                  state: 'missing',
                },
            );
      const failed = considered.filter(c => c.state !== 'success');
      if (failed.length) {
        throw new GhError(
          409,
          `Conflict: Commit status checks failed for ${ref}.`,
          {
            errors: [
              {
                contexts: failed,
                resource: 'Deployment',
                field: 'required_contexts',
                code: 'invalid',
              },
            ],
          },
        );
      }
      const d = dep.create(
        rec.owner,
        rec.name,
        {
          sha,
          ref,
          task: typeof b.task === 'string' ? b.task : undefined,
          payload: b.payload,
          environment:
            typeof b.environment === 'string' ? b.environment : undefined,
          description: b.description ?? null,
          transient_environment: b.transient_environment,
          production_environment: b.production_environment,
        },
        v.login,
      );
      res.status(201).json(dep.serialize(d));
    }),
  );

  r.get(
    '/repos/:owner/:repo/deployments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      let list = dep.all().filter(d => d.repo_id === rec.id);
      for (const k of ['sha', 'ref', 'task', 'environment'] as const) {
        const want = str(req.query[k]);
        if (want !== undefined) list = list.filter(d => d[k] === want);
      }
      list = [...list].sort((a, b) => b.id - a.id);
      res.json(paginate(req, res, list).map(d => dep.serialize(d)));
    }),
  );

  r.get(
    '/repos/:owner/:repo/deployments/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(dep.serialize(byId(rec, req.params.id)));
    }),
  );

  r.delete(
    '/repos/:owner/:repo/deployments/:id(\\d+)',
    h((req, res) => {
      const rec = writableRepo(svc, req);
      const d = byId(rec, req.params.id);
      const others = dep
        .all()
        .filter(
          x =>
            x.repo_id === rec.id &&
            x.environment === d.environment &&
            x.id !== d.id,
        );
      if (others.length && dep.latestStatus(d)?.state !== 'inactive')
        throw new GhError(
          422,
          'We cannot delete an active deployment unless it is the only deployment in a given environment.',
        );
      ci.store.data.deployments = ci.store.data.deployments.filter(
        x => x !== d,
      );
      ci.store.data.deploymentStatuses =
        ci.store.data.deploymentStatuses.filter(s => s.deployment_id !== d.id);
      res.status(204).end();
    }),
  );

  r.post(
    '/repos/:owner/:repo/deployments/:id(\\d+)/statuses',
    h((req, res) => {
      const v = needViewer(req);
      const rec = writableRepo(svc, req);
      const d = byId(rec, req.params.id);
      const b = req.body ?? {};
      if (b.state === undefined)
        throw missingField('DeploymentStatus', 'state');
      if (!STATES.includes(b.state))
        throw validation([
          { resource: 'DeploymentStatus', field: 'state', code: 'invalid' },
        ]);
      const s = dep.addStatus(
        d,
        {
          state: b.state,
          description: typeof b.description === 'string' ? b.description : '',
          target_url: str(b.target_url),
          log_url: str(b.log_url),
          environment_url: str(b.environment_url),
          environment: str(b.environment),
          auto_inactive: b.auto_inactive,
        },
        v.login,
      );
      res.status(201).json(dep.serializeStatus(s));
    }),
  );

  const statusesOf = (id: number) =>
    ci.store.data.deploymentStatuses
      .filter(s => s.deployment_id === id)
      .sort((a, b) => b.id - a.id);

  r.get(
    '/repos/:owner/:repo/deployments/:id(\\d+)/statuses',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const d = byId(rec, req.params.id);
      res.json(
        paginate(req, res, statusesOf(d.id)).map(s => dep.serializeStatus(s)),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/deployments/:id(\\d+)/statuses/:sid(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const d = byId(rec, req.params.id);
      const s = statusesOf(d.id).find(x => String(x.id) === req.params.sid);
      if (!s) throw notFound();
      res.json(dep.serializeStatus(s));
    }),
  );

  return r;
}
