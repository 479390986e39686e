import express from 'express';
// graphql 15 is installed in the workspace (a transitive dependency); see README.
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import type { GithubService } from './service';
import type { Account, PullRecord, RepoRecord, ReviewRecord } from './state';
import { tokenFrom } from './rest/common';
import { GhError } from './errors';
import { getIssuesStore, itemKey } from './issues-store';
import { searchPulls } from './rest/pulls';
import { SDL } from './graphql-schema';

export { SDL } from './graphql-schema';

/** An error GitHub's GraphQL reports with a `type` (NOT_FOUND, FORBIDDEN, UNPROCESSABLE…). */
class GqlError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const gid = (kind: string, id: number | string) =>
  Buffer.from(`${kind}:${id}`).toString('base64');
const cursor = (i: number) => Buffer.from(`cursor:v2:${i}`).toString('base64');
const fromCursor = (c?: string) =>
  c ? Number(Buffer.from(c, 'base64').toString().split(':').pop()) : -1;

function slice<T>(
  items: T[],
  a: { first?: number; last?: number; after?: string; before?: string },
) {
  let start = 0;
  let end = items.length;
  if (a.after) start = fromCursor(a.after) + 1;
  if (a.before) end = Math.min(end, fromCursor(a.before));
  if (a.first !== undefined) end = Math.min(end, start + a.first);
  if (a.last !== undefined) start = Math.max(start, end - a.last);
  return { start, end, page: items.slice(start, end) };
}

/** GraphQL at POST /api/graphql: repository pull requests with checks, reviews and mergeability. */
export function graphqlRouter(svc: GithubService): express.Router {
  const schema: GraphQLSchema = buildSchema(SDL);
  const r = express.Router();

  const actor = (a: Account | undefined) => {
    if (!a) return null;
    const u = svc.urls();
    return {
      __typename:
        a.type === 'Organization' || a.type === 'Bot' ? a.type : 'User',
      id: gid(a.type, a.id),
      databaseId: a.id,
      login: a.login,
      name: a.name,
      email: a.email ?? '',
      avatarUrl: () => `${u.base}/avatars/${a.login}`,
      url: `${u.base}/${a.login}`,
      resourcePath: `/${a.login}`,
    };
  };

  const rollup = (owner: string, repo: string, sha: string, p?: PullRecord) => {
    const roll = svc.rollup(owner, repo, sha);
    if (!roll.state) return null;
    const prot = p ? svc.protection(owner, repo, p.base) : undefined;
    const required: string[] = prot?.required_status_checks?.contexts ?? [];
    const u = svc.urls();
    const contexts = [
      ...roll.runs.map(x => ({
        __typename: 'CheckRun',
        id: gid('CheckRun', x.id),
        databaseId: x.id,
        name: x.name,
        status: x.status.toUpperCase(),
        conclusion: x.conclusion ? x.conclusion.toUpperCase() : null,
        startedAt: x.started_at,
        completedAt: x.completed_at,
        detailsUrl: x.details_url,
        url: `${u.base}/${owner}/${repo}/runs/${x.id}`,
        title: x.output.title,
        summary: x.output.summary,
        isRequired: () => required.includes(x.name),
      })),
      ...roll.statuses.map(s => ({
        __typename: 'StatusContext',
        id: gid('StatusContext', s.id),
        context: s.context,
        state: s.state.toUpperCase(),
        description: s.description,
        targetUrl: s.target_url,
        createdAt: s.created_at,
        avatarUrl: `${u.base}/avatars/${s.creator}`,
        isRequired: () => required.includes(s.context),
      })),
    ];
    return {
      id: gid('StatusCheckRollup', sha),
      state: roll.state,
      contexts: (a: any) => {
        const { start, end, page } = slice(contexts, a);
        return {
          totalCount: contexts.length,
          checkRunCount: roll.runs.length,
          statusContextCount: roll.statuses.length,
          nodes: page,
          pageInfo: {
            hasNextPage: end < contexts.length,
            hasPreviousPage: start > 0,
            startCursor: page.length ? cursor(start) : null,
            endCursor: page.length ? cursor(end - 1) : null,
          },
        };
      },
    };
  };

  // eslint-disable-next-line prefer-const
  let repoNode: (rec: RepoRecord) => any;

  const reviewNode = (rec: RepoRecord, rv: ReviewRecord) => ({
    __typename: 'PullRequestReview',
    id: gid('PullRequestReview', rv.id),
    databaseId: rv.id,
    author: actor(svc.account(rv.user)),
    state: rv.state,
    body: rv.body,
    submittedAt: rv.submitted_at,
    url: `${svc.urls().base}/${rec.owner}/${rec.name}/pull/${
      rv.number
    }#pullrequestreview-${rv.id}`,
  });

  const reviewConn = (rec: RepoRecord, list: ReviewRecord[]) => (a: any) => {
    const filtered = a?.states
      ? list.filter(x => a.states.includes(x.state))
      : list;
    return {
      totalCount: filtered.length,
      nodes: slice(filtered, a ?? {}).page.map(x => reviewNode(rec, x)),
    };
  };

  const pullNode = (rec: RepoRecord, p: PullRecord) => {
    const u = svc.urls();
    let stats:
      | Promise<{
          additions: number;
          deletions: number;
          changed: number;
          commits: any[];
        }>
      | undefined;
    const getStats = () => {
      stats ??= (async () => {
        await svc.refreshPull(p);
        const mb =
          (await svc.git.mergeBase(p.owner, p.repo, p.base_sha, p.head_sha)) ??
          p.base_sha;
        const files = await svc.git.diff(p.owner, p.repo, mb, p.head_sha);
        const commits = await svc.git.log(
          p.owner,
          p.repo,
          [`${mb}..${p.head_sha}`],
          { reverse: true },
        );
        return {
          additions: files.reduce((x, f) => x + f.additions, 0),
          deletions: files.reduce((x, f) => x + f.deletions, 0),
          changed: files.length,
          commits,
        };
      })();
      return stats;
    };
    const url = `${u.base}/${rec.owner}/${rec.name}/pull/${p.number}`;
    const all = svc.data.reviews.filter(
      x =>
        x.owner === p.owner &&
        x.repo === p.repo &&
        x.number === p.number &&
        x.state !== 'PENDING',
    );
    const store = getIssuesStore(svc);
    return {
      __typename: 'PullRequest',
      id: gid('PullRequest', p.id),
      databaseId: p.id,
      reviewRequests: (a: any) => {
        const logins = store.requestedReviewers(p.owner, p.repo, p.number);
        return {
          totalCount: logins.length,
          nodes: slice(logins, a ?? {}).page.map(l => ({
            id: gid('ReviewRequest', `${p.id}:${l}`),
            requestedReviewer: actor(svc.account(l)),
          })),
        };
      },
      files: async (a: any) => {
        await getStats();
        const mb =
          (await svc.git.mergeBase(p.owner, p.repo, p.base_sha, p.head_sha)) ??
          p.base_sha;
        const files = await svc.git.diff(p.owner, p.repo, mb, p.head_sha);
        const { start, end, page } = slice(files, a ?? {});
        return {
          totalCount: files.length,
          nodes: page.map(f => ({
            path: f.filename,
            additions: f.additions,
            deletions: f.deletions,
            changeType:
              (
                {
                  added: 'ADDED',
                  removed: 'DELETED',
                  renamed: 'RENAMED',
                  copied: 'COPIED',
                  changed: 'CHANGED',
                } as Record<string, string>
              )[f.status] ?? 'MODIFIED',
          })),
          pageInfo: {
            hasNextPage: end < files.length,
            hasPreviousPage: start > 0,
            startCursor: page.length ? cursor(start) : null,
            endCursor: page.length ? cursor(end - 1) : null,
          },
        };
      },
      autoMergeRequest: () => {
        const am = store.data.autoMerge?.[itemKey(p.owner, p.repo, p.number)];
        return am && p.state === 'open'
          ? {
              enabledAt: am.enabledAt,
              enabledBy: actor(svc.account(am.enabledBy)),
              mergeMethod: am.mergeMethod,
            }
          : null;
      },
      number: p.number,
      title: p.title,
      body: p.body ?? '',
      url,
      permalink: url,
      state: p.merged_at ? 'MERGED' : p.state.toUpperCase(),
      isDraft: p.draft,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      closedAt: p.closed_at,
      mergedAt: p.merged_at,
      merged: !!p.merged_at,
      author: actor(svc.account(p.user)),
      mergedBy: actor(svc.account(p.merged_by ?? undefined)),
      headRefName: p.head,
      headRefOid: () => getStats().then(() => p.head_sha),
      baseRefName: p.base,
      baseRefOid: () => getStats().then(() => p.base_sha),
      additions: () => getStats().then(s => s.additions),
      deletions: () => getStats().then(s => s.deletions),
      changedFiles: () => getStats().then(s => s.changed),
      mergeable: async () => {
        if (p.state !== 'open') return 'UNKNOWN';
        return (await svc.mergeable(p)) ? 'MERGEABLE' : 'CONFLICTING';
      },
      mergeStateStatus: async () =>
        (await svc.mergeableState(p, rec)).toUpperCase(),
      reviewDecision: () => svc.reviewDecision(p),
      statusCheckRollup: () =>
        getStats().then(() => rollup(p.owner, p.repo, p.head_sha, p)),
      latestReviews: reviewConn(rec, svc.latestReviews(p)),
      latestOpinionatedReviews: reviewConn(
        rec,
        svc.latestReviews(p).filter(x => x.state !== 'COMMENTED'),
      ),
      reviews: reviewConn(rec, all),
      commits: async (a: any) => {
        const s = await getStats();
        return {
          totalCount: s.commits.length,
          nodes: slice(s.commits, a ?? {}).page.map(c => ({
            id: gid('PullRequestCommit', c.sha),
            url: `${url}/commits/${c.sha}`,
            commit: {
              id: gid('Commit', c.sha),
              oid: c.sha,
              abbreviatedOid: c.sha.slice(0, 7),
              message: c.message,
              messageHeadline: c.message.split('\n')[0],
              committedDate: c.committer.date,
              url: `${u.base}/${rec.owner}/${rec.name}/commit/${c.sha}`,
              statusCheckRollup: () => rollup(rec.owner, rec.name, c.sha, p),
            },
          })),
        };
      },
      labels: (a: any) => ({
        totalCount: p.labels.length,
        nodes: slice(p.labels, a ?? {}).page.map(n => {
          const l = store.ensureLabel(p.owner, p.repo, n);
          return {
            id: gid('Label', l.id),
            name: l.name,
            color: l.color,
            description: l.description,
          };
        }),
      }),
      repository: () => repoNode(rec),
    };
  };

  const pullConnection = (rec: RepoRecord, all: PullRecord[], a: any) => {
    let list = all;
    if (a.states?.length)
      list = list.filter(p =>
        a.states.includes(p.merged_at ? 'MERGED' : p.state.toUpperCase()),
      );
    if (a.headRefName) list = list.filter(p => p.head === a.headRefName);
    if (a.baseRefName) list = list.filter(p => p.base === a.baseRefName);
    if (a.labels?.length)
      list = list.filter(p =>
        a.labels.some((l: string) => p.labels.includes(l)),
      );
    const field =
      a.orderBy?.field === 'UPDATED_AT' ? 'updated_at' : 'created_at';
    const dir = a.orderBy?.direction ?? 'ASC';
    list = [...list].sort(
      (x, y) =>
        (x[field] + String(x.number).padStart(8, '0')).localeCompare(
          y[field] + String(y.number).padStart(8, '0'),
        ) * (dir === 'DESC' ? -1 : 1),
    );
    const { start, end, page } = slice(list, a);
    const nodes = page.map(p => pullNode(rec, p));
    return {
      totalCount: list.length,
      nodes,
      edges: nodes.map((n, i) => ({ cursor: cursor(start + i), node: n })),
      pageInfo: {
        hasNextPage: end < list.length,
        hasPreviousPage: start > 0,
        startCursor: page.length ? cursor(start) : null,
        endCursor: page.length ? cursor(end - 1) : null,
      },
    };
  };

  const refNode = async (rec: RepoRecord, name: string) => {
    const u = svc.urls();
    const sha = await svc.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${name}`,
    );
    if (!sha) return null;
    const c = (await svc.commitInfo(rec.owner, rec.name, sha))!;
    return {
      id: gid('Ref', `${rec.id}:${name}`),
      name,
      prefix: 'refs/heads/',
      target: {
        id: gid('Commit', sha),
        oid: sha,
        abbreviatedOid: sha.slice(0, 7),
        message: c.message,
        messageHeadline: c.message.split('\n')[0],
        committedDate: c.committer.date,
        url: `${u.base}/${rec.owner}/${rec.name}/commit/${sha}`,
        statusCheckRollup: () => rollup(rec.owner, rec.name, sha),
      },
      associatedPullRequests: (a: any) =>
        pullConnection(
          rec,
          svc.pulls(rec.owner, rec.name).filter(p => p.head === name),
          a,
        ),
    };
  };

  repoNode = (rec: RepoRecord): any => {
    const u = svc.urls();
    return {
      __typename: 'Repository',
      id: gid('Repository', rec.id),
      databaseId: rec.id,
      mergeCommitAllowed: rec.allow_merge_commit,
      squashMergeAllowed: rec.allow_squash_merge,
      rebaseMergeAllowed: rec.allow_rebase_merge,
      autoMergeAllowed: rec.allow_auto_merge,
      deleteBranchOnMerge: rec.delete_branch_on_merge,
      name: rec.name,
      nameWithOwner: `${rec.owner}/${rec.name}`,
      url: `${u.base}/${rec.owner}/${rec.name}`,
      description: rec.description,
      isPrivate: rec.private,
      isArchived: rec.archived,
      owner: () => actor(svc.account(rec.owner)),
      defaultBranchRef: () => refNode(rec, rec.default_branch),
      ref: ({ qualifiedName }: { qualifiedName: string }) =>
        refNode(rec, qualifiedName.replace(/^refs\/heads\//, '')),
      pullRequests: (a: any) =>
        pullConnection(rec, svc.pulls(rec.owner, rec.name), a),
      pullRequest: ({ number }: { number: number }) => {
        const p = svc.pulls(rec.owner, rec.name).find(x => x.number === number);
        return p ? pullNode(rec, p) : null;
      },
    };
  };

  /** The object a global node id names, if the viewer may see it. */
  const lookupNode = (id: string, viewer: Account | undefined): any => {
    const raw = Buffer.from(String(id), 'base64').toString();
    const i = raw.indexOf(':');
    if (i < 0) return null;
    const kind = raw.slice(0, i);
    const key = raw.slice(i + 1);
    const visible = (owner: string, repo: string) => {
      const rec = svc.repo(owner, repo);
      return rec && svc.permissions(rec, viewer).pull ? rec : undefined;
    };
    if (kind === 'PullRequest') {
      const p = svc.data.pulls.find(x => String(x.id) === key);
      const rec = p && visible(p.owner, p.repo);
      return p && rec ? pullNode(rec, p) : null;
    }
    if (kind === 'Repository') {
      const rec = Object.values(svc.data.repos).find(x => String(x.id) === key);
      return rec && visible(rec.owner, rec.name) ? repoNode(rec) : null;
    }
    if (kind === 'PullRequestReview') {
      const rv = svc.data.reviews.find(x => String(x.id) === key);
      const rec = rv && visible(rv.owner, rv.repo);
      return rv && rec ? reviewNode(rec, rv) : null;
    }
    if (['User', 'Bot', 'Organization'].includes(kind))
      return actor(
        Object.values(svc.data.accounts).find(
          a => a.type === kind && String(a.id) === key,
        ),
      );
    return null;
  };

  /** A pull request by node id the viewer may write, for mutations. */
  const writablePull = (id: string, viewer: Account) => {
    const node = lookupNode(id, viewer);
    const p =
      node?.__typename === 'PullRequest'
        ? svc.data.pulls.find(x => gid('PullRequest', x.id) === id)
        : undefined;
    if (!p)
      throw new GqlError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${id}'`,
      );
    const rec = svc.writable(p.owner, p.repo, viewer);
    return { rec, p };
  };

  const mutations = (viewer: Account) => ({
    addPullRequestReview: async ({ input }: { input: any }) => {
      const { rec, p } = writablePull(input.pullRequestId, viewer);
      await svc.refreshPull(p);
      const state =
        (
          {
            APPROVE: 'APPROVED',
            REQUEST_CHANGES: 'CHANGES_REQUESTED',
            COMMENT: 'COMMENTED',
          } as const
        )[input.event as string] ?? (input.event ? undefined : 'PENDING');
      if (!state)
        throw new GqlError('UNPROCESSABLE', 'Invalid event for a new review');
      if (p.user === viewer.login && state === 'APPROVED')
        throw new GqlError(
          'UNPROCESSABLE',
          'Can not approve your own pull request',
        );
      if (p.user === viewer.login && state === 'CHANGES_REQUESTED')
        throw new GqlError(
          'UNPROCESSABLE',
          'Can not request changes on your own pull request',
        );
      if (
        (state === 'CHANGES_REQUESTED' || state === 'COMMENTED') &&
        !input.body
      )
        throw new GqlError('UNPROCESSABLE', "Review body can't be blank");
      if (p.state !== 'open' && state !== 'COMMENTED')
        throw new GqlError('UNPROCESSABLE', 'Pull request is closed');
      const rv: ReviewRecord = {
        id: svc.nextId(),
        owner: p.owner,
        repo: p.repo,
        number: p.number,
        user: viewer.login,
        state,
        body: input.body ?? '',
        commit_id: input.commitOID ?? p.head_sha,
        submitted_at: state === 'PENDING' ? null : svc.now(),
      };
      svc.data.reviews.push(rv);
      p.updated_at = svc.now();
      if (state !== 'PENDING') svc.events.emit('review', p, rv, 'submitted');
      return {
        clientMutationId: input.clientMutationId ?? null,
        pullRequestReview: reviewNode(rec, rv),
      };
    },
    mergePullRequest: async ({ input }: { input: any }) => {
      const { rec, p } = writablePull(input.pullRequestId, viewer);
      await svc.mergePull(rec, p, viewer, {
        merge_method: String(input.mergeMethod ?? 'MERGE').toLowerCase(),
        sha: input.expectedHeadOid,
        commit_title: input.commitHeadline,
        commit_message: input.commitBody,
      });
      return {
        clientMutationId: input.clientMutationId ?? null,
        pullRequest: pullNode(rec, p),
      };
    },
    enablePullRequestAutoMerge: async ({ input }: { input: any }) => {
      const { rec, p } = writablePull(input.pullRequestId, viewer);
      if (!rec.allow_auto_merge)
        throw new GqlError(
          'UNPROCESSABLE',
          'Auto merge is not allowed for this repository',
        );
      if (p.state !== 'open' || p.draft)
        throw new GqlError(
          'UNPROCESSABLE',
          'Pull request is not in the correct state to enable auto-merge',
        );
      if (input.expectedHeadOid && input.expectedHeadOid !== p.head_sha)
        throw new GqlError(
          'UNPROCESSABLE',
          'Head branch was modified. Review and try the merge again.',
        );
      if ((await svc.mergeableState(p, rec)) === 'clean')
        throw new GqlError('UNPROCESSABLE', 'Pull request is in clean status');
      getIssuesStore(svc).data.autoMerge[itemKey(p.owner, p.repo, p.number)] = {
        enabledAt: svc.now(),
        enabledBy: viewer.login,
        mergeMethod: input.mergeMethod ?? 'MERGE',
      };
      return {
        clientMutationId: input.clientMutationId ?? null,
        pullRequest: pullNode(rec, p),
      };
    },
  });

  r.post(
    '/api/graphql',
    express.json({ limit: '5mb', type: () => true }),
    async (req, res, next) => {
      try {
        const token = tokenFrom(req.headers.authorization);
        const viewer = token ? svc.userForToken(token) : undefined;
        res.set({
          'x-github-request-id': Math.random()
            .toString(16)
            .slice(2)
            .toUpperCase(),
          'x-ratelimit-resource': 'graphql',
        });
        if (!viewer) {
          res.status(401).json({
            message: token
              ? 'Bad credentials'
              : 'This endpoint requires you to be authenticated.',
            documentation_url:
              'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
          });
          return;
        }
        const { query, variables, operationName } = req.body ?? {};
        if (typeof query !== 'string') {
          res.json({
            errors: [
              {
                message:
                  'A query attribute must be specified and must be a string.',
              },
            ],
          });
          return;
        }
        const errors: any[] = [];
        const root = {
          ...mutations(viewer),
          node: ({ id }: { id: string }) => lookupNode(id, viewer),
          nodes: ({ ids }: { ids: string[] }) =>
            ids.map(id => lookupNode(id, viewer)),
          search: (a: any) => {
            const list =
              a.type === 'ISSUE' && !/\b(is|type):issue\b/.test(a.query)
                ? searchPulls(svc, a.query, viewer)
                : [];
            const { start, end, page } = slice(list, a);
            const nodes = page.map(p =>
              pullNode(svc.repo(p.owner, p.repo)!, p),
            );
            return {
              issueCount: list.length,
              repositoryCount: 0,
              userCount: 0,
              nodes,
              edges: nodes.map((n, i) => ({
                cursor: cursor(start + i),
                node: n,
              })),
              pageInfo: {
                hasNextPage: end < list.length,
                hasPreviousPage: start > 0,
                startCursor: page.length ? cursor(start) : null,
                endCursor: page.length ? cursor(end - 1) : null,
              },
            };
          },
          viewer: () => actor(viewer),
          user: ({ login }: { login: string }) => {
            const a = svc.account(login);
            return a && a.type !== 'Organization' ? actor(a) : null;
          },
          organization: ({ login }: { login: string }) => {
            const a = svc.account(login);
            return a?.type === 'Organization' ? actor(a) : null;
          },
          rateLimit: () => ({
            limit: 5000,
            remaining: 4999,
            used: 1,
            cost: 1,
            resetAt: new Date(Date.now() + 3600_000).toISOString(),
            nodeCount: 0,
          }),
          repository: ({ owner, name }: { owner: string; name: string }) => {
            const rec = svc.repo(owner, name);
            if (!rec || !svc.permissions(rec, viewer).pull) {
              errors.push({
                type: 'NOT_FOUND',
                path: ['repository'],
                locations: [],
                message: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
              });
              return null;
            }
            return repoNode(rec);
          },
        };
        const result = await graphql({
          schema,
          source: query,
          rootValue: root,
          variableValues: variables,
          operationName,
        });
        const out: any = { data: result.data ?? null };
        const all = [
          ...(result.errors ?? []).map(e => {
            const o: any = e.originalError;
            const ghType = (status: number) =>
              ((
                {
                  404: 'NOT_FOUND',
                  403: 'FORBIDDEN',
                  401: 'FORBIDDEN',
                } as Record<number, string>
              )[status] ?? 'UNPROCESSABLE');
            let type: string | undefined;
            if (o instanceof GqlError) type = o.type;
            else if (o instanceof GhError) type = ghType(o.status);
            return {
              ...(type ? { type } : {}),
              ...(e.path ? { path: e.path } : {}),
              locations: e.locations ?? [],
              message:
                o instanceof GhError
                  ? String((o.body as any)?.message ?? o.message)
                  : e.message,
            };
          }),
          ...errors,
        ];
        if (all.length) out.errors = all;
        if (!result.data) delete out.data;
        res.json(out);
      } catch (e) {
        next(e);
      }
    },
  );
  // GraphQL answers in its own shape: a body that is not JSON is GitHub's 400, anything else
  // that goes wrong is a 200 with `errors` (never a 500 with a REST body).
  r.use(
    '/api/graphql',
    (
      err: any,
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      if (err?.type === 'entity.parse.failed') {
        res.status(400).json({
          message: 'Problems parsing JSON',
          documentation_url: 'https://docs.github.com/graphql',
        });
        return;
      }
      svc.ctx.logger.warn('github graphql request failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      res.status(200).json({
        data: null,
        errors: [
          {
            message: err instanceof Error ? err.message : String(err),
            locations: [],
          },
        ],
      });
    },
  );
  return r;
}
