import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { DatabaseLuffyStore } from './DatabaseLuffyStore';
import type { LuffyStore } from './types';
import { luffyTestDatabaseIds } from '../tests/databases';
import { HealingStore } from '../services/healing/HealingStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: luffyTestDatabaseIds });

describe.each(databases.eachSupportedId())(
  'DatabaseLuffyStore (%s)',
  databaseId => {
    let store: LuffyStore;
    let healing: HealingStore;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      healing = HealingStore.fromKnex(knex);
      store = await DatabaseLuffyStore.create({
        database: mockServices.database({ knex, migrations: { skip: false } }),
      });
    });

    it('stores incidents and filters them by entity and status', async () => {
      const base = {
        cluster: 'sandbox',
        namespace: 'acme-dev',
        reason: 'OOMKilled',
      };
      const a = await store.insertIncident({
        ...base,
        entityRef: 'component:default/checkout',
        key: 'sandbox/acme-dev/checkout/OOMKilled',
        workload: 'checkout',
        status: 'awaiting-approval',
        summary: 'memory limit 128Mi below demand',
      });
      await store.insertIncident({
        ...base,
        entityRef: 'component:default/inventory',
        key: 'sandbox/acme-dev/inventory/OOMKilled',
        workload: 'inventory',
        status: 'healed',
      });

      expect(await store.getIncident(a.id)).toEqual(a);
      expect(a.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);

      const forCheckout = await store.listIncidents({
        entityRef: 'component:default/checkout',
      });
      expect(forCheckout.totalCount).toBe(1);
      expect(forCheckout.items[0].summary).toBe(
        'memory limit 128Mi below demand',
      );

      const awaiting = await store.listIncidents({
        status: ['awaiting-approval'],
      });
      expect(awaiting.items.map(i => i.workload)).toEqual(['checkout']);

      const page = await store.listIncidents({ limit: 1 });
      expect(page.items).toHaveLength(1);
      expect(page.totalCount).toBe(2);
    });

    it('lists the healing fields the detail returns (env, autonomy, PR state, resolvedAt)', async () => {
      const { incident } = await healing.openIncident({
        entityRef: 'component:default/payments',
        cluster: 'sandbox',
        namespace: 'acme-prod',
        workload: 'payments',
        reason: 'OOMKilled',
        env: 'prod',
        fingerprint: 'fp-payments-oom',
        autonomy: 'propose',
        summary: 'payments OOMKilled',
        failure: {
          cluster: 'sandbox',
          namespace: 'acme-prod',
          workload: 'payments',
          reason: 'OOMKilled',
        },
      });
      const meta = { actor: 'luffy', reason: 'test' };
      await healing.transition(incident.id, 'detected', 'diagnosing', meta);
      await healing.transition(
        incident.id,
        'diagnosing',
        'awaiting-approval',
        meta,
        {
          pullRequest: {
            url: 'http://github.test/acme/gitops/pull/7',
            number: 7,
            state: 'open',
            branch: 'luffy/heal-payments-1',
          },
        },
      );
      const listed = async () =>
        (await store.listIncidents({ entityRef: 'component:default/payments' }))
          .items[0];
      expect(await listed()).toMatchObject({
        id: incident.id,
        status: 'awaiting-approval',
        env: 'prod',
        autonomy: 'propose',
        pullRequestState: 'open',
        pullRequestUrl: 'http://github.test/acme/gitops/pull/7',
      });
      expect((await listed()).resolvedAt).toBeUndefined();

      await healing.transition(
        incident.id,
        'awaiting-approval',
        'dismissed',
        meta,
        {
          pullRequest: {
            url: 'http://github.test/acme/gitops/pull/7',
            number: 7,
            state: 'closed',
            branch: 'luffy/heal-payments-1',
          },
        },
      );
      const detail = await healing.getDetail(incident.id);
      const item = await listed();
      expect(item.resolvedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      for (const field of [
        'env',
        'autonomy',
        'pullRequestState',
        'resolvedAt',
        'status',
      ] as const) {
        expect(item[field]).toEqual(detail[field]);
      }
      expect(item.pullRequestState).toBe('closed');
      expect(await store.getIncident(incident.id)).toEqual(item);
    });

    it('throws NotFoundError for an unknown incident', async () => {
      await expect(store.getIncident('nope')).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('appends audit events and lists them newest first with filters', async () => {
      await store.appendAudit({
        actor: 'user:default/alice',
        action: 'operation.restart',
        target: 'component:default/checkout',
        input: { env: 'dev' },
        outcome: 'succeeded',
        durationMs: 42,
      });
      await store.appendAudit({
        actor: 'user:default/guest',
        action: 'pullRequest.merge',
        target: 'component:default/checkout',
        outcome: 'denied',
      });
      const all = await store.listAudit({
        target: 'component:default/checkout',
      });
      expect(all.totalCount).toBe(2);
      expect(all.items.map(e => e.action)).toEqual([
        'pullRequest.merge',
        'operation.restart',
      ]);
      expect(all.items[1].input).toEqual({ env: 'dev' });
      expect(all.items[1].durationMs).toBe(42);
      const alice = await store.listAudit({ actor: 'user:default/alice' });
      expect(alice.items).toHaveLength(1);
    });
  },
);
