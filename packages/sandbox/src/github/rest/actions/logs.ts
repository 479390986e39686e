import express from 'express';
import type { GithubService } from '../../service';
import type { CiSimulator } from '../../ci';
import { h, notFound } from '../../errors';
import { readableRepo } from '../common';
import type { RunRecord } from '../../state';
import {
  LOG_URL_TTL_MS,
  checkLogSignature,
  jobLog,
  runLogsZip,
  signLogPath,
} from '../../logs';
import { actionsLookups } from './lookups';

/** Run, attempt and job logs: 302 to a signed, short-lived URL on this server, which serves the zip or text. */
export function actionsLogsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const { runById, attemptOf, jobById, jobsOfAttempt } = actionsLookups(
    svc,
    ci,
  );

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
    const jobs = jobsOfAttempt(run, attempt);
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
      const jobs = jobsOfAttempt(run, attempt);
      res
        .type('application/zip')
        .set('content-disposition', `attachment; filename=logs_${run.id}.zip`)
        .send(Buffer.from(runLogsZip(jobs)));
    }),
  );

  return r;
}
