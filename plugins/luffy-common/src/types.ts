/** Answer of `GET /api/luffy/health`. @public */
export type HealthResponse = { status: 'ok' };

/** Lifecycle of a healing incident (see ARCHITECTURE.md, healing loop). @public */
export type IncidentStatus =
  | 'detected'
  | 'diagnosing'
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
  'awaiting-approval',
  'fixing',
  'healed',
  'failed',
  'escalated',
  'dismissed',
];

/** A healing incident as the backend returns it. @public */
export type Incident = {
  id: string;
  entityRef: string;
  /** Unique key: cluster/namespace/workload/reason. */
  key: string;
  cluster: string;
  namespace: string;
  workload: string;
  reason: string;
  status: IncidentStatus;
  summary?: string;
  pullRequestUrl?: string;
  createdAt: string;
  updatedAt: string;
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
