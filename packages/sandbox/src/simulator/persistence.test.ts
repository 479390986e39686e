import fs from 'node:fs';
import {
  demoDeployment,
  startTestCluster,
  waitFor,
} from '../kubernetes/__testUtils__/cluster';

jest.setTimeout(60000);

describe('state persistence and watch expiry', () => {
  it('restores the cluster after a restart; pods keep their state and crash loops continue', async () => {
    const first = await startTestCluster(50, { keepData: true });
    const { dataDir } = first;
    try {
      await first.core.createNamespace({
        body: { metadata: { name: 'acme-dev' } },
      });
      await first.apps.createNamespacedDeployment({
        namespace: 'acme-dev',
        body: demoDeployment('checkout', 'acme-dev') as any,
      });
      await first.apps.createNamespacedDeployment({
        namespace: 'acme-dev',
        body: demoDeployment('crasher', 'acme-dev', {
          env: [{ name: 'DEMO_CRASH_ON_START', value: 'true' }],
        }) as any,
      });
      await waitFor(async () => {
        const pods = await first.core.listNamespacedPod({
          namespace: 'acme-dev',
        });
        return (
          pods.items.some(
            p => p.status?.containerStatuses?.[0].restartCount! >= 1,
          ) && pods.items.some(p => p.status?.containerStatuses?.[0].ready)
        );
      }, 'one healthy, one crashing');
      first.ctx.persistence.saveAll();
    } finally {
      await first.stop();
    }

    const second = await startTestCluster(50, { dataDir });
    try {
      const healthy = await second.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=checkout',
      });
      expect(healthy.items).toHaveLength(1);
      expect(healthy.items[0].status?.containerStatuses?.[0].ready).toBe(true);
      const log = await second.core.readNamespacedPodLog({
        name: healthy.items[0].metadata!.name!,
        namespace: 'acme-dev',
      });
      expect(log).toContain('checkout');
      const before = (
        await second.core.listNamespacedPod({
          namespace: 'acme-dev',
          labelSelector: 'app.kubernetes.io/name=crasher',
        })
      ).items[0].status!.containerStatuses![0].restartCount;
      await waitFor(async () => {
        const p = (
          await second.core.listNamespacedPod({
            namespace: 'acme-dev',
            labelSelector: 'app.kubernetes.io/name=crasher',
          })
        ).items[0];
        return p.status!.containerStatuses![0].restartCount > before;
      }, 'crash loop continues after restart');
    } finally {
      await second.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a watch from a resourceVersion older than the history gets an ERROR event with 410 Expired', async () => {
    const c = await startTestCluster(50, { watchHistory: 5 });
    try {
      for (let i = 0; i < 20; i++)
        await c.core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: `cm${i}` } },
        });
      const res = await fetch(
        `${c.srv.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2`,
        { headers: { authorization: 'Bearer sandbox-kube-token' } },
      );
      expect(res.status).toBe(200);
      const line = JSON.parse((await res.text()).trim());
      expect(line).toMatchObject({
        type: 'ERROR',
        object: { kind: 'Status', code: 410, reason: 'Expired' },
      });

      // watch-list (sendInitialEvents): current state, then a bookmark marking its end
      const controller = new AbortController();
      const wl = await fetch(
        `${c.srv.url}/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
        {
          headers: { authorization: 'Bearer sandbox-kube-token' },
          signal: controller.signal,
        },
      );
      const reader = wl.body!.getReader();
      let text = '';
      while (!text.includes('initial-events-end')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      controller.abort();
      const events = text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(events.filter(e => e.type === 'ADDED')).toHaveLength(20);
      expect(events[events.length - 1]).toMatchObject({
        type: 'BOOKMARK',
        object: {
          metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
      });
    } finally {
      await c.stop();
    }
  });
});
