import express from 'express';
import type { GithubService } from '../service';
import { DISPATCH_DELAY, type CiSimulator } from '../ci';
import * as S from '../serialize';
import { GhError, h, notFound, missingField, validation } from '../errors';
import {
  needViewer,
  paginate,
  readableRepo,
  str,
  writableRepo,
} from './common';
import type { RepoRecord, RunRecord } from '../state';
import { dispatchInputs } from '../workflow-file';
import { actionsLookups } from './actions/lookups';
import { actionsJobsRouter } from './actions/jobs';
import { actionsLogsRouter } from './actions/logs';
import { actionsApprovalsRouter } from './actions/approvals';
import { environmentsRouter } from './environments';
import { secretsRouter } from './secrets';
import { deploymentsRouter } from './deployments';
import { templatesRouter } from './templates';

/**
 * A `created` filter of run listings (GitHub's search date syntax): `2026-01-01`, `>=…`, `>…`,
 * `<=…`, `<…`, `a..b`, `a..*`, `*..b`. Dates without a time cover the whole day.
 */
export function createdFilter(q: string): (iso: string) => boolean {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const parse = (s: string, end: boolean): number => {
    if (s === '*') return end ? Infinity : -Infinity;
    const t = Date.parse(day.test(s) ? `${s}T00:00:00Z` : s);
    if (Number.isNaN(t))
      throw validation(
        [{ resource: 'WorkflowRun', field: 'created', code: 'invalid' }],
        `Invalid created filter: ${q}`,
      );
    return end && day.test(s) ? t + 86_400_000 - 1 : t;
  };
  const v = q.trim();
  let lo = -Infinity;
  let hi = Infinity;
  const m = /^(>=|<=|>|<)(.+)$/.exec(v);
  if (v.includes('..')) {
    const [a, b] = v.split('..');
    lo = parse(a.trim(), false);
    hi = parse(b.trim(), true);
  } else if (m) {
    const [, op, d] = m;
    if (op === '>=') lo = parse(d, false);
    if (op === '>') lo = parse(d, true) + 1;
    if (op === '<=') hi = parse(d, true);
    if (op === '<') hi = parse(d, false) - 1;
  } else {
    lo = parse(v, false);
    hi = parse(v, true);
  }
  return iso => {
    const t = Date.parse(iso);
    return t >= lo && t <= hi;
  };
}

/**
 * Actions workflows, dispatch and runs here; jobs, logs and environment approvals under
 * `actions/`; environments, secrets/variables, deployments and repositories from templates
 * in their own routers, all mounted by this one.
 */
export function actionsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const { runById, attemptOf, mustBeDone } = actionsLookups(svc, ci);

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
      const branch = String(ref).replace(/^refs\/(heads|tags)\//, '');
      const sha = await svc.ctx.git.resolve(rec.owner, rec.name, String(ref));
      if (!sha) throw new GhError(422, `No ref found for: ${ref}`);
      const wf = await ci.workflowFile(rec.owner, rec.name, sha, w);
      const declared = wf ? dispatchInputs(wf) : undefined;
      if (!declared)
        throw new GhError(
          422,
          "Workflow does not have 'workflow_dispatch' trigger",
        );
      if (w.state !== 'active')
        throw new GhError(
          422,
          "Cannot trigger a 'workflow_dispatch' on a disabled workflow",
        );
      const given: Record<string, unknown> =
        req.body?.inputs && typeof req.body.inputs === 'object'
          ? req.body.inputs
          : {};
      const unknown = Object.keys(given).filter(
        k => !declared.some(d => d.name === k),
      );
      if (unknown.length)
        throw new GhError(
          422,
          `Unexpected inputs provided: ${JSON.stringify(unknown)}`,
        );
      const inputs: Record<string, unknown> = {};
      for (const d of declared) {
        const value = given[d.name] ?? d.default;
        if (value === undefined || value === '') {
          if (d.required)
            throw new GhError(422, `Required input '${d.name}' not provided`);
          continue;
        }
        if (
          d.type === 'choice' &&
          d.options &&
          !d.options.includes(String(value))
        )
          throw new GhError(
            422,
            `Provided value '${value}' for input '${d.name}' not in the list of allowed values`,
          );
        if (d.type === 'boolean' && !['true', 'false'].includes(String(value)))
          throw new GhError(
            422,
            `Provided value '${value}' for input '${d.name}' is not a valid boolean`,
          );
        if (d.type === 'number' && Number.isNaN(Number(value)))
          throw new GhError(
            422,
            `Provided value '${value}' for input '${d.name}' is not a valid number`,
          );
        inputs[d.name] = value;
      }
      const details = req.body?.return_run_details === true;
      // GitHub creates the run asynchronously; with return_run_details its id is known at once
      const run = await ci.createWorkflowRun(
        rec,
        w,
        { branch, sha, event: 'workflow_dispatch', actor: v.login, inputs },
        DISPATCH_DELAY,
      );
      if (!details) {
        res.status(204).end();
        return;
      }
      const u = svc.urls();
      res.status(200).json({
        workflow_run_id: run.id,
        run_url: `${u.api}/repos/${rec.owner}/${rec.name}/actions/runs/${run.id}`,
        html_url: `${u.base}/${rec.owner}/${rec.name}/actions/runs/${run.id}`,
      });
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
    const created = str(req.query.created);
    if (created) {
      const ok = createdFilter(created);
      out = out.filter(x => ok(x.created_at));
    }
    const suite = str(req.query.check_suite_id);
    if (suite) out = out.filter(x => String(x.check_suite_id) === suite);
    return [...out].sort((a, b) => b.id - a.id);
  };

  const runsJson = (
    req: express.Request,
    res: express.Response,
    list: RunRecord[],
  ) => {
    const runs = paginate(req, res, list).map(x => ci.serializeRun(x));
    if (req.query.exclude_pull_requests === 'true')
      for (const x of runs) x.pull_requests = [];
    res.json({ total_count: list.length, workflow_runs: runs });
  };

  r.get(
    '/repos/:owner/:repo/actions/workflows/:id/runs',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const w = await workflow(rec, req.params.id);
      runsJson(
        req,
        res,
        filterRuns(
          req,
          svc.data.workflowRuns.filter(x => x.workflow_id === w.id),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      runsJson(
        req,
        res,
        filterRuns(
          req,
          svc.data.workflowRuns.filter(
            x => x.owner === rec.owner && x.repo === rec.name,
          ),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(ci.serializeRun(runById(rec, req.params.id)));
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/attempts/:n(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const attempt = attemptOf(run, req.params.n);
      const body = ci.serializeRun(run);
      if (attempt < run.run_attempt) {
        const jobs = ci.store
          .jobsOf(run.id)
          .filter(j => j.run_attempt === attempt);
        const cs = jobs.map(j => j.conclusion);
        body.run_attempt = attempt;
        body.status = 'completed';
        body.conclusion =
          ['failure', 'cancelled'].find(c => cs.includes(c)) ?? 'success';
      }
      res.json(body);
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/:how(cancel|force-cancel)',
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
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/rerun',
    h(async (req, res) => {
      const rec = writableRepo(svc, req);
      const run = runById(rec, req.params.id);
      mustBeDone(run);
      await ci.rerun(run, 'all');
      res.status(201).json({});
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/rerun-failed-jobs',
    h(async (req, res) => {
      const rec = writableRepo(svc, req);
      const run = runById(rec, req.params.id);
      mustBeDone(run);
      if (
        ci
          .jobs(run)
          .every(j => ['success', 'skipped'].includes(j.conclusion ?? ''))
      )
        throw new GhError(403, 'There are no failed jobs to re-run');
      await ci.rerun(run, 'failed');
      res.status(201).json({});
    }),
  );

  r.use(actionsJobsRouter(svc, ci));
  r.use(actionsLogsRouter(svc, ci));
  r.use(actionsApprovalsRouter(svc, ci));
  r.use(environmentsRouter(svc, ci));
  r.use(secretsRouter(svc));
  r.use(deploymentsRouter(svc, ci));
  r.use(templatesRouter(svc));
  return r;
}
