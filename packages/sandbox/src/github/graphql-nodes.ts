import type { GithubService } from './service';
import type { Account, PullRecord, RepoRecord, ReviewRecord } from './state';
import { getIssuesStore, itemKey } from './issues-store';
import { gid, cursor, slice } from './graphql-util';

/** The GraphQL object resolvers (actors, repositories, refs, pull requests, reviews, checks). */
export function graphqlNodes(svc: GithubService) {
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
        const mb = await svc.pullMergeBase(p);
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
        const mb = await svc.pullMergeBase(p);
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

  return {
    actor,
    rollup,
    reviewNode,
    reviewConn,
    pullNode,
    pullConnection,
    refNode,
    repoNode,
    lookupNode,
  };
}

export type GraphqlNodes = ReturnType<typeof graphqlNodes>;
