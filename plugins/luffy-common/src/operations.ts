/**
 * Ids of the day-2 operations served under
 * `POST /api/luffy/entity/:namespace/:kind/:name/operations/:op` and as actions `luffy:<op>`.
 * @public
 */
export const LUFFY_OPERATION_IDS = [
  'restart',
  'scale',
  'delete-pod',
  'promote',
  'argocd-sync',
  'argocd-diff',
  'argocd-refresh',
  'argocd-rollback',
  'workflow-dispatch',
  'workflow-cancel',
  'workflow-rerun',
  'investigate',
] as const;

/** @public */
export type OperationId = (typeof LUFFY_OPERATION_IDS)[number];

/** Which system an operation changed (or would change). @public */
export type OperationPath = 'kubernetes' | 'gitops' | 'argocd' | 'github';

/** One request an operation makes (or, in a dry run, would make). @public */
export type OperationRequest = {
  system: OperationPath;
  method: string;
  /** Path on that system's API, e.g. `/apis/apps/v1/namespaces/acme-dev/deployments/checkout`. */
  path: string;
  body?: unknown;
};

/** One change an operation made, human readable plus the object it touched. @public */
export type OperationChange = {
  description: string;
  object?: string;
  before?: unknown;
  after?: unknown;
};

/** Health of the target after the operation. @public */
export type OperationHealth = {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Unknown' | string;
  message?: string;
};

/** How to take an operation back. @public */
export type OperationUndo = {
  operation: OperationId;
  input: Record<string, unknown>;
  description: string;
};

/** The result of every operation. @public */
export type OperationResult = {
  operation: OperationId;
  entityRef: string;
  /** `succeeded`: done; `dry-run`: nothing changed; `pending`: a pull request awaits review. */
  status: 'succeeded' | 'dry-run' | 'pending';
  path: OperationPath;
  durationMs: number;
  changes: OperationChange[];
  /** The requests made (or, with dryRun, the exact requests it would make). */
  requests: OperationRequest[];
  pullRequestUrl?: string;
  health?: OperationHealth;
  undo?: OperationUndo;
  /** Operation-specific data (diff per resource, workflow run, …). */
  details?: Record<string, unknown>;
  /** Destructive operations: the token to confirm with (dry runs only). */
  confirmation?: { token: string; expiresAt: string; reason: string };
};

/** An operation as listed by `GET .../operations`. @public */
export type OperationDescriptor = {
  id: OperationId;
  title: string;
  description: string;
  /** JSON schema of the input (without `dryRun` and `confirmationToken`). */
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
};

/**
 * Body of the 412 answer to a destructive operation without (or with a stale) confirmation
 * token: `error.name` is `ConfirmationRequiredError`.
 * @public
 */
export type OperationConfirmationRequired = {
  confirmationToken: string;
  expiresAt: string;
  reason: string;
};

/** One pod of the entity, for the pod rows of the Operations UI. @public */
export type WorkloadPod = {
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown; `Terminating` once deleted. */
  phase: string;
  ready: boolean;
  restarts: number;
  createdAt?: string;
  /** Pod template hash: pods of the current ReplicaSet are `current`. */
  current: boolean;
};

/** The entity's Deployment in one environment, with its rollout and pods. @public */
export type WorkloadEnvironment = {
  environment: string;
  cluster: string;
  namespace: string;
  deployment: string;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** `Healthy` once rolled out (as `kubectl rollout status` reads it), else `Progressing`/`Degraded`. */
  health: OperationHealth;
  pods: WorkloadPod[];
};

/** `GET /entity/:namespace/:kind/:name/workloads`. @public */
export type WorkloadsResponse = {
  environments: WorkloadEnvironment[];
};

/** A workflow run with its jobs, for the live progress of a dispatch or re-run. @public */
export type WorkflowRunStatus = {
  id: number;
  name?: string | null;
  status: string | null;
  conclusion: string | null;
  attempt?: number;
  htmlUrl: string;
  jobs: Array<{
    id: number;
    name: string;
    status: string;
    conclusion: string | null;
    htmlUrl?: string | null;
  }>;
};
