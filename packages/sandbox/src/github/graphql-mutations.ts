import type { GithubService } from './service';
import type { Account } from './state';
import { getIssuesStore, itemKey } from './issues-store';
import { GqlError, gid } from './graphql-util';
import type { GraphqlNodes } from './graphql-nodes';

/** The GraphQL mutations: reviews, merge, auto-merge. */
export function graphqlMutations(svc: GithubService, nodes: GraphqlNodes) {
  const { reviewNode, pullNode, lookupNode } = nodes;

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

  return (viewer: Account) => ({
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
      const rv = svc.addReview(
        p,
        viewer.login,
        state,
        input.body ?? '',
        input.commitOID ?? p.head_sha,
      );
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
}
