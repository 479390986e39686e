import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  AuditEvent,
  Incident,
  IncidentStatus,
  ListResponse,
} from '@openluffy/plugin-luffy-common';
import type {
  AuditFilter,
  IncidentFilter,
  LuffyStore,
  NewAuditEvent,
  NewIncident,
} from './types';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@openluffy/plugin-luffy-backend',
  'migrations',
);

type IncidentRow = {
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
  // Healing columns (migration 20261204_healing); absent on rows this store inserts.
  env?: string | null;
  autonomy?: Incident['autonomy'] | null;
  pull_request_state?: Incident['pullRequestState'] | null;
  resolved_at?: string | number | Date | null;
  created_at: string | number | Date;
  updated_at: string | number | Date;
};

type AuditRow = {
  seq?: number;
  id: string;
  actor: string;
  action: string;
  target: string;
  input: string | null;
  outcome: AuditEvent['outcome'];
  duration_ms: number | null;
  created_at: string | number | Date;
};

/**
 * {@link LuffyStore} in the plugin's own database: SQLite by default, PostgreSQL in
 * production. Engine differences stay inside this class.
 */
export class DatabaseLuffyStore implements LuffyStore {
  private constructor(private readonly db: Knex) {}

  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseLuffyStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseLuffyStore(client);
  }

  async insertIncident(input: NewIncident): Promise<Incident> {
    const now = new Date();
    const row: IncidentRow = {
      id: randomUUID(),
      entity_ref: input.entityRef,
      incident_key: input.key,
      cluster: input.cluster,
      namespace: input.namespace,
      workload: input.workload,
      reason: input.reason,
      status: input.status,
      summary: input.summary ?? null,
      pull_request_url: input.pullRequestUrl ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db<IncidentRow>('luffy_incidents').insert(row);
    return toIncident(row);
  }

  async getIncident(id: string): Promise<Incident> {
    const row = await this.db<IncidentRow>('luffy_incidents')
      .where({ id })
      .first();
    if (!row) throw new NotFoundError(`No incident with id '${id}'`);
    return toIncident(row);
  }

  async listIncidents(
    filter: IncidentFilter = {},
  ): Promise<ListResponse<Incident>> {
    const query = this.db<IncidentRow>('luffy_incidents');
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.status?.length) query.whereIn('status', filter.status);
    query.orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
    return page(query, filter, toIncident);
  }

  async appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    const row: AuditRow = {
      id: randomUUID(),
      actor: event.actor,
      action: event.action,
      target: event.target,
      input: event.input === undefined ? null : JSON.stringify(event.input),
      outcome: event.outcome,
      duration_ms: event.durationMs ?? null,
      created_at: new Date(),
    };
    await this.db<AuditRow>('luffy_audit_events').insert(row);
    return toAudit(row);
  }

  async listAudit(filter: AuditFilter = {}): Promise<ListResponse<AuditEvent>> {
    const query = this.db<AuditRow>('luffy_audit_events');
    if (filter.actor) query.where('actor', filter.actor);
    if (filter.target) query.where('target', filter.target);
    if (filter.action) query.where('action', filter.action);
    query.orderBy('seq', 'desc');
    return page(query, filter, toAudit);
  }
}

/**
 * One page of an ordered, filtered query plus the total the filters match (counted without
 * the ordering, limit and offset).
 */
async function page<Row extends {}, Item>(
  query: Knex.QueryBuilder<Row, Row[]>,
  filter: { limit?: number; offset?: number },
  toItem: (row: Row) => Item,
): Promise<ListResponse<Item>> {
  const [{ count }] = (await query
    .clone()
    .clearOrder()
    .count({ count: '*' })) as unknown as Array<{ count: number | string }>;
  const rows = (await query
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)) as Row[];
  return { items: rows.map(toItem), totalCount: Number(count) };
}

// PostgreSQL returns Date, SQLite the stored epoch milliseconds (or a string).
function iso(value: string | number | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function toIncident(row: IncidentRow): Incident {
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

function toAudit(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    input: row.input === null ? undefined : JSON.parse(row.input),
    outcome: row.outcome,
    durationMs: row.duration_ms ?? undefined,
    createdAt: iso(row.created_at),
  };
}
