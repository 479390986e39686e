import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  AuditEvent,
  Incident,
  ListResponse,
} from '@openluffy/plugin-luffy-common';
import type { MetricsIncident } from '../services/metrics/computeMetrics';
import type {
  AuditFilter,
  IncidentFilter,
  LuffyStore,
  MetricsFilter,
  NewAuditEvent,
  NewIncident,
} from './types';
import { randomUUID } from 'node:crypto';
import { iso, toIncident, type IncidentRow } from './incidentRow';
import type { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@openluffy/plugin-luffy-backend',
  'migrations',
);

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

  async listMetricsIncidents(
    filter: MetricsFilter,
  ): Promise<MetricsIncident[]> {
    const scoped = (q: Knex.QueryBuilder) => {
      q.where(w =>
        w
          .where('created_at', '>=', filter.since)
          .orWhere('resolved_at', '>=', filter.since),
      );
      if (filter.entityRefs) q.whereIn('entity_ref', filter.entityRefs);
      return q;
    };
    const rows: Array<{
      id: string;
      reason: string;
      status: MetricsIncident['status'];
      diagnosis: string | null;
      pull_request_state: MetricsIncident['pullRequestState'] | null;
      created_at: string | number | Date;
      resolved_at: string | number | Date | null;
    }> = await scoped(
      this.db('luffy_incidents').select(
        'id',
        'reason',
        'status',
        'diagnosis',
        'pull_request_state',
        'created_at',
        'resolved_at',
      ),
    );
    // PR opened: diagnosing → awaiting-approval; merged: the last → fixing (an approval claims
    // `fixing` right before merging and goes back when the merge fails).
    const transitions: Array<{
      incident_id: string;
      from_status: string | null;
      to_status: string;
      at: string | number | Date;
    }> = await this.db('luffy_incident_transitions')
      .select('incident_id', 'from_status', 'to_status', 'at')
      .whereIn('to_status', ['awaiting-approval', 'fixing'])
      .whereIn('incident_id', scoped(this.db('luffy_incidents').select('id')))
      .orderBy('seq', 'asc');
    const opened = new Map<string, number>();
    const merged = new Map<string, number>();
    for (const t of transitions) {
      const at = ms(t.at);
      if (t.to_status === 'fixing') merged.set(t.incident_id, at);
      else if (t.from_status === 'diagnosing' && !opened.has(t.incident_id)) {
        opened.set(t.incident_id, at);
      }
    }
    return rows.map(r => ({
      id: r.id,
      reason: r.reason,
      status: r.status,
      runbookId: runbookIdOf(r.diagnosis),
      pullRequestState: r.pull_request_state ?? undefined,
      createdAt: ms(r.created_at),
      resolvedAt: r.resolved_at === null ? undefined : ms(r.resolved_at),
      pullRequestOpenedAt: opened.get(r.id),
      pullRequestMergedAt:
        r.pull_request_state === 'merged' ? merged.get(r.id) : undefined,
    }));
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

/** A timestamp column in epoch ms. */
function ms(value: string | number | Date): number {
  return Date.parse(iso(value));
}

/** The `runbookId` of a stored diagnosis (JSON), if any. */
function runbookIdOf(diagnosis: string | null): string | undefined {
  if (!diagnosis) return undefined;
  try {
    const id = (JSON.parse(diagnosis) as { runbookId?: unknown }).runbookId;
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
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
