/** Answer of `GET /api/luffy/health`. @public */
export type HealthResponse = { status: 'ok' };

/**
 * Lifecycle of a healing incident (see ARCHITECTURE.md, healing loop).
 *
 * detected → diagnosing → diagnosed (observe: diagnosis only) | awaiting-approval (a PR waits
 * for a human) | escalated (no safe fix) ; awaiting-approval → fixing (merged, following Argo CD)
 * → healed | failed ; any open status → dismissed (a human) or healed (the failure cleared).
 * @public
 */
export type IncidentStatus =
  | 'detected'
  | 'diagnosing'
  | 'diagnosed'
  | 'awaiting-approval'
  | 'fixing'
  | 'healed'
  | 'failed'
  | 'escalated'
  | 'dismissed';

/** @public */
export const INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'detected',
  'diagnosing',
  'diagnosed',
  'awaiting-approval',
  'fixing',
  'healed',
  'failed',
  'escalated',
  'dismissed',
];

/**
 * Statuses of an incident that is still open: at most one open incident exists per
 * cluster/namespace/workload/reason. The others are final.
 * @public
 */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'detected',
  'diagnosing',
  'diagnosed',
  'awaiting-approval',
  'fixing',
];

/** True for statuses after which an incident never changes again. @public */
export function isFinalIncidentStatus(status: IncidentStatus): boolean {
  return !OPEN_INCIDENT_STATUSES.includes(status);
}

/**
 * Why a workload was found failing (the `reason` of an incident).
 * @public
 */
export type FailureReason =
  | 'CrashLoopBackOff'
  | 'OOMKilled'
  | 'RestartLoop'
  | 'ProgressDeadlineExceeded'
  | 'ReadinessFailing'
  | 'ArgoCDDegraded'
  | 'ArgoCDOperationFailed';

/** A healing incident as the backend returns it. @public */
export type Incident = {
  id: string;
  entityRef: string;
  /** Unique key: cluster/namespace/workload/reason. */
  key: string;
  cluster: string;
  namespace: string;
  workload: string;
  /** A {@link FailureReason} (a string so that added detectors need no type change). */
  reason: string;
  status: IncidentStatus;
  summary?: string;
  pullRequestUrl?: string;
  /** Environment of the workload (`openluffy.io/env` label or the namespace suffix). */
  env?: string;
  /** Autonomy the incident was handled with. */
  autonomy?: 'observe' | 'propose' | 'auto';
  /** State of the fix's pull request, when there is one. */
  pullRequestState?: 'open' | 'merged' | 'closed';
  /** When the incident reached `healed`, `failed`, `escalated` or `dismissed`. */
  resolvedAt?: string;
  createdAt: string;
  updatedAt: string;
};

/** One stored state change of an incident (the timeline). @public */
export type IncidentTransition = {
  from?: IncidentStatus;
  to: IncidentStatus;
  /** `luffy` for the engine, else the user entity ref. */
  actor: string;
  reason: string;
  at: string;
};

/** Log lines of one container, redacted. @public */
export type IncidentContainerLog = {
  pod: string;
  container: string;
  /** True when these lines are of the previous (terminated) container instance. */
  previous: boolean;
  lines: string[];
};

/** A Kubernetes Warning event of the workload, redacted. @public */
export type IncidentKubeEvent = {
  object: string;
  reason: string;
  message: string;
  count?: number;
  lastSeen?: string;
};

/**
 * What was collected about a failure, redacted, exactly as it was given to the diagnoser.
 * @public
 */
export type IncidentContext = {
  /** The detector's findings (container states, conditions, health). */
  findings: string[];
  logs: IncidentContainerLog[];
  events: IncidentKubeEvent[];
  /** The workload's current manifest in the GitOps repository, when found. */
  manifest?: { repo: string; path: string; content: string };
  /** Optional Prometheus figures (absent when no Prometheus is configured). */
  metrics?: Record<string, number>;
  /** Number of values the redactor replaced. */
  redactions: number;
};

/**
 * One change a fix makes to a workload. Only these kinds exist, so a fix can never change an
 * image, command, security context, volumes or service account.
 * @public
 */
export type PatchOperation =
  | {
      op: 'set-resources';
      container: string;
      requests?: { cpu?: string; memory?: string };
      limits?: { cpu?: string; memory?: string };
    }
  | { op: 'set-env'; container: string; name: string; value: string }
  | {
      op: 'set-probe';
      container: string;
      probe: 'readinessProbe' | 'livenessProbe' | 'startupProbe';
      timings: {
        initialDelaySeconds?: number;
        periodSeconds?: number;
        timeoutSeconds?: number;
        failureThreshold?: number;
        successThreshold?: number;
      };
    }
  | { op: 'set-replicas'; replicas: number };

/** A proposed fix: operations on one workload. @public */
export type ProposedPatch = {
  target: { namespace: string; kind: string; name: string };
  operations: PatchOperation[];
};

/** The diagnoser's answer, after the patch policy. @public */
export type Diagnosis = {
  /** `rules`, `anthropic` or an extension's id. */
  provider: string;
  rootCause: string;
  /** 0..1 */
  confidence: number;
  evidence: string[];
  /** The fix, when one is safe; absent when the incident is escalated. */
  patch?: ProposedPatch;
  /** Steps a human would follow (markdown). */
  runbook: string;
  /** Stable id of the runbook (e.g. `raise-memory-limit`), for success rates per runbook. */
  runbookId?: string;
  /** `rollback`: revert the last change of the GitOps folder instead of a patch. */
  action: 'propose' | 'escalate' | 'rollback';
  /** What the patch policy refused or clamped (recorded, never applied). */
  policy?: { refused: string[]; clamped: string[] };
};

/** The fix as a change of the GitOps repository. @public */
export type IncidentProposal = {
  repo: string;
  path: string;
  branch: string;
  /** Unified diff of the manifest. */
  diff: string;
  /** The merge commit, once merged. */
  mergeSha?: string;
  /** The revert pull request offered after a failed heal. */
  revertPullRequestUrl?: string;
};

/** The incident detail route's answer: the incident with its timeline and evidence. @public */
export type IncidentDetail = Incident & {
  timeline: IncidentTransition[];
  context?: IncidentContext;
  diagnosis?: Diagnosis;
  proposal?: IncidentProposal;
  pullRequest?: {
    url: string;
    number: number;
    state: 'open' | 'merged' | 'closed';
    branch: string;
  };
  /** The last error of the pipeline for this incident (e.g. the diagnoser failed). */
  error?: string;
};

/** Healing state of one entity: settings and problems reading them. @public */
export type HealingEntityStatus = {
  entityRef: string;
  autonomy?: 'observe' | 'propose' | 'auto';
  /** Clear per-entity errors (malformed annotations, missing manifests); empty when fine. */
  errors: string[];
  lastSweepAt?: string;
};

/** Body of `POST /incidents/:id/approve` and `/dismiss`. @public */
export type IncidentDecisionRequest = {
  /** Why (stored in the timeline). */
  reason?: string;
  /** approve only: merge method of the pull request. Default: squash. */
  mergeMethod?: 'squash' | 'merge' | 'rebase';
};

/** One audit event: every action the suite takes or is asked to take. @public */
export type AuditEvent = {
  id: string;
  actor: string;
  action: string;
  target: string;
  input?: unknown;
  outcome: 'succeeded' | 'failed' | 'denied' | 'dry-run';
  durationMs?: number;
  createdAt: string;
};

/** A page of items. @public */
export type ListResponse<T> = { items: T[]; totalCount: number };

/** The audit outcome of an action. @public */
export type AuditOutcome = AuditEvent['outcome'];

/**
 * Kind of change a {@link LuffyEvent} reports: `pullRequest.*`, `incident.*` or `operation.*`
 * (for example `pullRequest.merged`, `incident.updated`, `operation.finished`).
 *
 * @public
 */
export type LuffyEventType =
  | `pullRequest.${string}`
  | `incident.${string}`
  | `operation.${string}`;

/** The families of {@link LuffyEventType}. @public */
export const LUFFY_EVENT_FAMILIES = [
  'pullRequest',
  'incident',
  'operation',
] as const;

/**
 * One change pushed by `GET /api/luffy/events` (Server-Sent Events: the SSE `event` field is
 * `type`, the `data` field this object as JSON).
 *
 * @public
 */
export type LuffyEvent<TPayload = unknown> = {
  /** Monotonic per backend instance; also the SSE `id`. */
  id: string;
  type: LuffyEventType;
  /** Catalog entity the change concerns (`kind:namespace/name`, lower case). */
  entityRef: string;
  payload: TPayload;
  /** ISO timestamp. */
  createdAt: string;
};
