import type { Incident, IncidentStatus } from '@openluffy/plugin-luffy-common';

/** A row of `luffy_incidents` (the columns the {@link Incident} shape reads). */
export type IncidentRow = {
  id: string;
  entity_ref: string;
  incident_key: string;
  cluster: string;
  namespace: string;
  workload: string;
  reason: string;
  status: IncidentStatus;
  summary: string | null;
  pull_request_url: string | null;
  // Healing columns (migration 20261204_healing); absent on rows DatabaseLuffyStore inserts.
  env?: string | null;
  autonomy?: Incident['autonomy'] | null;
  pull_request_state?: Incident['pullRequestState'] | null;
  resolved_at?: string | number | Date | null;
  created_at: string | number | Date;
  updated_at: string | number | Date;
};

/** A timestamp column as ISO 8601: PostgreSQL returns Date, SQLite the stored epoch milliseconds (or a string). */
export function iso(value: string | number | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The one mapper of an incident row (used by DatabaseLuffyStore and the healing store). */
export function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    key: row.incident_key,
    cluster: row.cluster,
    namespace: row.namespace,
    workload: row.workload,
    reason: row.reason,
    status: row.status,
    summary: row.summary ?? undefined,
    pullRequestUrl: row.pull_request_url ?? undefined,
    env: row.env ?? undefined,
    autonomy: row.autonomy ?? undefined,
    pullRequestState: row.pull_request_state ?? undefined,
    resolvedAt:
      row.resolved_at === null || row.resolved_at === undefined
        ? undefined
        : iso(row.resolved_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
