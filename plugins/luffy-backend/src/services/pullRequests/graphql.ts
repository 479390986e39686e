import {
  HEALING_BRANCH_PREFIX,
  HEALING_LABEL,
  type CheckRollupState,
  type CheckState,
  type MergeMethod,
  type PullRequestCheck,
  type PullRequestSummary,
  type RepoRole,
} from '@openluffy/plugin-luffy-common';

/** Open pull requests fetched per repository and view (GitHub's page size limit is 100). */
export const PULL_REQUEST_PAGE = 50;

const PULL_REQUEST_FIELDS = /* GraphQL */ `
  fragment LuffyPullRequest on PullRequest {
    number
    title
    url
    isDraft
    createdAt
    updatedAt
    author {
      login
      avatarUrl
    }
    headRefName
    headRefOid
    baseRefName
    additions
    deletions
    changedFiles
    mergeable
    mergeStateStatus
    reviewDecision
    labels(first: 20) {
      nodes {
        name
        color
      }
    }
    commits(last: 1) {
      nodes {
        commit {
          oid
          statusCheckRollup {
            state
            contexts(first: 50) {
              nodes {
                __typename
                ... on CheckRun {
                  name
                  status
                  conclusion
                  detailsUrl
                }
                ... on StatusContext {
                  context
                  state
                  targetUrl
                }
              }
            }
          }
        }
      }
    }
  }
`;

const REPOSITORY_FIELDS = /* GraphQL */ `
  fragment LuffyRepository on Repository {
    nameWithOwner
    mergeCommitAllowed
    squashMergeAllowed
    rebaseMergeAllowed
  }
`;

const FILES = 'files(first: 100) { nodes { path } }';

/**
 * The Pull requests tab in ONE GitHub request: the open pull requests of the source repo and
 * (when the entity has one) of the GitOps repo with their files, so only those touching the
 * entity's folder are kept, both repositories' merge settings, and the query's rate-limit cost.
 */
export const LIST_QUERY = /* GraphQL */ `
  query LuffyPullRequests(
    $sourceOwner: String!
    $sourceName: String!
    $withSource: Boolean!
    $gitopsOwner: String!
    $gitopsName: String!
    $withGitops: Boolean!
    $first: Int!
  ) {
    source: repository(owner: $sourceOwner, name: $sourceName) @include(if: $withSource) {
      ...LuffyRepository
      pullRequests(states: OPEN, first: $first, orderBy: { field: UPDATED_AT, direction: DESC }) {
        totalCount
        nodes { ...LuffyPullRequest }
      }
    }
    gitops: repository(owner: $gitopsOwner, name: $gitopsName) @include(if: $withGitops) {
      ...LuffyRepository
      pullRequests(states: OPEN, first: $first, orderBy: { field: UPDATED_AT, direction: DESC }) {
        totalCount
        nodes { ...LuffyPullRequest ${FILES} }
      }
    }
    rateLimit { cost remaining resetAt }
  }
  ${PULL_REQUEST_FIELDS}
  ${REPOSITORY_FIELDS}
`;

/** One pull request with its repository's merge settings (detail view and merge checks). */
export const ONE_QUERY = /* GraphQL */ `
  query LuffyPullRequest($owner: String!, $name: String!, $number: Int!) {
    repository(owner: $owner, name: $name) {
      ...LuffyRepository
      pullRequest(number: $number) {
        ...LuffyPullRequest
        state
        ${FILES}
      }
    }
  }
  ${PULL_REQUEST_FIELDS}
  ${REPOSITORY_FIELDS}
`;

export type GqlRepository = {
  nameWithOwner: string;
  mergeCommitAllowed: boolean;
  squashMergeAllowed: boolean;
  rebaseMergeAllowed: boolean;
};

export type GqlPullRequest = {
  number: number;
  title: string;
  url: string;
  isDraft: boolean;
  createdAt: string;
  updatedAt: string;
  state?: 'OPEN' | 'CLOSED' | 'MERGED';
  author: { login: string; avatarUrl?: string } | null;
  headRefName: string;
  headRefOid: string;
  baseRefName: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  mergeStateStatus: string;
  reviewDecision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
  labels?: { nodes: Array<{ name: string; color?: string } | null> } | null;
  commits: {
    nodes: Array<{
      commit: {
        oid: string;
        statusCheckRollup: {
          state: string;
          contexts: {
            nodes: Array<
              | {
                  __typename: 'CheckRun';
                  name: string;
                  status: string;
                  conclusion: string | null;
                  detailsUrl?: string | null;
                }
              | {
                  __typename: 'StatusContext';
                  context: string;
                  state: string;
                  targetUrl?: string | null;
                }
              | null
            >;
          };
        } | null;
      };
    } | null>;
  };
  files?: { nodes: Array<{ path: string } | null> } | null;
};

export type ListQueryResult = {
  source?:
    | (GqlRepository & {
        pullRequests: { totalCount: number; nodes: GqlPullRequest[] };
      })
    | null;
  gitops?:
    | (GqlRepository & {
        pullRequests: { totalCount: number; nodes: GqlPullRequest[] };
      })
    | null;
  rateLimit?: { cost: number; remaining: number; resetAt: string } | null;
};

export type OneQueryResult = {
  repository: (GqlRepository & { pullRequest: GqlPullRequest | null }) | null;
};

/** Merge methods a repository allows, in the order the UI offers them. */
export function allowedMergeMethods(repo: GqlRepository): MergeMethod[] {
  const methods: MergeMethod[] = [];
  if (repo.squashMergeAllowed) methods.push('squash');
  if (repo.mergeCommitAllowed) methods.push('merge');
  if (repo.rebaseMergeAllowed) methods.push('rebase');
  return methods;
}

function checkRunState(status: string, conclusion: string | null): CheckState {
  if (status !== 'COMPLETED') return 'pending';
  switch (conclusion) {
    case 'SUCCESS':
      return 'success';
    case 'NEUTRAL':
      return 'neutral';
    case 'SKIPPED':
      return 'skipped';
    case 'CANCELLED':
      return 'cancelled';
    case null:
      return 'pending';
    default:
      return 'failure'; // FAILURE, TIMED_OUT, ACTION_REQUIRED, STARTUP_FAILURE, STALE
  }
}

function statusState(state: string): CheckState {
  switch (state) {
    case 'SUCCESS':
      return 'success';
    case 'PENDING':
    case 'EXPECTED':
      return 'pending';
    default:
      return 'failure'; // FAILURE, ERROR
  }
}

/** Each check of a head commit, and the rollup (failure beats pending beats success). */
export function mapChecks(pr: GqlPullRequest): PullRequestSummary['checks'] {
  const rollup = pr.commits.nodes.find(Boolean)?.commit.statusCheckRollup;
  const items: PullRequestCheck[] = [];
  for (const node of rollup?.contexts.nodes ?? []) {
    if (!node) continue;
    if (node.__typename === 'CheckRun') {
      items.push({
        name: node.name,
        state: checkRunState(node.status, node.conclusion),
        url: node.detailsUrl ?? undefined,
        kind: 'check-run',
      });
    } else {
      items.push({
        name: node.context,
        state: statusState(node.state),
        url: node.targetUrl ?? undefined,
        kind: 'status',
      });
    }
  }
  let state: CheckRollupState = 'none';
  if (items.some(c => c.state === 'failure' || c.state === 'cancelled')) {
    state = 'failure';
  } else if (items.some(c => c.state === 'pending')) state = 'pending';
  else if (items.length) state = 'success';
  return { state, items };
}

/** Why Approve & Merge cannot go ahead now (GitHub would refuse, or should not be asked). */
export function blockersOf(pr: Omit<PullRequestSummary, 'blockers'>): string[] {
  const blockers: string[] = [];
  if (pr.isDraft) blockers.push('The pull request is a draft.');
  if (pr.mergeable === 'conflicting' || pr.mergeState === 'dirty') {
    blockers.push(
      `It conflicts with ${pr.baseRef}: resolve the conflicts on GitHub first.`,
    );
  }
  const failed = pr.checks.items.filter(
    c => c.state === 'failure' || c.state === 'cancelled',
  );
  if (failed.length) {
    blockers.push(`Checks failed: ${failed.map(c => c.name).join(', ')}.`);
  } else if (pr.checks.state === 'pending') {
    const running = pr.checks.items.filter(c => c.state === 'pending');
    blockers.push(
      `Checks are still running: ${running.map(c => c.name).join(', ')}.`,
    );
  }
  if (pr.reviewDecision === 'changes-requested') {
    blockers.push('A reviewer requested changes.');
  }
  if (!pr.allowedMergeMethods.length) {
    blockers.push('The repository allows no merge method.');
  }
  return blockers;
}

/** Environments (from `{env}` in the GitOps path template) whose folder a file is in. */
export function pathMatcher(
  template: string,
): (file: string) => { matches: boolean; env?: string } {
  const clean = template.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const escaped = clean
    .split('{env}')
    .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  const re = new RegExp(`^${escaped}(/|$)`);
  const hasEnv = clean.includes('{env}');
  return file => {
    const m = re.exec(file);
    if (!m) return { matches: false };
    return { matches: true, env: hasEnv ? m[1] : undefined };
  };
}

const REVIEW_DECISIONS: Record<
  string,
  'approved' | 'changes-requested' | 'review-required'
> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes-requested',
  REVIEW_REQUIRED: 'review-required',
};

const MERGEABLE_STATES: Record<string, 'mergeable' | 'conflicting'> = {
  MERGEABLE: 'mergeable',
  CONFLICTING: 'conflicting',
};

export function mapPullRequest(
  pr: GqlPullRequest,
  repo: GqlRepository,
  role: RepoRole,
  environments?: string[],
): PullRequestSummary {
  const labels = (pr.labels?.nodes ?? [])
    .filter((l): l is { name: string; color?: string } => !!l)
    .map(l => ({ name: l.name, color: l.color }));
  const base: Omit<PullRequestSummary, 'blockers'> = {
    repo: repo.nameWithOwner,
    role,
    number: pr.number,
    title: pr.title,
    url: pr.url,
    author: {
      login: pr.author?.login ?? 'ghost',
      avatarUrl: pr.author?.avatarUrl,
    },
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
    isDraft: pr.isDraft,
    labels,
    headRef: pr.headRefName,
    headSha: pr.headRefOid,
    baseRef: pr.baseRefName,
    additions: pr.additions,
    deletions: pr.deletions,
    changedFiles: pr.changedFiles,
    reviewDecision: REVIEW_DECISIONS[pr.reviewDecision ?? ''] ?? null,
    mergeable: MERGEABLE_STATES[pr.mergeable ?? ''] ?? 'unknown',
    mergeState: (pr.mergeStateStatus ?? 'UNKNOWN').toLocaleLowerCase('en-US'),
    checks: mapChecks(pr),
    healing:
      labels.some(l => l.name === HEALING_LABEL) ||
      pr.headRefName.startsWith(HEALING_BRANCH_PREFIX),
    environments,
    allowedMergeMethods: allowedMergeMethods(repo),
  };
  return { ...base, blockers: blockersOf(base) };
}
