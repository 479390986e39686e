/**
 * In-memory metadata of the GitHub family (accounts, repositories, pull requests, reviews,
 * checks, statuses, workflow runs, hooks, environments, branch protections, OAuth grants).
 * Git content itself lives in the bare repositories (ctx.git). Everything here is plain JSON
 * so it persists with `ctx.persistence` as one document.
 */

export type AccountType = 'User' | 'Organization' | 'Bot';

export type Account = {
  id: number;
  login: string;
  type: AccountType;
  name: string | null;
  email: string | null;
  /** Organizations only: member logins and their role. */
  members?: Record<string, 'admin' | 'member'>;
  created_at: string;
};

export type RepoRecord = {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  visibility: 'public' | 'private' | 'internal';
  description: string | null;
  homepage: string | null;
  default_branch: string;
  topics: string[];
  archived: boolean;
  allow_merge_commit: boolean;
  allow_squash_merge: boolean;
  allow_rebase_merge: boolean;
  allow_auto_merge: boolean;
  delete_branch_on_merge: boolean;
  has_issues: boolean;
  has_wiki: boolean;
  has_projects: boolean;
  created_at: string;
  updated_at: string;
  pushed_at: string | null;
  /** Issue/PR number sequence. */
  next_number: number;
  /** A template repository (`POST …/generate` copies it). */
  is_template?: boolean;
};

export type PullRecord = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  user: string;
  head: string; // branch name
  head_sha: string;
  base: string; // branch name
  base_sha: string; // base branch sha when last computed
  maintainer_can_modify: boolean;
  labels: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  merged_by: string | null;
  merge_commit_sha: string | null;
};

export type ReviewRecord = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  user: string;
  state:
    | 'APPROVED'
    | 'CHANGES_REQUESTED'
    | 'COMMENTED'
    | 'PENDING'
    | 'DISMISSED';
  body: string;
  commit_id: string;
  submitted_at: string | null;
};

export type CommentRecord = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  user: string;
  body: string;
  created_at: string;
  updated_at: string;
};

export type CheckSuiteRecord = {
  id: number;
  owner: string;
  repo: string;
  head_sha: string;
  head_branch: string | null;
  before: string | null;
  after: string | null;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  app: string; // app slug
  created_at: string;
  updated_at: string;
  /** Filled in from git shortly after creation. */
  head_commit?: {
    tree: string;
    message: string;
    timestamp: string;
    author: { name: string; email: string };
    committer: { name: string; email: string };
  };
};

export type CheckRunRecord = {
  id: number;
  suite_id: number;
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
  status:
    | 'queued'
    | 'in_progress'
    | 'completed'
    | 'waiting'
    | 'requested'
    | 'pending';
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  app: string;
};

export type StatusRecord = {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  target_url: string | null;
  creator: string;
  created_at: string;
  updated_at: string;
};

export type WorkflowRecord = {
  id: number;
  owner: string;
  repo: string;
  path: string;
  name: string;
  state: 'active' | 'disabled_manually';
  created_at: string;
  updated_at: string;
};

export type RunRecord = {
  id: number;
  workflow_id: number;
  owner: string;
  repo: string;
  run_number: number;
  run_attempt: number;
  name: string;
  display_title: string;
  head_branch: string;
  head_sha: string;
  event: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  actor: string;
  inputs: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  run_started_at: string;
  check_suite_id: number | null;
};

export type HookRecord = {
  id: number;
  owner: string;
  /** Undefined for organization hooks. */
  repo?: string;
  name: 'web';
  active: boolean;
  events: string[];
  config: {
    url: string;
    content_type: 'json' | 'form';
    secret?: string;
    insecure_ssl: string;
  };
  created_at: string;
  updated_at: string;
  last_response: {
    code: number | null;
    status: string;
    message: string | null;
  };
};

export type DeliveryRecord = {
  id: number;
  guid: string;
  hook_id: number;
  event: string;
  action: string | null;
  status_code: number;
  status: string;
  delivered_at: string;
  duration: number;
  redelivery: boolean;
  repository_id: number | null;
  request: { headers: Record<string, string>; payload: unknown };
  response: { headers: Record<string, string>; payload: string | null };
};

export type EnvironmentRecord = {
  id: number;
  owner: string;
  repo: string;
  name: string;
  wait_timer: number;
  reviewers: unknown[];
  deployment_branch_policy: unknown;
  created_at: string;
  updated_at: string;
};

export type GithubData = {
  seq: number;
  accounts: Record<string, Account>; // by lower-case login
  repos: Record<string, RepoRecord>; // by lower-case owner/name
  pulls: PullRecord[];
  reviews: ReviewRecord[];
  comments: CommentRecord[];
  suites: CheckSuiteRecord[];
  runs: CheckRunRecord[];
  statuses: StatusRecord[];
  workflows: WorkflowRecord[];
  workflowRuns: RunRecord[];
  hooks: HookRecord[];
  deliveries: DeliveryRecord[];
  environments: EnvironmentRecord[];
  protections: Record<string, any>; // owner/repo:branch -> request body
  /** Deployment branch policies by `owner/repo:environment`. */
  branchPolicies?: Record<string, Array<{ id: number; node_id: string; name: string; type: string }>>;
  tokens: Record<string, string>; // token -> login
  oauthCodes: Record<
    string,
    {
      login: string;
      clientId: string;
      redirectUri: string;
      scope: string;
      expires: number;
    }
  >;
  /** Who /login/oauth/authorize signs in when no ?login= is given. */
  oauthDefaultLogin: string;
};

export function emptyData(): GithubData {
  return {
    seq: 100,
    accounts: {},
    repos: {},
    pulls: [],
    reviews: [],
    comments: [],
    suites: [],
    runs: [],
    statuses: [],
    workflows: [],
    workflowRuns: [],
    hooks: [],
    deliveries: [],
    environments: [],
    protections: {},
    branchPolicies: {},
    tokens: {},
    oauthCodes: {},
    oauthDefaultLogin: 'alice',
  };
}

export const repoKey = (owner: string, repo: string) =>
  `${owner}/${repo}`.toLowerCase();
