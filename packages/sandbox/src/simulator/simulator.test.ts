import request from 'supertest';
import { BACKSTAGE_KUBERNETES_FAN_OUT } from '../kubernetes/backstageFanOut';
import { Pod } from 'kubernetes-models/v1';
import {
  demoDeployment,
  startTestCluster,
  waitFor,
} from '../kubernetes/__testUtils__/cluster';
import type { MemoryClusterStore } from '../kubernetes/store';

jest.setTimeout(60000);

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let c: Cluster;
const auth = { authorization: 'Bearer sandbox-kube-token' };

beforeAll(async () => {
  c = await startTestCluster(50);
  await c.core.createNamespace({ body: { metadata: { name: 'acme-prod' } } });
});

afterAll(async () => {
  await c.stop();
});

async function podsOf(service: string, ns = 'acme-prod') {
  const list = await c.core.listNamespacedPod({
    namespace: ns,
    labelSelector: `app.kubernetes.io/name=${service}`,
  });
  return list.items.filter(p => !p.metadata?.deletionTimestamp);
}

async function healthy(service: string, count = 1) {
  return waitFor(async () => {
    const pods = await podsOf(service);
    return pods.length === count &&
      pods.every(p => p.status?.containerStatuses?.every(s => s.ready))
      ? pods
      : undefined;
  }, `${service} healthy`);
}

describe('chaos control route', () => {
  it('oom makes a healthy service OOMKilled within seconds; none restores it', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-prod',
      body: demoDeployment('checkout', 'acme-prod', {
        memoryLimit: '256Mi',
        env: [{ name: 'DEMO_MEMORY_DEMAND', value: '150Mi' }],
      }) as any,
    });
    await healthy('checkout');
    const res = await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'checkout', env: 'prod', mode: 'oom' })
      .expect(201);
    expect(res.body).toMatchObject({
      service: 'checkout',
      env: 'prod',
      mode: 'oom',
    });
    expect(res.body.memoryDemandBytes).toBe(384 * 1024 ** 2);
    expect(res.body.matchedPods).toBe(1);
    const listed = await request(c.srv.url).get('/_sandbox/chaos').expect(200);
    expect(listed.body.items).toHaveLength(1);

    const oom = await waitFor(async () => {
      const [p] = await podsOf('checkout');
      const st = p?.status?.containerStatuses?.[0];
      return st?.lastState?.terminated?.reason === 'OOMKilled' ||
        st?.state?.terminated?.reason === 'OOMKilled'
        ? p
        : undefined;
    }, 'OOMKilled');
    expect(() =>
      new Pod(JSON.parse(JSON.stringify(oom))).validate(),
    ).not.toThrow();

    const metrics = await request(c.srv.url)
      .get('/apis/metrics.k8s.io/v1beta1/namespaces/acme-prod/pods')
      .set(auth)
      .expect(200);
    expect(metrics.body.kind).toBe('PodMetricsList');

    await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'checkout', env: 'acme-prod', mode: 'none' })
      .expect(200);
    expect(
      (await request(c.srv.url).get('/_sandbox/chaos')).body.items,
    ).toHaveLength(0);
    const [p] = await healthy('checkout');
    expect(p.status!.containerStatuses![0].restartCount).toBeGreaterThan(0);
  });

  it('missing-env and readiness chaos turn pods unhealthy with the cause in logs and events', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-prod',
      body: demoDeployment('payments', 'acme-prod') as any,
    });
    await healthy('payments');
    await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'payments', env: 'prod', mode: 'missing-env' })
      .expect(201);
    const crashed = await waitFor(async () => {
      const [p] = await podsOf('payments');
      const st = p?.status?.containerStatuses?.[0];
      return st?.state?.waiting?.reason === 'CrashLoopBackOff' &&
        st.lastState?.terminated?.reason === 'Error'
        ? p
        : undefined;
    }, 'crash on missing env');
    const log = await c.core.readNamespacedPodLog({
      name: crashed.metadata!.name!,
      namespace: 'acme-prod',
      previous: true,
    });
    expect(log).toContain(
      'Error: required environment variable DATABASE_URL is not set',
    );

    await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'payments', env: 'prod', mode: 'readiness' })
      .expect(201);
    await waitFor(async () => {
      const events = await c.core.listNamespacedEvent({
        namespace: 'acme-prod',
        fieldSelector: 'reason=Unhealthy',
      });
      return events.items.some(
        e =>
          e.type === 'Warning' && e.message?.includes('Readiness probe failed'),
      );
    }, 'Unhealthy event');
    const d = await waitFor(async () => {
      const dep = await c.apps.readNamespacedDeployment({
        name: 'payments',
        namespace: 'acme-prod',
      });
      const [p] = await podsOf('payments');
      const st = p?.status?.containerStatuses?.[0];
      return st?.state?.running && !st.ready && !dep.status?.readyReplicas
        ? dep
        : undefined;
    }, 'running but not ready');
    expect(d.status?.unavailableReplicas).toBe(1);
    expect(
      d.status?.conditions?.find(x => x.type === 'Available')?.status,
    ).toBe('False');

    await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'payments', env: 'prod', mode: 'none' })
      .expect(200);
    await healthy('payments');
  });

  it('rejects bad chaos requests', async () => {
    const res = await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ service: 'checkout', env: 'prod', mode: 'explode' })
      .expect(400);
    expect(res.body.error).toContain('mode must be one of');
    await request(c.srv.url)
      .post('/_sandbox/chaos')
      .send({ mode: 'oom' })
      .expect(400);
  });
});

describe('simulated behaviours', () => {
  it('DEMO_CRASH_ON_START crash-loops with exponential back-off and a log naming the cause', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-prod',
      body: demoDeployment('crasher', 'acme-prod', {
        env: [{ name: 'DEMO_CRASH_ON_START', value: 'true' }],
      }) as any,
    });
    const p = await waitFor(
      async () => {
        const [pod] = await podsOf('crasher');
        const st = pod?.status?.containerStatuses?.[0];
        return st &&
          st.restartCount >= 2 &&
          st.state?.waiting?.reason === 'CrashLoopBackOff'
          ? pod
          : undefined;
      },
      'two restarts',
      15000,
    );
    const st = p.status!.containerStatuses![0];
    expect(st.state!.waiting!.message).toMatch(
      /^back-off (40s|1m20s) restarting failed container=app pod=crasher-/,
    );
    const log = await c.core.readNamespacedPodLog({
      name: p.metadata!.name!,
      namespace: 'acme-prod',
      previous: true,
    });
    expect(log).toContain('DEMO_CRASH_ON_START');
    const ev = await c.core.listNamespacedEvent({
      namespace: 'acme-prod',
      fieldSelector: `involvedObject.name=${p.metadata!.name},reason=BackOff`,
    });
    expect(ev.items[0].count).toBeGreaterThanOrEqual(2);
  });

  it('a rollout that never becomes available exceeds its progress deadline', async () => {
    const body: any = demoDeployment('stuck', 'acme-prod', {
      memoryLimit: '64Mi',
      env: [{ name: 'DEMO_MEMORY_DEMAND', value: '200Mi' }],
    });
    body.spec.progressDeadlineSeconds = 30;
    await c.apps.createNamespacedDeployment({ namespace: 'acme-prod', body });
    const d = await waitFor(
      async () => {
        const dep = await c.apps.readNamespacedDeployment({
          name: 'stuck',
          namespace: 'acme-prod',
        });
        const p = dep.status?.conditions?.find(x => x.type === 'Progressing');
        return p?.status === 'False' ? dep : undefined;
      },
      'ProgressDeadlineExceeded',
      15000,
    );
    const p = d.status!.conditions!.find(x => x.type === 'Progressing')!;
    expect(p.reason).toBe('ProgressDeadlineExceeded');
    expect(p.message).toMatch(
      /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/,
    );
    expect(d.status?.availableReplicas).toBeUndefined();
    expect(d.status?.unavailableReplicas).toBe(1);
  });

  it('a rollout restart (template annotation patch) replaces the pods', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-prod',
      body: demoDeployment('restarter', 'acme-prod') as any,
    });
    const before = await healthy('restarter');
    await request(c.srv.url)
      .patch('/apis/apps/v1/namespaces/acme-prod/deployments/restarter')
      .set(auth)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send(
        JSON.stringify({
          spec: {
            template: {
              metadata: {
                annotations: {
                  'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
                },
              },
            },
          },
        }),
      )
      .expect(200);
    const after = await waitFor(async () => {
      const pods = await healthy('restarter');
      return pods[0].metadata!.name !== before[0].metadata!.name
        ? pods
        : undefined;
    }, 'new pod after restart');
    expect(
      after[0].metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    ).toBeTruthy();
  });
});

describe('bulk seeding', () => {
  // Figures (settle time, latency while settling, fan-out time) are in bench/sandbox-scale;
  // this test checks the behaviour at that size.
  it('1,000 services × 3 environments stay responsive', async () => {
    const res = await request(c.srv.url)
      .post('/_sandbox/seed/bulk')
      .send({ count: 1000, envs: ['dev', 'preprod', 'prod'] })
      .expect(201);
    expect(res.body.deploymentsCreated).toBe(3000);
    // while the simulator settles 3,000 deployments, the API keeps answering
    let answered = 0;
    let settled = false;
    const idle = c.sim.idle().then(() => {
      settled = true;
    });
    while (!settled) {
      const r = await request(c.srv.url)
        .get('/api/v1/pods')
        .query({ labelSelector: 'backstage.io/kubernetes-id=svc-0042' })
        .set(auth);
      expect(r.status).toBe(200);
      answered++;
    }
    await idle;
    expect(answered).toBeGreaterThan(0);
    const store = c.ctx.cluster as MemoryClusterStore;
    expect(store.count('v1/pods')).toBeGreaterThanOrEqual(3000);

    // Backstage's fan-out for one entity: 13 cluster-wide lists with a label selector
    const results = await Promise.all(
      BACKSTAGE_KUBERNETES_FAN_OUT.map(p =>
        request(c.srv.url)
          .get(p)
          .query({ labelSelector: 'backstage.io/kubernetes-id=svc-0500' })
          .set(auth),
      ),
    );
    for (const r of results) expect(r.status).toBe(200);
    expect(results[0].body.items).toHaveLength(3);
    expect(
      results[0].body.items.every((p: any) => p.status.phase === 'Running'),
    ).toBe(true);
    expect(results[5].body.items).toHaveLength(3);
    const metrics = await request(c.srv.url)
      .get('/apis/metrics.k8s.io/v1beta1/namespaces/load-dev/pods')
      .query({ labelSelector: 'backstage.io/kubernetes-id=svc-0500' })
      .set(auth)
      .expect(200);
    expect(metrics.body.items).toHaveLength(1);
    expect(metrics.body.items[0].containers[0].usage.memory).toMatch(/^\d+Ki$/);
    const cleared = await request(c.srv.url)
      .delete('/_sandbox/seed/bulk')
      .expect(200);
    expect(cleared.body.deletedNamespaces).toEqual([
      'load-dev',
      'load-preprod',
      'load-prod',
    ]);
    await c.sim.idle();
    const left = await request(c.srv.url)
      .get('/apis/apps/v1/deployments')
      .query({ labelSelector: 'openluffy.io/customer=load' })
      .set(auth)
      .expect(200);
    expect(left.body.items).toHaveLength(0);
  });
});
