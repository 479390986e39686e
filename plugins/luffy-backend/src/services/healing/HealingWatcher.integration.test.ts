import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { waitFor } from '@openluffy/sandbox';
import {
  startHealingSandbox,
  type HealingSandbox,
} from './__testUtils__/healingSandbox';
import { HealingWatcher } from './HealingWatcher';

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('detection against the sandbox (watch streams, Flux skip)', () => {
  let h: HealingSandbox;
  let watcher: HealingWatcher;

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    h = await startHealingSandbox({ knex, logger: mockServices.logger.mock() });
  }, 180_000);
  afterAll(async () => {
    await watcher?.stop();
    await h?.stop();
  });

  const openIncident = async (workload: string, namespace: string) =>
    (
      await h.store.listByStatus([
        'detected',
        'diagnosing',
        'diagnosed',
        'awaiting-approval',
        'escalated',
      ])
    ).find(i => i.workload === workload && i.namespace === namespace);

  it('opens the incident of a chaos failure from the watch stream, with no sweep', async () => {
    const sweep = jest.spyOn(h.engine, 'sweep');
    watcher = new HealingWatcher({
      kubernetes: h.clients.kubernetes,
      engine: {
        // detection only: this test is about how the failure is seen, not the pipeline after
        detectWatched: (cluster, objects) =>
          h.engine.detectWatched(cluster, objects, { process: false }),
      },
      detection: h.engine.settings.detection,
      logger: h.logger,
    });
    await watcher.start();
    await watcher.idle();
    expect(watcher.stats.lists).toBe(3);
    await h.control('counters', { method: 'DELETE' });

    const t0 = Date.now();
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'oom' },
    });
    const incident = await waitFor(
      () => openIncident('checkout', 'acme-dev'),
      'the incident of checkout in acme-dev from the watch',
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const ms = Date.now() - t0;
    expect(incident.reason).toMatch(/OOMKilled|CrashLoopBackOff|RestartLoop/);
    expect(sweep).not.toHaveBeenCalled();
    expect(watcher.stats.events).toBeGreaterThan(0);
    // no list or get per event: the streams alone carried the failure
    const { counters } = await h.control('counters?family=kubernetes');
    const requests = Object.entries(counters as Record<string, number>).filter(
      ([k]) => !k.includes('_sandbox') && !/watch/i.test(k),
    );
    expect(requests).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`chaos oom → incident via the watch: ${ms} ms`);
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'none' },
    });
  });

  it('skips Flux cleanly where the cluster does not serve kustomize.toolkit.fluxcd.io/v1', async () => {
    const list = jest.spyOn(h.clients.kubernetes, 'list');
    const first = await h.engine.sweep({ process: false });
    expect(first.clusterErrors).toEqual([]);
    await h.engine.sweep({ process: false });
    const fluxCalls = list.mock.calls
      .map((c, i) => ({ kind: c[0], result: list.mock.results[i] }))
      .filter(c => c.kind.group === 'kustomize.toolkit.fluxcd.io');
    // asked once, answered 404 (no such API group), not asked again on the next sweep
    expect(fluxCalls).toHaveLength(1);
    const [answer] = await fluxCalls[0].result.value;
    expect(answer.error?.name).toBe('NotFoundError');
    list.mockRestore();
  });

  it('relists after 410 Gone (the restarted API server forgot the watch history)', async () => {
    const before = watcher.stats.relists;
    await h.restart();
    await waitFor(
      () => watcher.stats.relists > before,
      'a relist of the watched kinds after the restart',
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    // the caches hold the restarted cluster's objects
    expect(watcher.objects('sandbox').pods?.length).toBeGreaterThan(0);
  });
});
