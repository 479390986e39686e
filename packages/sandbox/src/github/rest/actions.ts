import crypto from 'node:crypto';
import express from 'express';
import type { GithubService } from '../service';
import type { CiSimulator } from '../ci';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import {
  findInRepo,
  needViewer,
  paginate,
  readableRepo,
  str,
  viewerOf,
  writableRepo,
} from './common';
import type { EnvironmentRecord, RepoRecord, RunRecord } from '../state';

/** Actions workflows and runs, environments, secrets/variables (accepted, not stored in clear). */
export function actionsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();

  const workflow = async (rec: RepoRecord, id: string) => {
    const list = await ci.syncWorkflows(rec);
    const w = list.find(
      x =>
        String(x.id) === id || x.path.split('/').pop() === id || x.path === id,
    );
    if (!w) throw notFound();
    return w;
  };

  r.get(
    '/repos/:owner/:repo/actions/workflows',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const list = await ci.syncWorkflows(rec);
      res.json({
        total_count: list.length,
        workflows: paginate(req, res, list).map(w => S.workflow(svc.urls(), w)),
      });
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/workflows/:id',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      res.json(S.workflow(svc.urls(), await workflow(rec, req.params.id)));
    }),
  );

  r.put(
    '/repos/:owner/:repo/actions/workflows/:id/:action(enable|disable)',
    h(async (req, res) => {
      const rec = writableRepo(svc, req);
      const w = await workflow(rec, req.params.id);
      w.state = req.params.action === 'enable' ? 'active' : 'disabled_manually';
      res.status(204).end();
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/workflows/:id/dispatches',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const w = await workflow(rec, req.params.id);
      const ref = req.body?.ref;
      if (!ref) throw missingField('Workflow', 'ref');
      const branch = String(ref).replace(/^refs\/heads\//, '');
      const sha = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
      if (!sha) throw new GhError(422, `No ref found for: ${ref}`);
      const text =
        (
          await svc.ctx.git.readFile(rec.owner, rec.name, sha, w.path)
        )?.toString('utf8') ?? '';
      if (!/workflow_dispatch/.test(text))
        throw new GhError(
          422,
          "Workflow does not have 'workflow_dispatch' trigger",
        );
      if (w.state !== 'active')
        throw new GhError(
          422,
          "Cannot trigger a 'workflow_dispatch' on a disabled workflow",
        );
      await ci.createWorkflowRun(rec, w, {
        branch,
        sha,
        event: 'workflow_dispatch',
        actor: v.login,
        inputs: req.body?.inputs ?? {},
      });
      res.status(204).end();
    }),
  );

  const filterRuns = (req: express.Request, list: RunRecord[]) => {
    let out = list;
    const branch = str(req.query.branch);
    if (branch) out = out.filter(x => x.head_branch === branch);
    const event = str(req.query.event);
    if (event) out = out.filter(x => x.event === event);
    const status = str(req.query.status);
    if (status)
      out = out.filter(x => x.status === status || x.conclusion === status);
    const sha = str(req.query.head_sha);
    if (sha) out = out.filter(x => x.head_sha === sha);
    const actor = str(req.query.actor);
    if (actor) out = out.filter(x => x.actor === actor);
    return [...out].sort((a, b) => b.id - a.id);
  };

  r.get(
    '/repos/:owner/:repo/actions/workflows/:id/runs',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const w = await workflow(rec, req.params.id);
      const list = filterRuns(
        req,
        svc.data.workflowRuns.filter(x => x.workflow_id === w.id),
      );
      res.json({
        total_count: list.length,
        workflow_runs: paginate(req, res, list).map(x => ci.serializeRun(x)),
      });
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = filterRuns(
        req,
        svc.data.workflowRuns.filter(
          x => x.owner === rec.owner && x.repo === rec.name,
        ),
      );
      res.json({
        total_count: list.length,
        workflow_runs: paginate(req, res, list).map(x => ci.serializeRun(x)),
      });
    }),
  );

  const runById = (rec: RepoRecord, id: string) =>
    findInRepo(svc.data.workflowRuns, rec, x => String(x.id) === id);

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(ci.serializeRun(runById(rec, req.params.id)));
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/cancel',
    h((req, res) => {
      const rec = writableRepo(svc, req);
      const run = runById(rec, req.params.id);
      if (run.status === 'completed')
        throw new GhError(
          409,
          'Cannot cancel a workflow run that is completed.',
        );
      ci.cancel(run);
      res.status(202).json({});
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/:what(rerun|rerun-failed-jobs)',
    h((req, res) => {
      const rec = writableRepo(svc, req);
      const run = runById(rec, req.params.id);
      if (run.status !== 'completed')
        throw new GhError(403, 'This workflow is already running');
      ci.rerun(run);
      res.status(201).json({});
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/jobs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const u = svc.urls();
      const jobs = ['build', 'test'].map((name, i) => ({
        id: run.id * 10 + i,
        run_id: run.id,
        run_url: `${u.api}/repos/${rec.owner}/${rec.name}/actions/runs/${run.id}`,
        node_id: Buffer.from(`0:Job${run.id * 10 + i}`).toString('base64'),
        head_sha: run.head_sha,
        head_branch: run.head_branch,
        url: `${u.api}/repos/${rec.owner}/${rec.name}/actions/jobs/${
          run.id * 10 + i
        }`,
        html_url: `${u.base}/${rec.owner}/${rec.name}/actions/runs/${
          run.id
        }/job/${run.id * 10 + i}`,
        status: run.status,
        conclusion: run.conclusion,
        created_at: run.created_at,
        started_at: run.run_started_at,
        completed_at: run.status === 'completed' ? run.updated_at : null,
        name,
        steps: [],
        check_run_url: `${u.api}/repos/${rec.owner}/${rec.name}/check-runs/${
          run.id * 10 + i
        }`,
        labels: ['ubuntu-latest'],
        runner_id: null,
        runner_name: null,
        runner_group_id: null,
        runner_group_name: null,
        workflow_name: run.name,
        run_attempt: run.run_attempt,
      }));
      res.json({ total_count: jobs.length, jobs });
    }),
  );

  // ------------------------------------------------------------------ environments
  const envJson = (e: EnvironmentRecord) => S.environment(svc.urls(), e);
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
      ) {
        throw new GhError(422, 'Validation Failed', {
          errors: [
            { resource: 'Environment', field: 'wait_timer', code: 'invalid' },
          ],
        });
      }
      const now = svc.now();
      let e = svc.data.environments.find(
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
      if (b.reviewers !== undefined) e.reviewers = b.reviewers ?? [];
      if (b.deployment_branch_policy !== undefined)
        e.deployment_branch_policy = b.deployment_branch_policy;
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
    set: (k: string, v: NonNullable<typeof svc.data.branchPolicies>[string]) => {
      (svc.data.branchPolicies ??= {})[k] = v;
    },
  };
  r.get(
    '/repos/:owner/:repo/environments/:name/deployment-branch-policies',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = policies.get(`${rec.owner}/${rec.name}:${req.params.name}`) ?? [];
      res.json({ total_count: list.length, branch_policies: list });
    }),
  );
  r.post(
    '/repos/:owner/:repo/environments/:name/deployment-branch-policies',
    h((req, res) => {
      const rec = writableRepo(svc, req, 'admin');
      const e = findInRepo(svc.data.environments, rec, x => x.name === req.params.name);
      if (!req.body?.name) throw missingField('DeploymentBranchPolicy', 'name');
      const key = `${rec.owner}/${rec.name}:${e.name}`;
      const id = svc.nextId();
      const policy = {
        id,
        node_id: Buffer.from(`0:DeploymentBranchPolicy${id}`).toString('base64'),
        name: String(req.body.name),
        type: req.body.type === 'tag' ? 'tag' : 'branch',
      };
      policies.set(key, [...(policies.get(key) ?? []), policy]);
      res.json(policy);
    }),
  );

  // ------------------------------------------------------------------ secrets & variables
  const publicKey = () => ({
    key_id: '3380204578043523366',
    key: crypto.createHash('sha256').update('sandbox').digest('base64'),
  });
  r.get(
    '/repos/:owner/:repo/actions/secrets/public-key',
    h((req, res) => {
      readableRepo(svc, req);
      res.json(publicKey());
    }),
  );
  r.get(
    '/repos/:owner/:repo/environments/:env/secrets/public-key',
    h((req, res) => {
      readableRepo(svc, req);
      res.json(publicKey());
    }),
  );
  const accept = (status: number) =>
    h((req, res) => {
      writableRepo(svc, req);
      res.status(status).end();
    });
  r.put('/repos/:owner/:repo/actions/secrets/:name', accept(201));
  // the /repositories/:repository_id/... forms older Octokit versions use for environments
  const byId = (req: express.Request) => {
    const rec = Object.values(svc.data.repos).find(x => String(x.id) === req.params.id);
    if (!rec) throw notFound();
    return rec;
  };
  r.get(
    '/repositories/:id(\\d+)',
    h((req, res) => {
      const rec = byId(req);
      svc.readable(rec.owner, rec.name, viewerOf(req));
      res.json(svc.serializeRepo(rec, viewerOf(req)));
    }),
  );
  r.get(
    '/repositories/:id(\\d+)/environments/:env/secrets/public-key',
    h((req, res) => {
      const rec = byId(req);
      svc.readable(rec.owner, rec.name, viewerOf(req));
      res.json(publicKey());
    }),
  );
  const acceptById = (status: number) =>
    h((req, res) => {
      const rec = byId(req);
      svc.writable(rec.owner, rec.name, viewerOf(req));
      res.status(status).end();
    });
  r.put('/repositories/:id(\\d+)/environments/:env/secrets/:name', acceptById(201));
  r.post('/repositories/:id(\\d+)/environments/:env/variables', acceptById(201));
  r.put('/repos/:owner/:repo/environments/:env/secrets/:name', accept(201));
  r.post('/repos/:owner/:repo/actions/variables', accept(201));
  r.post('/repos/:owner/:repo/environments/:env/variables', accept(201));

  return r;
}
