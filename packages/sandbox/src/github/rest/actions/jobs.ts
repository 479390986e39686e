import express from 'express';
import type { GithubService } from '../../service';
import type { CiSimulator } from '../../ci';
import { h } from '../../errors';
import { paginate, readableRepo, writableRepo } from '../common';
import type { JobRecord } from '../../actions-store';
import { actionsLookups } from './lookups';

/** Jobs of workflow runs: list (latest or all, per attempt), get, re-run one job. */
export function actionsJobsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const { runById, attemptOf, mustBeDone, jobById } = actionsLookups(svc, ci);

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

  return r;
}
