import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import { needViewer, paginate, readableRepo, str } from './common';
import type { PullRecord, RepoRecord } from '../state';
import { getIssuesStore } from '../issues-store';
import { reviewsRouter } from './reviews';

export function pullSimpleJson(
  svc: GithubService,
  p: PullRecord,
): S.Schemas['pull-request-simple'] {
  const rec = svc.repo(p.owner, p.repo)!;
  // head.repo / base.repo are `repository` objects (no `organization`, no `permissions`)
  const { organization: _o, permissions: _p, ...repo } = svc.serializeRepo(rec);
  const json = S.pullSimple(
    svc.urls(),
    p,
    repo as S.Schemas['full-repository'],
    svc.account(p.owner)!,
    svc.ensureAccount(p.user, 'User'),
  );
  const store = getIssuesStore(svc);
  const assignees = store
    .assigneesOfPull(p.owner, p.repo, p.number)
    .map(l => svc.simpleUser(l));
  return {
    ...json,
    labels: p.labels.map(n => {
      const l = store.ensureLabel(p.owner, p.repo, n);
      return {
        ...json.labels.find(x => x.name === n)!,
        id: l.id,
        color: l.color,
        description: l.description ?? '',
      };
    }),
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: store
      .requestedReviewers(p.owner, p.repo, p.number)
      .map(l => svc.simpleUser(l)),
  };
}

export async function pullFullJson(
  svc: GithubService,
  rec: RepoRecord,
  p: PullRecord,
): Promise<S.Schemas['pull-request']> {
  await svc.refreshPull(p);
  const simple = pullSimpleJson(svc, p);
  const mb = await svc.pullMergeBase(p);
  const files = await svc.git.diff(p.owner, p.repo, mb, p.head_sha);
  const commits = (await svc.git.log(p.owner, p.repo, [`${mb}..${p.head_sha}`]))
    .length;
  const mergeable = p.state === 'open' ? await svc.mergeable(p) : null;
  return {
    ...(simple as any),
    merged: !!p.merged_at,
    mergeable,
    rebaseable: mergeable,
    mergeable_state:
      p.state === 'open' ? await svc.mergeableState(p, rec) : 'unknown',
    merged_by: p.merged_by ? svc.simpleUser(p.merged_by) : null,
    comments: svc.data.comments.filter(
      c => c.owner === p.owner && c.repo === p.repo && c.number === p.number,
    ).length,
    review_comments: 0,
    maintainer_can_modify: p.maintainer_can_modify,
    commits,
    additions: files.reduce((a, f) => a + f.additions, 0),
    deletions: files.reduce((a, f) => a + f.deletions, 0),
    changed_files: files.length,
  };
}

/** A PR in its issue form (GET /repos/:o/:r/issues/:n, search results). */
export function issueJson(svc: GithubService, p: PullRecord) {
  const simple = pullSimpleJson(svc, p);
  const u = svc.urls();
  const full = `${p.owner}/${p.repo}`;
  return {
    url: simple.issue_url,
    repository_url: `${u.api}/repos/${full}`,
    labels_url: `${simple.issue_url}/labels{/name}`,
    comments_url: `${simple.issue_url}/comments`,
    events_url: `${simple.issue_url}/events`,
    html_url: simple.html_url,
    id: p.id,
    node_id: simple.node_id,
    number: p.number,
    title: p.title,
    user: simple.user,
    labels: simple.labels,
    state: p.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: svc.data.comments.filter(
      c => c.owner === p.owner && c.repo === p.repo && c.number === p.number,
    ).length,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.closed_at,
    author_association: simple.author_association,
    active_lock_reason: null,
    draft: p.draft,
    pull_request: {
      url: simple.url,
      html_url: simple.html_url,
      diff_url: simple.diff_url,
      patch_url: simple.patch_url,
      merged_at: p.merged_at,
    },
    body: p.body,
    state_reason: p.state === 'closed' ? ('completed' as const) : null,
  };
}

/** Pull requests, reviews, PR (issue) comments and labels. */
export function pullsRouter(svc: GithubService): express.Router {
  const r = express.Router();

  r.get(
    '/repos/:owner/:repo/pulls',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const state = str(req.query.state) ?? 'open';
      let list = svc.pulls(rec.owner, rec.name);
      if (state !== 'all') list = list.filter(p => p.state === state);
      const head = str(req.query.head);
      if (head) {
        const [o, b] = head.includes(':') ? head.split(':') : [rec.owner, head];
        list = list.filter(
          p => p.owner.toLowerCase() === o.toLowerCase() && p.head === b,
        );
      }
      const base = str(req.query.base);
      if (base) list = list.filter(p => p.base === base);
      const sort = str(req.query.sort) ?? 'created';
      const dir =
        str(req.query.direction) ?? (sort === 'created' ? 'desc' : 'desc');
      const key = (p: PullRecord) =>
        (sort === 'updated' ? p.updated_at : p.created_at) +
        String(p.number).padStart(8, '0');
      list = [...list].sort((a, b) =>
        dir === 'asc'
          ? key(a).localeCompare(key(b))
          : key(b).localeCompare(key(a)),
      );
      res.json(paginate(req, res, list).map(p => pullSimpleJson(svc, p)));
    }),
  );

  r.post(
    '/repos/:owner/:repo/pulls',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!b.head) throw missingField('PullRequest', 'head');
      if (!b.base) throw missingField('PullRequest', 'base');
      if (!b.title && !b.issue) throw missingField('PullRequest', 'title');
      const p = await svc.createPull(rec, v, {
        title: b.title,
        body: b.body,
        head: b.head,
        base: b.base,
        draft: b.draft,
      });
      const json = await pullFullJson(svc, rec, p);
      res.status(201).location(json.url).json(json);
    }),
  );

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('.diff') || accept.includes('.patch')) {
        await svc.refreshPull(p);
        const mb = await svc.pullMergeBase(p);
        const out = await svc.git.run(p.owner, p.repo, [
          'diff',
          '--full-index',
          mb,
          p.head_sha,
        ]);
        res
          .type(
            accept.includes('.diff')
              ? 'application/vnd.github.diff'
              : 'application/vnd.github.patch',
          )
          .send(out.stdout);
        return;
      }
      res.json(await pullFullJson(svc, rec, p));
    }),
  );

  r.patch(
    '/repos/:owner/:repo/pulls/:number(\\d+)',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.readable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      if (p.user !== v.login && !svc.permissions(rec, v).push)
        throw new GhError(
          403,
          'Resource not accessible by personal access token',
        );
      const b = req.body ?? {};
      if (b.title !== undefined) p.title = b.title;
      if (b.body !== undefined) p.body = b.body;
      if (b.base !== undefined) {
        if (
          !(await svc.ctx.git.resolve(
            rec.owner,
            rec.name,
            `refs/heads/${b.base}`,
          ))
        ) {
          throw new GhError(422, 'Validation Failed', {
            errors: [
              { resource: 'PullRequest', field: 'base', code: 'invalid' },
            ],
          });
        }
        p.base = b.base;
      }
      if (b.state === 'closed' && p.state === 'open') {
        p.state = 'closed';
        p.closed_at = svc.now();
        svc.events.emit('pull', p, 'closed', v);
      } else if (b.state === 'open' && p.state === 'closed' && !p.merged_at) {
        p.state = 'open';
        p.closed_at = null;
        svc.events.emit('pull', p, 'reopened', v);
      } else if (
        b.title !== undefined ||
        b.body !== undefined ||
        b.base !== undefined
      ) {
        svc.events.emit('pull', p, 'edited', v);
      }
      p.updated_at = svc.now();
      res.json(await pullFullJson(svc, rec, p));
    }),
  );

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/files',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      await svc.refreshPull(p);
      const mb = await svc.pullMergeBase(p);
      const files = await svc.git.diff(p.owner, p.repo, mb, p.head_sha);
      res.json(
        paginate(req, res, files).map(f =>
          S.diffEntry(svc.urls(), `${rec.owner}/${rec.name}`, p.head_sha, f),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/commits',
    h(async (req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      await svc.refreshPull(p);
      const mb = await svc.pullMergeBase(p);
      const commits = await svc.git.log(
        p.owner,
        p.repo,
        [`${mb}..${p.head_sha}`],
        { reverse: true },
      );
      res.json(
        paginate(req, res, commits).map(c =>
          S.commit(svc.urls(), `${rec.owner}/${rec.name}`, c, (e, n) =>
            svc.accountForEmail(e, n),
          ),
        ),
      );
    }),
  );

  r.get(
    '/repos/:owner/:repo/pulls/:number(\\d+)/merge',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const p = svc.pull(rec, Number(req.params.number));
      if (!p.merged_at) throw notFound();
      res.status(204).end();
    }),
  );

  r.put(
    '/repos/:owner/:repo/pulls/:number(\\d+)/merge',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      const out = await svc.mergePull(rec, p, v, req.body ?? {});
      res.json({
        sha: out.sha,
        merged: true,
        message: out.message,
      } satisfies S.Schemas['pull-request-merge-result']);
    }),
  );

  r.put(
    '/repos/:owner/:repo/pulls/:number(\\d+)/update-branch',
    h(async (req, res) => {
      const v = needViewer(req);
      const rec = svc.writable(req.params.owner, req.params.repo, v);
      const p = svc.pull(rec, Number(req.params.number));
      await svc.refreshPull(p);
      if (
        req.body?.expected_head_sha &&
        req.body.expected_head_sha !== p.head_sha
      ) {
        throw new GhError(
          422,
          'expected head sha didn\u2019t match current head ref.',
        );
      }
      const m = await svc.git.mergeTree(
        p.owner,
        p.repo,
        p.head_sha,
        p.base_sha,
      );
      if (!m.tree)
        throw new GhError(422, 'merge conflict between base and head');
      const sha = await svc.git.commitTree(
        p.owner,
        p.repo,
        m.tree,
        [p.head_sha, p.base_sha],
        `Merge branch '${p.base}' into ${p.head}`,
        svc.gitAuthor(v),
      );
      await svc.ctx.git.updateRef(
        p.owner,
        p.repo,
        `refs/heads/${p.head}`,
        sha,
        p.head_sha,
        v.login,
      );
      res.status(202).json({
        message: 'Updating pull request branch.',
        url: `${svc.urls().base}/${rec.owner}/${rec.name}/pull/${p.number}`,
      });
    }),
  );

  // reviews and their dismissals: reviews.ts
  r.use(reviewsRouter(svc));

  return r;
}
