import express from 'express';
import type { GithubService } from '../service';
import { DISPATCH_DELAY, type CiSimulator } from '../ci';
import * as S from '../serialize';
import { GhError, h, notFound, missingField, validation } from '../errors';
import {
  findInRepo,
  needViewer,
  paginate,
  readableRepo,
  str,
  writableRepo,
} from './common';
import type { RepoRecord, RunRecord } from '../state';
import type { JobRecord } from '../actions-store';
import { dispatchInputs } from '../workflow-file';
import {
  LOG_URL_TTL_MS,
  checkLogSignature,
  jobLog,
  runLogsZip,
  signLogPath,
} from '../logs';
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
 * Actions workflows, runs, jobs and logs; environments, secrets/variables, deployments and
 * repositories from templates.
 */
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

  const runById = (rec: RepoRecord, id: string) =>
    findInRepo(svc.data.workflowRuns, rec, x => String(x.id) === id);

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(ci.serializeRun(runById(rec, req.params.id)));
    }),
  );

  const attemptOf = (run: RunRecord, n: string) => {
    const attempt = Number(n);
    if (!Number.isInteger(attempt) || attempt < 1 || attempt > run.run_attempt)
      throw notFound();
    return attempt;
  };

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

  const mustBeDone = (run: RunRecord) => {
    if (run.status !== 'completed')
      throw new GhError(403, 'This workflow is already running');
  };

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

  // ------------------------------------------------------------------ jobs

  const jobJson = (j: JobRecord) => ci.serializeJob(j);

  const jobsJson = (
    req: express.Request,
    res: express.Response,
    list: JobRecord[],
  ) => {
    res.json({
      total_count: list.length,
      jobs: paginate(req, res, list).map(jobJson),
    });
  };

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/jobs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const filter = req.query.filter === 'all' ? 'all' : 'latest';
      jobsJson(req, res, ci.jobs(run, filter));
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/attempts/:n(\\d+)/jobs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const attempt = attemptOf(run, req.params.n);
      jobsJson(
        req,
        res,
        ci.store.jobsOf(run.id).filter(j => j.run_attempt === attempt),
      );
    }),
  );

  const jobById = (rec: RepoRecord, id: string) =>
    findInRepo(ci.store.data.jobs, rec, j => String(j.id) === id);

  r.get(
    '/repos/:owner/:repo/actions/jobs/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(jobJson(jobById(rec, req.params.id)));
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/jobs/:id(\\d+)/rerun',
    h(async (req, res) => {
      const rec = writableRepo(svc, req);
      const job = jobById(rec, req.params.id);
      const run = runById(rec, String(job.run_id));
      mustBeDone(run);
      await ci.rerun(run, { job: job.key });
      res.status(201).json({});
    }),
  );

  // ------------------------------------------------------------------ logs
  // GitHub answers 302 to a short-lived signed URL on another host; here the URL is on this
  // server (`/api/v3/_sandbox-logs/…`), signed with HMAC, valid for LOG_URL_TTL_MS.

  const redirectToLog = (res: express.Response, path: string) => {
    const expires = Date.now() + LOG_URL_TTL_MS;
    const sig = signLogPath(ci.store.data.signingKey, path, expires);
    res.redirect(
      302,
      `${svc.urls().api}/_sandbox-logs/${path}?expires=${expires}&sig=${sig}`,
    );
  };

  const runLogs = (run: RunRecord, attempt: number) => {
    const jobs =
      attempt === run.run_attempt
        ? ci.jobs(run)
        : ci.store.jobsOf(run.id).filter(j => j.run_attempt === attempt);
    // logs exist once the attempt is over
    if (attempt === run.run_attempt && run.status !== 'completed')
      throw notFound();
    return jobs;
  };

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/logs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      runLogs(run, run.run_attempt);
      redirectToLog(res, `runs/${run.id}/${run.run_attempt}`);
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/attempts/:n(\\d+)/logs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const attempt = attemptOf(run, req.params.n);
      runLogs(run, attempt);
      redirectToLog(res, `runs/${run.id}/${attempt}`);
    }),
  );

  r.get(
    '/repos/:owner/:repo/actions/jobs/:id(\\d+)/logs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const job = jobById(rec, req.params.id);
      if (job.status !== 'completed') throw notFound();
      redirectToLog(res, `jobs/${job.id}`);
    }),
  );

  r.get(
    '/_sandbox-logs/:kind(runs|jobs)/:id(\\d+)/:attempt(\\d+)?',
    h((req, res) => {
      const path = req.path.replace(/^\/_sandbox-logs\//, '');
      const ok = checkLogSignature(
        ci.store.data.signingKey,
        path,
        Number(req.query.expires),
        String(req.query.sig ?? ''),
      );
      if (!ok) {
        res
          .status(403)
          .type('application/xml')
          .send(
            '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signature not valid or expired.</Message></Error>',
          );
        return;
      }
      const id = Number(req.params.id);
      if (req.params.kind === 'jobs') {
        const job = ci.store.data.jobs.find(j => j.id === id);
        if (!job) throw notFound();
        res.type('text/plain; charset=utf-8').send(jobLog(job));
        return;
      }
      const run = svc.data.workflowRuns.find(x => x.id === id);
      if (!run) throw notFound();
      const attempt = Number(req.params.attempt ?? run.run_attempt);
      const jobs =
        attempt === run.run_attempt
          ? ci.jobs(run)
          : ci.store.jobsOf(run.id).filter(j => j.run_attempt === attempt);
      res
        .type('application/zip')
        .set('content-disposition', `attachment; filename=logs_${run.id}.zip`)
        .send(Buffer.from(runLogsZip(jobs)));
    }),
  );

  // ------------------------------------------------------------------ environment approvals

  const pending = (run: RunRecord, viewer?: string) => {
    const waiting = ci.jobs(run).filter(j => j.status === 'waiting');
    const names = [...new Set(waiting.map(j => j.environment!))];
    const u = svc.urls();
    return names.map(name => {
      const e = ci.deployments.ensureEnvironment(run.owner, run.repo, name);
      const reviewers = ci.reviewersOf(run, name);
      return {
        environment: {
          id: e.id,
          node_id: Buffer.from(`0:Environment${e.id}`)
            .toString('base64')
            .replace(/=+$/, ''),
          name: e.name,
          url: `${u.api}/repos/${run.owner}/${
            run.repo
          }/environments/${encodeURIComponent(e.name)}`,
          html_url: `${u.base}/${run.owner}/${
            run.repo
          }/deployments/activity_log?environments_filter=${encodeURIComponent(
            e.name,
          )}`,
        },
        wait_timer: e.wait_timer,
        wait_timer_started_at: run.updated_at,
        current_user_can_approve: reviewers.some(
          x => x.type === 'User' && svc.account(viewer)?.id === x.id,
        ),
        reviewers: reviewers.map(x => ({
          type: x.type as 'User',
          reviewer: S.simpleUser(
            u,
            Object.values(svc.data.accounts).find(a => a.id === x.id)!,
          ),
        })),
      };
    });
  };

  r.get(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/pending_deployments',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      res.json(pending(run, req.ghViewer?.login));
    }),
  );

  r.post(
    '/repos/:owner/:repo/actions/runs/:id(\\d+)/pending_deployments',
    h((req, res) => {
      const v = needViewer(req);
      const rec = readableRepo(svc, req);
      const run = runById(rec, req.params.id);
      const b = req.body ?? {};
      if (!Array.isArray(b.environment_ids))
        throw missingField('PendingDeployment', 'environment_ids');
      if (!['approved', 'rejected'].includes(b.state))
        throw validation([
          { resource: 'PendingDeployment', field: 'state', code: 'invalid' },
        ]);
      if (typeof b.comment !== 'string')
        throw missingField('PendingDeployment', 'comment');
      const waiting = pending(run, v.login);
      const picked = waiting.filter(p =>
        b.environment_ids.map(Number).includes(p.environment.id),
      );
      if (!picked.length || picked.length !== b.environment_ids.length)
        throw new GhError(
          422,
          'No pending deployment requests to approve or reject',
        );
      for (const p of picked) {
        if (!p.current_user_can_approve)
          throw new GhError(
            422,
            `${v.login} is not a required reviewer of environment ${p.environment.name}`,
          );
      }
      const names = picked.map(p => p.environment.name!);
      ci.review(run, names, b.state, v.login, b.comment);
      const deployments = ci.deployments
        .all()
        .filter(d => d.run_id === run.id && names.includes(d.environment));
      res.json(deployments.map(d => ci.deployments.serialize(d)));
    }),
  );

  r.use(environmentsRouter(svc, ci));
  r.use(secretsRouter(svc));
  r.use(deploymentsRouter(svc, ci));
  r.use(templatesRouter(svc));
  return r;
}
