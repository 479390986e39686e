import express from 'express';
import type { GithubService } from '../../service';
import type { CiSimulator } from '../../ci';
import * as S from '../../serialize';
import { GhError, h, missingField, validation } from '../../errors';
import { needViewer, readableRepo } from '../common';
import type { RunRecord } from '../../state';
import { actionsLookups } from './lookups';

/** Environment approvals of workflow runs: pending deployments, approve or reject. */
export function actionsApprovalsRouter(
  svc: GithubService,
  ci: CiSimulator,
): express.Router {
  const r = express.Router();
  const { runById } = actionsLookups(svc, ci);

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

  return r;
}
