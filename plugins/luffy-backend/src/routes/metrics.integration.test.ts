import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type {
  Diagnosis,
  IncidentStatus,
  LuffyMetrics,
} from '@openluffy/plugin-luffy-common';
import type { Knex } from 'knex';
import request from 'supertest';
import { luffyPlugin } from '../plugin';
import { HealingStore } from '../services/healing/HealingStore';
import { luffyTestDatabaseIds } from '../tests/databases';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: luffyTestDatabaseIds });
const MIN = 60_000;
const meta = { actor: 'luffy', reason: 'test' };

const diagnosis = (runbookId?: string): Diagnosis => ({
  provider: 'rules',
  rootCause: 'memory limit below demand',
  confidence: 0.9,
  evidence: [],
  runbook: 'raise the memory limit',
  runbookId,
  action: 'propose',
});

const pullRequest = (state: 'open' | 'merged') => ({
  url: 'http://github.test/acme/gitops/pull/7',
  number: 7,
  state,
  branch: 'luffy/heal',
});

/**
 * Opens an incident, walks it through `path` (status, minutes after detection) with the
 * store's real transitions, then dates the rows so the durations are known.
 */
async function incident(
  knex: Knex,
  store: HealingStore,
  options: {
    entity: string;
    reason: string;
    runbookId?: string;
    path: Array<[IncidentStatus, number, { merged?: boolean }?]>;
  },
) {
  const workload = `${options.entity}-${options.path.length}-${options.reason}`;
  const { incident: opened } = await store.openIncident({
    entityRef: `component:default/${options.entity}`,
    cluster: 'sandbox',
    namespace: 'acme-dev',
    workload,
    reason: options.reason,
    fingerprint: `fp-${workload}`,
    autonomy: 'propose',
    failure: {
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload,
      reason: options.reason,
    },
  });
  let from: IncidentStatus = 'detected';
  for (const [to, , flags] of options.path) {
    const fields =
      to === 'diagnosing'
        ? {}
        : {
            diagnosis: diagnosis(options.runbookId),
            ...(to === 'awaiting-approval' && from === 'diagnosing'
              ? { pullRequest: pullRequest('open') }
              : {}),
            ...(flags?.merged ? { pullRequest: pullRequest('merged') } : {}),
          };
    expect(
      await store.transition(opened.id, from, to, meta, fields),
    ).toBeTruthy();
    from = to;
  }
  const detected = Date.now() - 2 * 60 * MIN;
  const at = (minutes: number) => new Date(detected + minutes * MIN);
  const rows = await knex('luffy_incident_transitions')
    .where({ incident_id: opened.id })
    .orderBy('seq', 'asc');
  await knex('luffy_incident_transitions')
    .where({ seq: rows[0].seq })
    .update({ at: at(0) });
  for (const [k, [, minutes]] of options.path.entries()) {
    await knex('luffy_incident_transitions')
      .where({ seq: rows[k + 1].seq })
      .update({ at: at(minutes) });
  }
  const last = options.path[options.path.length - 1];
  await knex('luffy_incidents')
    .where({ id: opened.id })
    .update({
      created_at: at(0),
      ...(['healed', 'failed', 'escalated', 'dismissed'].includes(last[0])
        ? { resolved_at: at(last[1]) }
        : {}),
    });
}

describe.each(databases.eachSupportedId())('GET /metrics (%s)', databaseId => {
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    ({ server } = await startTestBackend({
      features: [luffyPlugin, mockServices.database.factory({ knex })],
    }));
    const store = HealingStore.fromKnex(knex);
    // healed through a merged PR: opened at +2, merged at +10 (lead 8), healed at +20
    await incident(knex, store, {
      entity: 'checkout',
      reason: 'OOMKilled',
      runbookId: 'raise-memory-limit',
      path: [
        ['diagnosing', 1],
        ['awaiting-approval', 2],
        ['fixing', 10, { merged: true }],
        ['healed', 20],
      ],
    });
    // opened at +1, a merge failed at +3/+4, merged at +13 (lead 12), then failed to heal
    await incident(knex, store, {
      entity: 'checkout',
      reason: 'OOMKilled',
      runbookId: 'raise-memory-limit',
      path: [
        ['diagnosing', 0],
        ['awaiting-approval', 1],
        ['fixing', 3],
        ['awaiting-approval', 4],
        ['fixing', 13, { merged: true }],
        ['failed', 40],
      ],
    });
    // no runbook: escalated, and one that cleared by itself after 6 minutes
    await incident(knex, store, {
      entity: 'inventory',
      reason: 'ImagePullBackOff',
      path: [
        ['diagnosing', 0],
        ['escalated', 1],
      ],
    });
    await incident(knex, store, {
      entity: 'inventory',
      reason: 'CrashLoopBackOff',
      path: [
        ['diagnosing', 0],
        ['diagnosed', 1],
        ['healed', 6],
      ],
    });
    // still waiting: counted as open, in no rate
    await incident(knex, store, {
      entity: 'inventory',
      reason: 'OOMKilled',
      runbookId: 'raise-memory-limit',
      path: [
        ['diagnosing', 0],
        ['awaiting-approval', 1],
      ],
    });
  });

  const get = (query = '') =>
    request(server)
      .get(`/api/luffy/metrics${query}`)
      .set('Authorization', mockCredentials.user.header());

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  it('computes heals, success per runbook, median time to heal and PR lead time', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    const m: LuffyMetrics = res.body;
    expect(m.weeks).toHaveLength(12);
    expect(sum(m.healsPerWeek.map(w => w.heals))).toBe(2);
    expect(sum(m.healsPerWeek.map(w => w.byPullRequest))).toBe(1);
    expect(sum(m.incidentsPerWeek.map(w => w.open))).toBe(1);
    expect(m.timeToHeal).toMatchObject({ count: 2, medianMs: 13 * MIN });
    expect(m.pullRequestLeadTime).toMatchObject({
      count: 2,
      medianMs: 10 * MIN,
    });
    expect(m.runbooks).toEqual([
      {
        key: 'raise-memory-limit',
        kind: 'runbook',
        healed: 1,
        failed: 1,
        escalated: 0,
        successRate: 0.5,
      },
      {
        key: 'CrashLoopBackOff',
        kind: 'reason',
        healed: 1,
        failed: 0,
        escalated: 0,
        successRate: 1,
      },
      {
        key: 'ImagePullBackOff',
        kind: 'reason',
        healed: 0,
        failed: 0,
        escalated: 1,
        successRate: 0,
      },
    ]);
  });

  it('filters by entities like the page (service, owner)', async () => {
    const res = await get('?entity=Component:default/checkout&weeks=4');
    expect(res.status).toBe(200);
    const m: LuffyMetrics = res.body;
    expect(m.weeks).toHaveLength(4);
    expect(m.timeToHeal).toMatchObject({ count: 1, medianMs: 20 * MIN });
    expect(m.pullRequestLeadTime.medianMs).toBe(10 * MIN);
    expect(m.runbooks.map(r => r.key)).toEqual(['raise-memory-limit']);

    const both = await get(
      '?entity=component:default/checkout,component:default/inventory',
    );
    expect(both.body.timeToHeal.count).toBe(2);
    const none = await get('?entity=component:default/nothing');
    expect(none.body).toMatchObject({
      timeToHeal: { count: 0, perWeek: [] },
      pullRequestLeadTime: { count: 0, perWeek: [] },
      runbooks: [],
    });
    expect(none.body.timeToHeal.medianMs).toBeUndefined();
  });

  it('refuses a bad window and requests without credentials', async () => {
    expect((await get('?weeks=0')).status).toBe(400);
    expect((await get('?weeks=abc')).status).toBe(400);
    const anonymous = await request(server)
      .get('/api/luffy/metrics')
      .set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
  });
});
