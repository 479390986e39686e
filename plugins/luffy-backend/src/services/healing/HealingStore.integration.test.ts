import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { luffyTestDatabaseIds } from '../../tests/databases';
import { HealingStore, type NewHealingIncident } from './HealingStore';

jest.setTimeout(60_000);

const migrationsDir = resolvePackagePath(
  '@openluffy/plugin-luffy-backend',
  'migrations',
);
const databases = TestDatabases.create({ ids: luffyTestDatabaseIds });

const failure: NewHealingIncident = {
  entityRef: 'component:default/checkout',
  cluster: 'sandbox',
  namespace: 'acme-dev',
  workload: 'checkout',
  workloadKind: 'Deployment',
  reason: 'OOMKilled',
  env: 'dev',
  fingerprint: 'fp-1',
  autonomy: 'propose',
  summary: 'container checkout was OOMKilled',
  failure: {
    cluster: 'sandbox',
    namespace: 'acme-dev',
    workload: 'checkout',
    reason: 'OOMKilled',
  },
};

describe.each(databases.eachSupportedId())('HealingStore (%s)', databaseId => {
  let store: HealingStore;
  let knex: Awaited<ReturnType<typeof databases.init>>;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest({ directory: migrationsDir });
    store = HealingStore.fromKnex(knex);
  });

  beforeEach(async () => {
    await knex('luffy_incident_transitions').delete();
    await knex('luffy_incidents').delete();
    await knex('luffy_heal_attempts').delete();
  });

  it('opens one incident per open cluster/namespace/workload/reason, also when raced', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.openIncident(failure)),
    );
    expect(results.filter(r => r.created)).toHaveLength(1);
    expect(new Set(results.map(r => r.incident.id)).size).toBe(1);
    const other = await store.openIncident({
      ...failure,
      reason: 'CrashLoopBackOff',
    });
    expect(other.created).toBe(true);
    const [{ n }] = await knex('luffy_incidents').count({ n: '*' });
    expect(Number(n)).toBe(2);
  });

  it('moves through states with conditional updates: of two racing replicas only one acts', async () => {
    const { incident } = await store.openIncident(failure);
    const [a, b] = await Promise.all([
      store.transition(incident.id, 'detected', 'diagnosing', {
        actor: 'luffy',
        reason: 'replica a',
      }),
      store.transition(incident.id, 'detected', 'diagnosing', {
        actor: 'luffy',
        reason: 'replica b',
      }),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(
      await store.transition(incident.id, 'detected', 'escalated', {
        actor: 'luffy',
        reason: 'late',
      }),
    ).toBeUndefined();
    const healed = await store.transition(
      incident.id,
      ['diagnosing'],
      'healed',
      { actor: 'user:default/alice', reason: 'fixed by hand' },
      {
        diagnosis: {
          provider: 'rules',
          rootCause: 'x',
          confidence: 1,
          evidence: [],
          runbook: '',
          action: 'escalate',
        },
      },
    );
    expect(healed?.status).toBe('healed');
    expect(healed?.resolvedAt).toBeDefined();

    const detail = await store.getDetail(incident.id);
    expect(
      detail.timeline.map(t => `${t.from ?? '-'}>${t.to}:${t.actor}`),
    ).toEqual([
      '->detected:luffy',
      'detected>diagnosing:luffy',
      'diagnosing>healed:user:default/alice',
    ]);
    expect(detail.diagnosis?.rootCause).toBe('x');

    // once final, the same failure may open a new incident
    const again = await store.openIncident(failure);
    expect(again.created).toBe(true);
    expect(again.incident.id).not.toBe(incident.id);
  });

  it('never records the same fingerprint and patch twice, and counts attempts per window', async () => {
    const base = {
      incidentId: 'i',
      workloadKey: 'sandbox/acme-dev/checkout',
      fingerprint: 'fp',
      runbookId: 'raise-memory-limit',
    };
    expect(
      await store.recordAttempt({ ...base, patchHash: 'p1' }),
    ).toBeDefined();
    expect(
      await store.recordAttempt({ ...base, patchHash: 'p1' }),
    ).toBeUndefined();
    expect(
      await store.recordAttempt({ ...base, incidentId: 'j', patchHash: 'p2' }),
    ).toBeDefined();
    expect(
      await store.attemptsOf(base.workloadKey, new Date(Date.now() - 60_000)),
    ).toHaveLength(2);
    expect(
      await store.attemptsOf(base.workloadKey, new Date(Date.now() + 60_000)),
    ).toHaveLength(0);
    await store.updateAttempt('i', { outcome: 'healed' });
    expect(await store.runbookOutcomes('raise-memory-limit')).toEqual([
      'healed',
    ]);
  });

  it('keeps per-entity errors of the last sweep', async () => {
    await store.setEntityStatuses([
      { entityRef: 'component:default/a', errors: [] },
      { entityRef: 'component:default/b', errors: ['bad annotation'] },
    ]);
    expect(
      (await store.entityStatuses({ withErrorsOnly: true })).map(
        s => s.entityRef,
      ),
    ).toEqual(['component:default/b']);
  });

  it('20261204_healing goes down and up again', async () => {
    const db = await databases.init(databaseId);
    await db.migrate.latest({ directory: migrationsDir });
    await db.migrate.down({ directory: migrationsDir });
    expect(await db.schema.hasTable('luffy_heal_attempts')).toBe(false);
    expect(await db.schema.hasColumn('luffy_incidents', 'open_key')).toBe(
      false,
    );
    await db.migrate.latest({ directory: migrationsDir });
    expect(await db.schema.hasColumn('luffy_incidents', 'open_key')).toBe(true);
  });
});
