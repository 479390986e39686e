import type { DatabaseService } from '@backstage/backend-plugin-api';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  OPEN_INCIDENT_STATUSES,
  isFinalIncidentStatus,
  type Diagnosis,
  type HealingEntityStatus,
  type Incident,
  type IncidentContext,
  type IncidentDetail,
  type IncidentProposal,
  type IncidentStatus,
  type IncidentTransition,
} from '@openluffy/plugin-luffy-common';
import type { DetectedFailure } from '@openluffy/plugin-luffy-node';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { iso, toIncident } from '../../database/incidentRow';

/** The engine's actor in timelines and audit rows. */
export const LUFFY_ACTOR = 'luffy';

type Row = Record<string, any>;

const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
const parseJson = (v: string | null | undefined) =>
  v === null || v === undefined ? undefined : JSON.parse(v);
const isoOpt = (v: any) => (v === null || v === undefined ? undefined : iso(v));

/** What opening an incident takes. */
export type NewHealingIncident = {
  entityRef: string;
  cluster: string;
  namespace: string;
  workload: string;
  workloadKind?: string;
  reason: string;
  env?: string;
  fingerprint: string;
  autonomy: Incident['autonomy'];
  summary?: string;
  failure: DetectedFailure;
};

/** Fields that change with the pipeline (never the status: see `transition`). */
export type IncidentFields = {
  summary?: string;
  context?: IncidentContext;
  diagnosis?: Diagnosis;
  proposal?: IncidentProposal;
  error?: string | null;
  pullRequest?: {
    url: string;
    number: number;
    state: 'open' | 'merged' | 'closed';
    branch: string;
  };
  failure?: DetectedFailure;
  autonomy?: Incident['autonomy'];
};

/** A heal attempt (one pull request). */
export type HealAttempt = {
  id: string;
  incidentId: string;
  workloadKey: string;
  fingerprint: string;
  patchHash: string;
  runbookId?: string;
  pullRequestNumber?: number;
  pullRequestUrl?: string;
  outcome: 'pending' | 'healed' | 'failed' | 'dismissed';
  createdAt: string;
  finishedAt?: string;
};

function toAttempt(row: Row): HealAttempt {
  return {
    id: row.id,
    incidentId: row.incident_id,
    workloadKey: row.workload_key,
    fingerprint: row.fingerprint,
    patchHash: row.patch_hash,
    runbookId: row.runbook_id ?? undefined,
    pullRequestNumber: row.pull_request_number ?? undefined,
    pullRequestUrl: row.pull_request_url ?? undefined,
    outcome: row.outcome,
    createdAt: iso(row.created_at),
    finishedAt: isoOpt(row.finished_at),
  };
}

/**
 * The healing engine's state (incidents, transitions, attempts, diagnosis cache, entity
 * status) in the plugin database. Every status change is a conditional update
 * (`UPDATE … WHERE status IN (expected)`) plus a transition row in one transaction, so two
 * backend replicas never both act on an incident: the loser's update matches no row.
 */
export class HealingStore {
  private constructor(private readonly db: Knex) {}

  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<HealingStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await db.migrate.latest({
        directory: resolvePackagePath(
          '@openluffy/plugin-luffy-backend',
          'migrations',
        ),
      });
    }
    return new HealingStore(db);
  }

  static fromKnex(db: Knex) {
    return new HealingStore(db);
  }

  /**
   * Opens an incident unless one is open for the same cluster/namespace/workload/reason
   * (unique `open_key`): `created` tells which. Safe under concurrency.
   */
  async openIncident(
    input: NewHealingIncident,
  ): Promise<{ incident: Incident; created: boolean }> {
    const key = `${input.cluster}/${input.namespace}/${input.workload}/${input.reason}`;
    const id = randomUUID();
    const now = new Date();
    await this.db.transaction(async tx => {
      await tx('luffy_incidents')
        .insert({
          id,
          entity_ref: input.entityRef,
          incident_key: key,
          open_key: key,
          cluster: input.cluster,
          namespace: input.namespace,
          workload: input.workload,
          workload_kind: input.workloadKind ?? null,
          reason: input.reason,
          status: 'detected',
          summary: input.summary ?? null,
          env: input.env ?? null,
          fingerprint: input.fingerprint,
          autonomy: input.autonomy ?? null,
          failure: json(input.failure),
          created_at: now,
          updated_at: now,
        })
        .onConflict('open_key')
        .ignore();
      const mine = await tx('luffy_incidents').where({ id }).first('id');
      if (mine) {
        await tx('luffy_incident_transitions').insert({
          incident_id: id,
          from_status: null,
          to_status: 'detected',
          actor: LUFFY_ACTOR,
          reason: input.summary ?? input.reason,
          at: now,
        });
      }
    });
    const row = await this.db('luffy_incidents')
      .where({ open_key: key })
      .first();
    if (!row) {
      // closed between insert and read: read ours
      return { incident: await this.getIncident(id), created: true };
    }
    return { incident: toIncident(row), created: row.id === id };
  }

  /**
   * Moves an incident from one of `from` to `to`, storing the transition; undefined when the
   * incident is not in an expected status any more (another replica or a human acted first).
   */
  async transition(
    id: string,
    from: IncidentStatus | readonly IncidentStatus[],
    to: IncidentStatus,
    meta: { actor: string; reason: string },
    fields: IncidentFields = {},
  ): Promise<Incident | undefined> {
    const expected = Array.isArray(from) ? from : [from as IncidentStatus];
    const now = new Date();
    const changed = await this.db.transaction(async tx => {
      const before = await tx('luffy_incidents').where({ id }).first('status');
      if (!before) throw new NotFoundError(`No incident with id '${id}'`);
      const n = await tx('luffy_incidents')
        .where({ id })
        .whereIn('status', expected)
        .update({
          ...this.#fieldColumns(fields),
          status: to,
          updated_at: now,
          ...(isFinalIncidentStatus(to)
            ? { open_key: null, resolved_at: now }
            : {}),
        });
      if (n !== 1) return false;
      await tx('luffy_incident_transitions').insert({
        incident_id: id,
        from_status: before.status,
        to_status: to,
        actor: meta.actor,
        reason: meta.reason,
        at: now,
      });
      return true;
    });
    return changed ? this.getIncident(id) : undefined;
  }

  /** Updates pipeline fields of an incident in one of `statuses` (conditional, like transition). */
  async update(
    id: string,
    fields: IncidentFields,
    statuses: readonly IncidentStatus[] = OPEN_INCIDENT_STATUSES,
  ): Promise<boolean> {
    const n = await this.db('luffy_incidents')
      .where({ id })
      .whereIn('status', statuses as IncidentStatus[])
      .update({ ...this.#fieldColumns(fields), updated_at: new Date() });
    return n === 1;
  }

  #fieldColumns(fields: IncidentFields): Row {
    const out: Row = {};
    if (fields.summary !== undefined) out.summary = fields.summary;
    if (fields.context !== undefined) out.context = json(fields.context);
    if (fields.diagnosis !== undefined) out.diagnosis = json(fields.diagnosis);
    if (fields.proposal !== undefined) out.proposal = json(fields.proposal);
    if (fields.failure !== undefined) out.failure = json(fields.failure);
    if (fields.autonomy !== undefined) out.autonomy = fields.autonomy;
    if (fields.error !== undefined) out.error = fields.error;
    if (fields.pullRequest) {
      out.pull_request_url = fields.pullRequest.url;
      out.pull_request_number = fields.pullRequest.number;
      out.pull_request_state = fields.pullRequest.state;
      out.pull_request_branch = fields.pullRequest.branch;
    }
    return out;
  }

  async getIncident(id: string): Promise<Incident> {
    const row = await this.db('luffy_incidents').where({ id }).first();
    if (!row) throw new NotFoundError(`No incident with id '${id}'`);
    return toIncident(row);
  }

  /** The incident with its timeline, redacted context, diagnosis and fix. */
  async getDetail(id: string): Promise<IncidentDetail> {
    const row = await this.db('luffy_incidents').where({ id }).first();
    if (!row) throw new NotFoundError(`No incident with id '${id}'`);
    const transitions = await this.db('luffy_incident_transitions')
      .where({ incident_id: id })
      .orderBy('seq', 'asc');
    const timeline: IncidentTransition[] = transitions.map(t => ({
      from: t.from_status ?? undefined,
      to: t.to_status,
      actor: t.actor,
      reason: t.reason,
      at: iso(t.at),
    }));
    return {
      ...toIncident(row),
      timeline,
      context: parseJson(row.context),
      diagnosis: parseJson(row.diagnosis),
      proposal: parseJson(row.proposal),
      pullRequest:
        row.pull_request_number !== null &&
        row.pull_request_number !== undefined
          ? {
              url: row.pull_request_url,
              number: row.pull_request_number,
              state: row.pull_request_state ?? 'open',
              branch: row.pull_request_branch,
            }
          : undefined,
      error: row.error ?? undefined,
    };
  }

  /** The detector output an incident was opened from. */
  async getFailure(id: string): Promise<DetectedFailure | undefined> {
    const row = await this.db('luffy_incidents').where({ id }).first('failure');
    return parseJson(row?.failure);
  }

  async listByStatus(statuses: readonly IncidentStatus[]): Promise<Incident[]> {
    const rows = await this.db('luffy_incidents')
      .whereIn('status', statuses as IncidentStatus[])
      .orderBy('created_at', 'asc');
    return rows.map(toIncident);
  }

  /** The open incident of a workload with a pull request, if any (one open PR per workload). */
  async openPullRequestOf(
    workloadKey: string,
  ): Promise<IncidentDetail | undefined> {
    const [cluster, namespace, workload] = workloadKey.split('/');
    const row = await this.db('luffy_incidents')
      .where({ cluster, namespace, workload, pull_request_state: 'open' })
      .whereIn('status', OPEN_INCIDENT_STATUSES as IncidentStatus[])
      .first('id');
    return row ? this.getDetail(row.id) : undefined;
  }

  // attempts -----------------------------------------------------------------------------

  /**
   * Records an attempt; false when the same fingerprint + patch was attempted before (the
   * unique constraint decides, also across replicas).
   */
  async recordAttempt(
    a: Omit<HealAttempt, 'id' | 'createdAt' | 'outcome' | 'finishedAt'>,
  ): Promise<HealAttempt | undefined> {
    const id = randomUUID();
    await this.db('luffy_heal_attempts')
      .insert({
        id,
        incident_id: a.incidentId,
        workload_key: a.workloadKey,
        fingerprint: a.fingerprint,
        patch_hash: a.patchHash,
        runbook_id: a.runbookId ?? null,
        pull_request_number: a.pullRequestNumber ?? null,
        pull_request_url: a.pullRequestUrl ?? null,
        outcome: 'pending',
        created_at: new Date(),
      })
      .onConflict(['fingerprint', 'patch_hash'])
      .ignore();
    const row = await this.db('luffy_heal_attempts').where({ id }).first();
    return row ? toAttempt(row) : undefined;
  }

  async updateAttempt(
    incidentId: string,
    fields: {
      outcome?: HealAttempt['outcome'];
      pullRequestNumber?: number;
      pullRequestUrl?: string;
    },
  ) {
    await this.db('luffy_heal_attempts')
      .where({ incident_id: incidentId })
      .update({
        ...(fields.outcome ? { outcome: fields.outcome } : {}),
        ...(fields.outcome && fields.outcome !== 'pending'
          ? { finished_at: new Date() }
          : {}),
        ...(fields.pullRequestNumber !== undefined
          ? { pull_request_number: fields.pullRequestNumber }
          : {}),
        ...(fields.pullRequestUrl !== undefined
          ? { pull_request_url: fields.pullRequestUrl }
          : {}),
      });
  }

  async attemptsOf(workloadKey: string, since: Date): Promise<HealAttempt[]> {
    const rows = await this.db('luffy_heal_attempts')
      .where('workload_key', workloadKey)
      .where('created_at', '>=', since)
      .orderBy('created_at', 'asc');
    return rows.map(toAttempt);
  }

  async attemptsSince(since: Date): Promise<number> {
    const [{ n }] = await this.db('luffy_heal_attempts')
      .where('created_at', '>=', since)
      .count({ n: '*' });
    return Number(n);
  }

  /** Outcomes of a runbook's finished heals, newest first. */
  async runbookOutcomes(
    runbookId: string,
    limit = 50,
  ): Promise<Array<'healed' | 'failed'>> {
    const rows = await this.db('luffy_heal_attempts')
      .where('runbook_id', runbookId)
      .whereIn('outcome', ['healed', 'failed'])
      .orderBy('created_at', 'desc')
      .limit(limit);
    return rows.map(r => r.outcome);
  }

  // diagnosis cache ----------------------------------------------------------------------

  async cachedDiagnosis(
    fingerprint: string,
    provider: string,
  ): Promise<Diagnosis | undefined> {
    const row = await this.db('luffy_diagnosis_cache')
      .where({ fingerprint, provider })
      .first();
    return parseJson(row?.diagnosis);
  }

  async cacheDiagnosis(
    fingerprint: string,
    provider: string,
    diagnosis: Diagnosis,
  ) {
    await this.db('luffy_diagnosis_cache')
      .insert({
        fingerprint,
        provider,
        diagnosis: JSON.stringify(diagnosis),
        created_at: new Date(),
      })
      .onConflict(['fingerprint', 'provider'])
      .merge();
  }

  // entity status ------------------------------------------------------------------------

  /**
   * Replaces the stored per-entity settings and errors with those of the last sweep (upserts,
   * then drops entities no longer seen; safe when two replicas sweep at once).
   */
  async setEntityStatuses(statuses: HealingEntityStatus[]) {
    const now = new Date();
    for (let i = 0; i < statuses.length; i += 200) {
      const chunk = statuses.slice(i, i + 200);
      await this.db('luffy_healing_entities')
        .insert(
          chunk.map(s => ({
            entity_ref: s.entityRef,
            autonomy: s.autonomy ?? null,
            errors: JSON.stringify(s.errors),
            updated_at: now,
          })),
        )
        .onConflict('entity_ref')
        .merge();
    }
    const seen = new Set(statuses.map(s => s.entityRef));
    const stored: Array<{ entity_ref: string }> = await this.db(
      'luffy_healing_entities',
    ).select('entity_ref');
    const gone = stored.map(r => r.entity_ref).filter(r => !seen.has(r));
    for (let i = 0; i < gone.length; i += 200) {
      await this.db('luffy_healing_entities')
        .whereIn('entity_ref', gone.slice(i, i + 200))
        .delete();
    }
  }

  async entityStatuses(
    options: { withErrorsOnly?: boolean; entityRef?: string } = {},
  ): Promise<HealingEntityStatus[]> {
    const q = this.db('luffy_healing_entities').orderBy('entity_ref');
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    if (options.withErrorsOnly) q.whereNot('errors', '[]');
    const rows = await q;
    return rows.map(r => ({
      entityRef: r.entity_ref,
      autonomy: r.autonomy ?? undefined,
      errors: JSON.parse(r.errors),
      lastSweepAt: iso(r.updated_at),
    }));
  }
}
