/**
 * Pull request and deployment types of the entity page's "Pull requests" tab
 * (`GET /api/luffy/entity/:namespace/:kind/:name/pull-requests`, `.../deployments`).
 */

/** How GitHub merges a pull request. @public */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** @public */
export const MERGE_METHODS: readonly MergeMethod[] = [
  'squash',
  'merge',
  'rebase',
];

/** Label marking the healing engine's pull requests. @public */
export const HEALING_LABEL = 'openluffy/healing';

/** Branch prefix of the healing engine's pull requests. @public */
export const HEALING_BRANCH_PREFIX = 'luffy/heal-';

/** The state of one CI check (a check run or a commit status), normalised. @public */
export type CheckState =
  | 'success'
  | 'failure'
  | 'pending'
  | 'neutral'
  | 'skipped'
  | 'cancelled';

/** One CI check of a pull request's head commit. @public */
export type PullRequestCheck = {
  name: string;
  state: CheckState;
  /** Link to the check's details (CI run, status target). */
  url?: string;
  kind: 'check-run' | 'status';
  /** Required by branch protection. */
  required?: boolean;
};

/** The CI rollup of a head commit: worst state wins (failure > pending > success). @public */
export type CheckRollupState = 'success' | 'failure' | 'pending' | 'none';

/** GitHub's review decision (null when the repository requires no review). @public */
export type ReviewDecision =
  | 'approved'
  | 'changes-requested'
  | 'review-required'
  | null;

/** Which of the entity's repositories a pull request belongs to. @public */
export type RepoRole = 'source' | 'gitops';

/** One open pull request as the Pull requests tab lists it. @public */
export type PullRequestSummary = {
  /** `owner/repo`. */
  repo: string;
  role: RepoRole;
  number: number;
  title: string;
  url: string;
  author: { login: string; avatarUrl?: string };
  createdAt: string;
  updatedAt: string;
  isDraft: boolean;
  labels: Array<{ name: string; color?: string }>;
  headRef: string;
  /** The head commit: the merge names it so a later push is never merged unseen. */
  headSha: string;
  baseRef: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  reviewDecision: ReviewDecision;
  mergeable: 'mergeable' | 'conflicting' | 'unknown';
  /** GitHub's mergeStateStatus, lower case (clean, blocked, behind, dirty, draft, unstable, unknown). */
  mergeState: string;
  checks: { state: CheckRollupState; items: PullRequestCheck[] };
  /** Opened by the healing engine (label `openluffy/healing` or branch `luffy/heal-*`). */
  healing: boolean;
  /** GitOps pull requests: the environments whose folder the change touches. */
  environments?: string[];
  /** Merge methods the repository allows. */
  allowedMergeMethods: MergeMethod[];
  /** Why Approve & Merge is blocked right now; empty when it may go ahead. */
  blockers: string[];
};

/** A repository the tab watches, with what was found there. @public */
export type WatchedRepo = {
  repo: string;
  role: RepoRole;
  /** GitOps repo: the folders (per environment) that make a pull request relevant. */
  paths?: string[];
  allowedMergeMethods: MergeMethod[];
};

/** Answer of `GET .../pull-requests`. @public */
export type PullRequestListResponse = {
  items: PullRequestSummary[];
  repos: WatchedRepo[];
  /** When GitHub was last asked; the server keeps a short cache shared by all viewers. */
  fetchedAt: string;
};

/** One changed file of a pull request. @public */
export type PullRequestFile = {
  filename: string;
  previousFilename?: string;
  status:
    | 'added'
    | 'removed'
    | 'modified'
    | 'renamed'
    | 'copied'
    | 'changed'
    | 'unchanged';
  additions: number;
  deletions: number;
  /** Lock files, vendored and minified files: collapsed by default. */
  generated: boolean;
  /** No patch from GitHub (binary or too large), or many changed lines: collapsed by default. */
  large: boolean;
};

/** Answer of `GET .../pull-requests/:repo/:number`. @public */
export type PullRequestDetail = {
  pullRequest: PullRequestSummary;
  files: PullRequestFile[];
  /** The whole change as one unified diff (`git diff` format). */
  diff: string;
};

/** Body of `POST .../pull-requests/:repo/:number/merge`. @public */
export type MergePullRequestRequest = {
  method: MergeMethod;
  /** The head SHA the user reviewed. */
  sha: string;
  /**
   * The signed-in user's GitHub token (from Backstage's SCM auth), used for this call only;
   * may also come as the `X-GitHub-Token` header.
   */
  githubToken?: string;
};

/** Answer of a successful merge. @public */
export type MergePullRequestResponse = {
  merged: true;
  /** The merge commit on the base branch. */
  sha: string;
  /** GitHub login that approved and merged. */
  mergedBy: string;
  /** `user`: with the user's own token; `integration`: with the integration token, on the user's behalf. */
  actedAs: 'user' | 'integration';
  /** Whether an approving review was submitted (never on one's own pull request). */
  approved: boolean;
};

/** Header carrying the signed-in user's GitHub token to the merge route. @public */
export const GITHUB_TOKEN_HEADER = 'x-github-token';

/** An entity's Argo CD application in one environment. @public */
export type DeploymentEnvironment = {
  environment: string;
  application: string;
  /** Argo CD instance name. */
  instance?: string;
  syncStatus: string;
  healthStatus: string;
  /** The git revision the application is synced to. */
  revision?: string;
  /** The running operation (sync) phase, if any. */
  operationPhase?: string;
  /** Resources not Healthy, with Argo CD's message. */
  unhealthyResources: Array<{
    kind: string;
    name: string;
    namespace?: string;
    health: string;
    message?: string;
  }>;
  /** Rollout of `?revision=`: true once the application has synced it (now or in its history) and is Synced and Healthy. */
  rolledOut?: boolean;
};

/** Answer of `GET .../deployments[?revision=sha]`. @public */
export type DeploymentsResponse = {
  environments: DeploymentEnvironment[];
  /** The revision followed (`?revision=`), e.g. a merge commit. */
  revision?: string;
};

/**
 * Payload of the `pullRequest.*` events on `GET /api/luffy/events` (types `pullRequest.changed`,
 * `pullRequest.merged`, `pullRequest.approved`): which pull request or repository changed.
 * @public
 */
export type PullRequestEventPayload = {
  /** `owner/repo`. */
  repo: string;
  number?: number;
  /** GitHub's event name (pull_request, pull_request_review, check_run, check_suite, status, push), or `luffy` for the suite's own merges. */
  githubEvent: string;
  action?: string;
  /** Head or merge commit, when known. */
  sha?: string;
};
