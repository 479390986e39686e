import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  createRulesDiagnoser,
  type KubernetesAccess,
  type KubernetesWatchEvent,
} from '@openluffy/plugin-luffy-node';
import { waitFor } from '@openluffy/sandbox';
import path from 'node:path';
import { DatabaseLuffyStore } from '../../database/DatabaseLuffyStore';
import { createAuditLog } from '../AuditLog';
import { createLuffyEvents } from '../LuffyEvents';
import { crashingPod, entity, fakes } from './__testUtils__/fakes';
import { readHealingSettings } from './createHealing';
import { HealingEngine } from './HealingEngine';
import { HealingStore } from './HealingStore';
import { HealingWatcher } from './HealingWatcher';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const healthyPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'acme-dev', resourceVersion: '5' },
  status: {
    containerStatuses: [
      {
        name: 'checkout',
        state: { running: { startedAt: new Date().toISOString() } },
        ready: true,
        restartCount: 0,
      },
    ],
  },
});

async function setup(initialPods: any[]) {
  const knex = await databases.init('SQLITE_3');
  await knex.migrate.latest({
    directory: path.resolve(__dirname, '../../../migrations'),
  });
  const logger = mockServices.logger.mock();
  const auditStore = await DatabaseLuffyStore.create({
    database: {
      getClient: async () => knex,
      migrations: { skip: true },
    } as any,
  });
  const store = HealingStore.fromKnex(knex);
  const f = fakes({ pods: initialPods, logs: ['FATAL: out of memory'] });
  // the watch streams of the fake cluster: the test plays the API server
  const streams = new Map<string, (e: KubernetesWatchEvent) => void>();
  const watchCalls: Array<{ plural: string; resourceVersion?: string }> = [];
  const kubernetes = f.clients.kubernetes as unknown as KubernetesAccess & {
    list: jest.Mock;
  };
  kubernetes.list.mockImplementation(async (kind: { plural: string }) => [
    {
      cluster: 'sandbox',
      items: kind.plural === 'pods' ? initialPods : [],
      resourceVersion: '10',
    },
  ]);
  (kubernetes as any).watch = jest.fn((_cluster, kind, opts) => {
    watchCalls.push({
      plural: kind.plural,
      resourceVersion: opts.resourceVersion,
    });
    streams.set(kind.plural, opts.onEvent);
    return { resourceVersion: () => opts.resourceVersion, stop: jest.fn() };
  });
  const engine = new HealingEngine({
    store,
    auditLog: createAuditLog({ store: auditStore, logger }),
    events: createLuffyEvents({ logger }),
    clients: f.clients,
    gitopsRepo: async () => f.repo,
    entities: async () => [entity('checkout', 'observe')],
    diagnoser: createRulesDiagnoser(),
    settings: readHealingSettings(new ConfigReader({})),
    logger,
  });
  const sweep = jest.spyOn(engine, 'sweep');
  const watcher = new HealingWatcher({
    kubernetes,
    engine,
    logger,
    retryMs: 10,
  });
  return { watcher, engine, store, kubernetes, streams, watchCalls, sweep };
}

describe('HealingWatcher', () => {
  it('detects a failure from a watch event, before any sweep, with one list per kind', async () => {
    const t = await setup([healthyPod('checkout-abc12-aaaaa')]);
    await t.watcher.start();
    // one list per cluster and kind seeds the caches; the watches resume from its resourceVersion
    expect(t.kubernetes.list).toHaveBeenCalledTimes(3);
    expect(t.watchCalls).toEqual(
      expect.arrayContaining([
        { plural: 'pods', resourceVersion: '10' },
        { plural: 'replicasets', resourceVersion: '10' },
        { plural: 'deployments', resourceVersion: '10' },
      ]),
    );
    await t.watcher.idle();
    expect(
      await t.store.listByStatus(['detected', 'diagnosing', 'diagnosed']),
    ).toEqual([]);

    // the API server streams the pod going OOMKilled
    t.streams.get('pods')!({
      type: 'MODIFIED',
      cluster: 'sandbox',
      object: crashingPod('checkout', 'OOMKilled') as any,
    });
    const [incident] = await waitFor(async () => {
      const open = await t.store.listByStatus([
        'detected',
        'diagnosing',
        'diagnosed',
      ]);
      return open.length ? open : undefined;
    }, 'an incident opened from the watch event');
    expect(incident).toMatchObject({
      workload: 'checkout',
      reason: 'OOMKilled',
      namespace: 'acme-dev',
    });
    expect(t.sweep).not.toHaveBeenCalled();
    expect(t.kubernetes.list).toHaveBeenCalledTimes(3); // no list per event
    expect(t.watcher.stats).toMatchObject({ events: 1, lists: 3 });
    await t.watcher.stop();
  });

  it('ignores healthy churn: no detection for events without a failure', async () => {
    const t = await setup([]);
    const detect = jest.spyOn(t.engine, 'detectWatched');
    await t.watcher.start();
    await t.watcher.idle();
    detect.mockClear();
    for (let i = 0; i < 5; i++) {
      t.streams.get('pods')!({
        type: 'ADDED',
        cluster: 'sandbox',
        object: healthyPod(`checkout-abc12-p${i}`) as any,
      });
    }
    await t.watcher.idle();
    expect(detect).not.toHaveBeenCalled();
    expect(t.watcher.objects('sandbox').pods).toHaveLength(5);
    await t.watcher.stop();
  });

  it('replaces the cache on RELISTED (410 Gone) and detects over the fresh list', async () => {
    const t = await setup([healthyPod('checkout-abc12-old01')]);
    await t.watcher.start();
    await t.watcher.idle();
    expect(
      t.watcher.objects('sandbox').pods!.map(p => p.metadata?.name),
    ).toEqual(['checkout-abc12-old01']);
    // the access layer relisted after 410 Gone: the old pod is gone, a failing one is there
    t.streams.get('pods')!({
      type: 'RELISTED',
      cluster: 'sandbox',
      items: [crashingPod('checkout', 'OOMKilled') as any],
      resourceVersion: '99',
    });
    expect(
      t.watcher.objects('sandbox').pods!.map(p => p.metadata?.name),
    ).toEqual(['checkout-abc12-xyz99']);
    await waitFor(
      async () =>
        (
          await t.store.listByStatus(['detected', 'diagnosing', 'diagnosed'])
        ).length,
      'an incident from the relisted objects',
    );
    expect(t.watcher.stats.relists).toBe(1);
    expect(t.sweep).not.toHaveBeenCalled();
    await t.watcher.stop();
  });

  it('retries a seeding list that failed (cluster down at start) and then watches it', async () => {
    const t = await setup([crashingPod('checkout', 'OOMKilled')]);
    const ok = t.kubernetes.list.getMockImplementation()!;
    let down = true;
    t.kubernetes.list.mockImplementation(
      async (kind: { plural: string }, opts?: any) =>
        down && kind.plural === 'pods'
          ? [
              {
                cluster: 'sandbox',
                items: [],
                error: new Error('connect ECONNREFUSED'),
              },
            ]
          : ok(kind, opts),
    );
    await t.watcher.start();
    expect(t.watcher.unseeded()).toEqual(['sandbox/pods']);
    expect(t.watchCalls.map(w => w.plural).sort()).toEqual([
      'deployments',
      'replicasets',
    ]);
    down = false;
    await waitFor(() => !t.watcher.unseeded().length, 'the retried pods list');
    expect(t.watchCalls.map(w => w.plural)).toContain('pods');
    // the retried list is detected at once
    await waitFor(
      async () =>
        (
          await t.store.listByStatus(['detected', 'diagnosing', 'diagnosed'])
        ).length,
      'the incident of the pod listed on retry',
    );
    await t.watcher.stop();
  });

  it('coalesces a burst of failing events into few detections', async () => {
    const t = await setup([]);
    const detect = jest.spyOn(t.engine, 'detectWatched');
    await t.watcher.start();
    await t.watcher.idle();
    detect.mockClear();
    for (let i = 0; i < 20; i++) {
      const pod = crashingPod('checkout', 'OOMKilled') as any;
      pod.metadata.name = `checkout-abc12-b${i}`;
      t.streams.get('pods')!({
        type: 'MODIFIED',
        cluster: 'sandbox',
        object: pod,
      });
    }
    await t.watcher.idle();
    expect(detect.mock.calls.length).toBeLessThanOrEqual(2);
    expect(t.watcher.objects('sandbox').pods).toHaveLength(20);
    await t.watcher.stop();
  });
});
