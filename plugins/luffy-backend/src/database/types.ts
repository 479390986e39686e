import type {
  AuditEvent,
  Incident,
  IncidentStatus,
  ListResponse,
} from '@openluffy/plugin-luffy-common';
import type { MetricsIncident } from '../services/metrics/computeMetrics';

/** Filters of {@link LuffyStore.listIncidents}. */
export type IncidentFilter = {
  status?: IncidentStatus[];
  entityRef?: string;
  limit?: number;
  offset?: number;
};

/** Filters of {@link LuffyStore.listAudit}. */
export type AuditFilter = {
  actor?: string;
  target?: string;
  action?: string;
  limit?: number;
  offset?: number;
};

/** Filters of {@link LuffyStore.listMetricsIncidents}. */
export type MetricsFilter = {
  /** Only these entities (lower-case refs); all when absent. */
  entityRefs?: string[];
  /** Incidents detected or resolved at or after this time. */
  since: Date;
};

/** What {@link LuffyStore.insertIncident} takes. */
export type NewIncident = Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>;

/** What {@link LuffyStore.appendAudit} takes (input already redacted: see services/AuditLog). */
export type NewAuditEvent = Omit<AuditEvent, 'id' | 'createdAt'>;

/**
 * The plugin's persistent state. Services depend on this interface; its one implementation is
 * `DatabaseLuffyStore` (knex, SQLite and PostgreSQL). Feature work adds methods here and in
 * the implementation, with a new migration file under `migrations/`.
 */
export interface LuffyStore {
  insertIncident(input: NewIncident): Promise<Incident>;
  /** @throws NotFoundError */
  getIncident(id: string): Promise<Incident>;
  listIncidents(filter?: IncidentFilter): Promise<ListResponse<Incident>>;
  /** Incidents (with their PR opened/merged times) the metrics of `GET /metrics` read. */
  listMetricsIncidents(filter: MetricsFilter): Promise<MetricsIncident[]>;
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  listAudit(filter?: AuditFilter): Promise<ListResponse<AuditEvent>>;
}
