import express from 'express';
import { firstOf } from '../util';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, missingField, validation } from '../errors';
import { findInRepo, needViewer, paginate, readableRepo, str } from './common';
import type { RepoRecord } from '../state';

const RUN_STATUSES = [
  'queued',
  'in_progress',
  'completed',
  'waiting',
  'requested',
  'pending',
];
const CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
];

/** Check runs, check suites, commit statuses and the combined status. */
export function checksRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const resolve = async (rec: RepoRecord, ref: string) => {
    const sha = await svc.ctx.git.resolve(rec.owner, rec.name, ref);
    if (!sha) throw new GhError(422, `No commit found for SHA: ${ref}`);
    return sha;
  };
  /** Check-run writes: the app's token or any account with push access. */
  const appName = (req: express.Request) =>
    req.ghViewer?.login === 'luffy-bot' || !req.ghViewer
      ? S.SANDBOX_APP.slug
      : `${req.ghViewer.login}-checks`;

  r.post(
    '/repos/:owner/:repo/check-runs',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!b.name) throw missingField('CheckRun', 'name');
      if (!b.head_sha) throw missingField('CheckRun', 'head_sha');
      if (b.status && !RUN_STATUSES.includes(b.status))
        throw validation([
          { resource: 'CheckRun', field: 'status', code: 'invalid' },
        ]);
      if (b.conclusion && !CONCLUSIONS.includes(b.conclusion))
        throw validation([
          { resource: 'CheckRun', field: 'conclusion', code: 'invalid' },
        ]);
      if (b.status === 'completed' && !b.conclusion)
        throw new GhError(
          422,
          'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.',
        );
      if (
        (await svc.git.objectType(rec.owner, rec.name, b.head_sha)) !== 'commit'
      )
        throw new GhError(422, `No commit found for SHA: ${b.head_sha}`);
      const branch =
        (await svc.ctx.git.refs(rec.owner, rec.name, 'refs/heads/'))
          .find(x => x.sha === b.head_sha)
          ?.ref.replace('refs/heads/', '') ?? null;
      const run = svc.createRun(
        rec.owner,
        rec.name,
        { ...b, output: b.output },
        appName(req),
        branch,
      );
      res.status(201).json(svc.serializeRun(run));
    }),
  );

  const runById = (rec: RepoRecord, id: number) =>
    findInRepo(svc.data.runs, rec, x => x.id === id);

  r.get(
    '/repos/:owner/:repo/check-runs/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(svc.serializeRun(runById(rec, Number(req.params.id))));
    }),
  );

  r.patch(
    '/repos/:owner/:repo/check-runs/:id(\\d+)',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const run = runById(rec, Number(req.params.id));
      const b = req.body ?? {};
      if (b.status && !RUN_STATUSES.includes(b.status))
        throw validation([
          { resource: 'CheckRun', field: 'status', code: 'invalid' },
        ]);
      if (b.conclusion && !CONCLUSIONS.includes(b.conclusion))
        throw validation([
          { resource: 'CheckRun', field: 'conclusion', code: 'invalid' },
        ]);
      svc.updateRun(run, b);
      res.json(svc.serializeRun(run));
    }),
  );

  r.get(
    '/repos/:owner/:repo/check-runs/:id(\\d+)/annotations',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      runById(rec, Number(req.params.id));
      res.json([]);
    }),
  );

  r.post(
    '/repos/:owner/:repo/check-runs/:id(\\d+)/rerequest',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const run = runById(rec, Number(req.params.id));
      svc.events.emit('rerequest', rec, run.head_sha);
      res.status(201).json({});
    }),
  );

  const filterRuns = (
    req: express.Request,
    runs: ReturnType<typeof svc.latestRuns>,
  ) => {
    let list = runs;
    const name = str(req.query.check_name);
    if (name) list = list.filter(x => x.name === name);
    const status = str(req.query.status);
    if (status) list = list.filter(x => x.status === status);
    const app = str(req.query.app_id);
    if (app)
      list = list.filter(
        x =>
          String(x.app === S.SANDBOX_APP.slug ? S.SANDBOX_APP.id : 15368) ===
          app,
      );
    return list;
  };

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)/check-runs',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const sha = await resolve(rec, req.params.ref);
      const all = str(req.query.filter) === 'all';
      const runs = filterRuns(
        req,
        all
          ? svc.data.runs.filter(
              x =>
                x.owner === rec.owner &&
                x.repo === rec.name &&
                x.head_sha === sha,
            )
          : svc.latestRuns(rec.owner, rec.name, sha),
      );
      const sorted = [...runs].sort((a, b) => b.id - a.id);
      res.json({
        total_count: sorted.length,
        check_runs: paginate(req, res, sorted).map(x => svc.serializeRun(x)),
      });
    }),
  );

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)/check-suites',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const sha = await resolve(rec, req.params.ref);
      const suites = svc.data.suites.filter(
        x => x.owner === rec.owner && x.repo === rec.name && x.head_sha === sha,
      );
      res.json({
        total_count: suites.length,
        check_suites: paginate(req, res, suites).map(x =>
          svc.serializeSuite(x),
        ),
      });
    }),
  );

  const suiteById = (rec: RepoRecord, id: number) =>
    findInRepo(svc.data.suites, rec, x => x.id === id);

  r.get(
    '/repos/:owner/:repo/check-suites/:id(\\d+)',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(svc.serializeSuite(suiteById(rec, Number(req.params.id))));
    }),
  );

  r.get(
    '/repos/:owner/:repo/check-suites/:id(\\d+)/check-runs',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const s = suiteById(rec, Number(req.params.id));
      const runs = filterRuns(
        req,
        svc.data.runs.filter(x => x.suite_id === s.id),
      );
      res.json({
        total_count: runs.length,
        check_runs: paginate(req, res, runs).map(x => svc.serializeRun(x)),
      });
    }),
  );

  r.post(
    '/repos/:owner/:repo/check-suites',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      if (!req.body?.head_sha) throw missingField('CheckSuite', 'head_sha');
      const s = svc.suiteFor(
        rec.owner,
        rec.name,
        req.body.head_sha,
        appName(req),
        null,
      );
      res.status(201).json(svc.serializeSuite(s));
    }),
  );

  r.post(
    '/repos/:owner/:repo/check-suites/:id(\\d+)/rerequest',
    h((req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const s = suiteById(rec, Number(req.params.id));
      svc.events.emit('rerequest', rec, s.head_sha);
      res.status(201).json({});
    }),
  );

  // ------------------------------------------------------------------ statuses
  r.post(
    '/repos/:owner/:repo/statuses/:sha',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!['error', 'failure', 'pending', 'success'].includes(b.state))
        throw validation([
          {
            resource: 'Status',
            field: 'state',
            code: 'custom',
            message: 'state is not included in the list',
          } as any,
        ]);
      const sha = await resolve(rec, req.params.sha);
      const s = svc.addStatus(rec.owner, rec.name, sha, v.login, b);
      res.status(201).json(S.status(svc.urls(), s, v));
    }),
  );

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)/statuses',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const sha = await resolve(rec, req.params.ref);
      const list = svc.data.statuses
        .filter(
          s => s.owner === rec.owner && s.repo === rec.name && s.sha === sha,
        )
        .sort((a, b) => b.id - a.id);
      res.json(
        paginate(req, res, list).map(s =>
          S.status(svc.urls(), s, svc.ensureAccount(s.creator, 'User')),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/commits/:ref(.+)/status',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const sha = await resolve(rec, req.params.ref);
      const statuses = svc.latestStatuses(rec.owner, rec.name, sha);
      const state = firstOf(
        [
          [statuses.length === 0, 'pending'],
          [
            statuses.some(s => s.state === 'error' || s.state === 'failure'),
            'failure',
          ],
          [statuses.some(s => s.state === 'pending'), 'pending'],
        ],
        'success',
      );
      const u = svc.urls();
      const repoJson = svc.serializeRepo(rec);
      res.json({
        state,
        statuses: statuses.map(s => {
          const { creator: _c, ...rest } = S.status(
            u,
            s,
            svc.ensureAccount(s.creator, 'User'),
          );
          return {
            ...rest,
            required: false,
          } as S.Schemas['simple-commit-status'];
        }),
        sha,
        total_count: statuses.length,
        repository: repoJson as any,
        commit_url: `${u.api}/repos/${rec.owner}/${rec.name}/commits/${sha}`,
        url: `${u.api}/repos/${rec.owner}/${rec.name}/commits/${sha}/status`,
      } satisfies S.Schemas['combined-commit-status']);
    }),
  );

  return r;
}
