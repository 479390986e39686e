/*
 * The healing loop against the in-process sandbox: failure → incident and incident → PR
 * latency (chaos `oom` on checkout in dev seen through the watch streams; on inventory through
 * sweeps back to back alone), GitHub API calls per PR,
 * Kubernetes requests per sweep with 10 and with 1,000 synthetic services × 3 environments
 * side by side (they must not grow with the services), and the process RSS at 1,000 services
 * (sandbox and backend share this process, so it is an upper bound of the backend's).
 */
import knexFactory from 'knex';
import type { Entity } from '@backstage/catalog-model';
import {
  demoEntities,
  startHealingSandbox,
} from '../plugins/luffy-backend/src/services/healing/__testUtils__/healingSandbox';
import { HealingWatcher } from '../plugins/luffy-backend/src/services/healing/HealingWatcher';

const ENVS = ['dev', 'preprod', 'prod'];

function syntheticEntities(count: number): Entity[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `svc-${String(i).padStart(4, '0')}`;
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, annotations: { 'backstage.io/kubernetes-id': name } },
      spec: {
        type: 'service',
        owner: 'platform-team',
        lifecycle: 'production',
      },
    } as Entity;
  });
}

export async function run() {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  let entities: Entity[] = demoEntities();
  const h = await startHealingSandbox({
    knex,
    entities: async () => entities,
    timeScale: 20,
  });
  const byEndpoint = async (family: string) => {
    const { counters: c } = await h.control(`counters?family=${family}`);
    return Object.fromEntries(
      Object.entries(c as Record<string, number>).filter(
        ([k]) => !k.includes('/_sandbox'),
      ),
    );
  };
  const counters = async (family: string) =>
    Object.values(await byEndpoint(family)).reduce((a, v) => a + v, 0);
  try {
    // failure → incident through the watch streams (no sweep), then through sweeps alone
    const watcher = new HealingWatcher({
      kubernetes: h.clients.kubernetes,
      engine: {
        detectWatched: (cluster, objects) =>
          h.engine.detectWatched(cluster, objects, { process: false }),
      },
      detection: h.engine.settings.detection,
      logger: h.logger,
    });
    await watcher.start();
    await watcher.idle();
    const openOf = async (workload: string) =>
      (await h.store.listByStatus(['detected'])).find(
        i => i.workload === workload && i.namespace === 'acme-dev',
      );
    const t0 = Date.now();
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'oom' },
    });
    let incidentAt = 0;
    let incidentId = '';
    while (!incidentId) {
      const found = await openOf('checkout');
      if (found) {
        incidentAt = Date.now();
        incidentId = found.id;
      } else {
        await new Promise(r => setTimeout(r, 20)); // polling the store, not a timing
      }
      if (Date.now() - t0 > 120_000)
        throw new Error('no incident within 2 minutes');
    }
    const watchStats = { ...watcher.stats };
    await watcher.stop();
    console.log(
      `failure → incident via the watch: ${
        incidentAt - t0
      } ms (goal ≤ 2000 at the default time scale; no sweep; ${
        watchStats.events
      } watch events, ${watchStats.lists} seeding lists)`,
    );
    const t1 = Date.now();
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'inventory', env: 'dev', mode: 'oom' },
    });
    let sweepIncidentAt = 0;
    let sweeps = 0;
    while (!sweepIncidentAt) {
      sweeps++;
      const r = await h.engine.sweep({ process: false });
      if (
        (await h.store.listByStatus(['detected'])).some(
          i => i.workload === 'inventory' && r.opened.includes(i.id),
        )
      ) {
        sweepIncidentAt = Date.now();
      }
      if (Date.now() - t1 > 120_000)
        throw new Error('no sweep incident within 2 minutes');
    }
    console.log(
      `failure → incident via sweeps alone: ${
        sweepIncidentAt - t1
      } ms (${sweeps} sweeps back to back; with the scheduler's 10 s period add up to 10 s)`,
    );
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'inventory', env: 'dev', mode: 'none' },
    });
    const before = await byEndpoint('github');
    await h.engine.processIncident(incidentId);
    const prAt = Date.now();
    const after = await byEndpoint('github');
    const delta = Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0);
    const ghCalls = delta.reduce((a, [, v]) => a + v, 0);
    const detail = await h.store.getDetail(incidentId);
    console.log(
      `incident → PR: ${prAt - incidentAt} ms (goal ≤ 10000), status ${
        detail.status
      }, ${detail.pullRequest?.url ?? 'no PR'}`,
    );
    // The pull request's own calls: the base ref, the branch, PUT contents (one file over the
    // version read), the PR and its labels. GET repo (the default branch) is asked once per
    // repository and process.
    const isPrCall = (k: string) =>
      /\/branches\/|\/git\/|\/pulls|\/labels|PUT \S*\/contents/.test(k);
    const isRepoCall = (k: string) => /GET \S*\/repos\/:owner\/:repo$/.test(k);
    const sum = (pick: (k: string) => boolean) =>
      delta.filter(([k]) => pick(k)).reduce((a, [, v]) => a + v, 0);
    console.log(
      `GitHub calls for context + PR: ${ghCalls}; for the PR itself: ${sum(
        isPrCall,
      )} (goal ≤ 5), + ${sum(
        isRepoCall,
      )} GET repo for the default branch (once per repository and process)`,
    );
    for (const [k, v] of delta)
      console.log(
        `  ${v} × ${k}${
          isPrCall(k) ? '  (PR)' : isRepoCall(k) ? '  (once)' : ''
        }`,
      );
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'none' },
    });

    // Kubernetes requests per sweep, 10 vs 1,000 services × 3 environments
    const rows: Array<[number, number, number, number]> = [];
    for (const count of [10, 1000]) {
      await h.control('seed/bulk', { method: 'DELETE' });
      await h.control('seed/bulk', {
        method: 'POST',
        body: { count, envs: ENVS },
      });
      entities = [...demoEntities(), ...syntheticEntities(count)];
      await h.control('counters', { method: 'DELETE' });
      const t = Date.now();
      await h.engine.sweep({ process: false });
      const ms = Date.now() - t;
      rows.push([
        count,
        await counters('kubernetes'),
        ms,
        Math.round(process.memoryUsage().rss / 1024 ** 2),
      ]);
    }
    console.log(
      'services×3 | Kubernetes requests per sweep | sweep ms | RSS MB (sandbox + engine)  (+1 list per cluster every 10 min where Flux is absent)',
    );
    for (const [count, reqs, ms, rss] of rows) {
      console.log(
        `${String(count).padStart(10)} | ${String(reqs).padStart(
          28,
        )} | ${String(ms).padStart(8)} | ${rss}`,
      );
    }
    // the watch caches (informers) at 1,000 services × 3 environments
    const big = new HealingWatcher({
      kubernetes: h.clients.kubernetes,
      engine: { detectWatched: async () => undefined },
      logger: h.logger,
    });
    await big.start();
    await big.idle();
    const cached = Object.values(big.objects('sandbox')).reduce(
      (a, l) => a + l.length,
      0,
    );
    console.log(
      `RSS with the watch caches at 1000 services × 3: ${Math.round(
        process.memoryUsage().rss / 1024 ** 2,
      )} MB (${cached} objects cached; sandbox + engine, goal ≤ 500 MB for the backend)`,
    );
    await big.stop();
    console.log(
      `ratio 1000/10 Kubernetes requests: ×${(
        rows[1][1] / Math.max(1, rows[0][1])
      ).toFixed(1)} for ×100 services`,
    );
  } finally {
    await h.stop();
    await knex.destroy();
  }
}
