import crypto from 'node:crypto';
import type { GithubService } from './service';

/**
 * State of the Actions-side features that the core metadata (state.ts) does not hold: workflow
 * jobs, secrets and variables, secret keypairs, deployments, environment approvals. Scopes are
 * keyed by repository **id** (not name), so a repository deleted and created again under the
 * same name starts empty, as on GitHub. Persisted as `state/github-actions.json`; decrypted
 * secret values are kept in memory only (`secretValues`), never persisted or served.
 */

export type JobStep = {
  name: string;
  number: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  /** Simulated command output for the logs. */
  run?: string;
};

export type JobRecord = {
  /** Also the id of the job's check run, as on GitHub. */
  id: number;
  run_id: number;
  owner: string;
  repo: string;
  run_attempt: number;
  /** The key under `jobs:` in the workflow file. */
  key: string;
  name: string;
  needs: string[];
  status: 'queued' | 'in_progress' | 'completed' | 'waiting';
  conclusion: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  steps: JobStep[];
  /** Environment the job deploys to (`environment:` of the job), if any. */
  environment: string | null;
  /** Name of the step that fails, decided when the job is created; null when it passes. */
  fail_step: string | null;
  head_sha: string;
  head_branch: string;
  workflow_name: string;
  deployment_id?: number | null;
  /** Raw `if:` of the job. */
  if_expr?: string;
};

export type SecretRecord = {
  /** `repo:<id>`, `env:<id>:<environment>` or `org:<login>` */
  scope: string;
  name: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
  selected_repository_ids?: number[];
};

export type VariableRecord = SecretRecord & { value: string };

export type KeyRecord = {
  scope: string;
  key_id: string;
  public_key: string; // base64
  private_key: string; // base64 (the sandbox's own key; never served)
};

export type DeploymentRecord = {
  id: number;
  owner: string;
  repo: string;
  repo_id: number;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  original_environment: string;
  environment: string;
  description: string | null;
  creator: string;
  created_at: string;
  updated_at: string;
  transient_environment: boolean;
  production_environment: boolean;
  /** The workflow run that created it (jobs with `environment:`). */
  run_id?: number;
};

export type DeploymentStatusRecord = {
  id: number;
  deployment_id: number;
  state:
    | 'error'
    | 'failure'
    | 'inactive'
    | 'pending'
    | 'success'
    | 'queued'
    | 'in_progress'
    | 'waiting';
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  environment_url: string;
  creator: string;
  created_at: string;
  updated_at: string;
};

export type ApprovalRecord = {
  run_id: number;
  run_attempt: number;
  environment: string;
  state: 'approved' | 'rejected';
  user: string;
  comment: string;
  at: string;
};

export type ActionsData = {
  jobs: JobRecord[];
  secrets: SecretRecord[];
  variables: VariableRecord[];
  keys: KeyRecord[];
  deployments: DeploymentRecord[];
  deploymentStatuses: DeploymentStatusRecord[];
  approvals: ApprovalRecord[];
  /** Secret used to sign log download URLs. */
  signingKey: string;
  /** Event payload parts of runs, by run id (`workflow_run` of runs a workflow_run started). */
  runEvents: Record<string, { workflow_run?: Record<string, unknown>; depth?: number }>;
};

export const emptyActionsData = (): ActionsData => ({
  jobs: [],
  secrets: [],
  variables: [],
  keys: [],
  deployments: [],
  deploymentStatuses: [],
  approvals: [],
  runEvents: {},
  signingKey: crypto.randomBytes(16).toString('hex'),
});

export class ActionsStore {
  data: ActionsData = emptyActionsData();
  /** Decrypted secret values by `scope/NAME`, in memory only (tests of "CI got the secret"). */
  readonly secretValues = new Map<string, string>();

  constructor(readonly svc: GithubService) {
    svc.ctx.persistence.register('github-actions', {
      save: () => this.data,
      load: d => {
        this.data = { ...emptyActionsData(), ...(d as Partial<ActionsData>) };
      },
    });
  }

  jobsOf(runId: number) {
    return this.data.jobs.filter(j => j.run_id === runId);
  }

  /** Drops finished jobs of runs that no longer exist (pruned or their repo deleted). */
  prune(liveRunIds: Set<number>) {
    this.data.jobs = this.data.jobs.filter(
      j => liveRunIds.has(j.run_id) || j.status !== 'completed',
    );
    for (const id of Object.keys(this.data.runEvents))
      if (!liveRunIds.has(Number(id))) delete this.data.runEvents[id];
  }
}

const stores = new WeakMap<GithubService, ActionsStore>();

/** The Actions store of a GitHub service (created, and its saved state loaded, on first use). */
export function getActionsStore(svc: GithubService): ActionsStore {
  let s = stores.get(svc);
  if (!s) {
    s = new ActionsStore(svc);
    stores.set(svc, s);
  }
  return s;
}
