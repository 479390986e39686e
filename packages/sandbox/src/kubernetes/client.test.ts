import * as k8s from '@kubernetes/client-node';
import { Pod, Event, Namespace } from 'kubernetes-models/v1';
import { Deployment, ReplicaSet } from 'kubernetes-models/apps/v1';
import {
  demoDeployment,
  startTestCluster,
  waitFor,
} from './__testUtils__/cluster';

jest.setTimeout(30000);

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let c: Cluster;

beforeAll(async () => {
  c = await startTestCluster(50);
  await c.core.createNamespace({
    body: { metadata: { name: 'acme-dev' } },
  });
});

afterAll(async () => {
  await c.stop();
});

const json = (o: unknown) => JSON.parse(JSON.stringify(o));

async function runningPods(ns: string, selector: string, count: number) {
  return waitFor(async () => {
    const list = await c.core.listNamespacedPod({
      namespace: ns,
      labelSelector: selector,
    });
    const ready = list.items.filter(
      p =>
        !p.metadata?.deletionTimestamp &&
        p.status?.phase === 'Running' &&
        p.status.conditions?.some(
          x => x.type === 'Ready' && x.status === 'True',
        ),
    );
    return ready.length === count && list.items.length === count
      ? list.items
      : undefined;
  }, `${count} ready pods for ${selector}`);
}

describe('Kubernetes API with @kubernetes/client-node', () => {
  it('creates a deployment whose pods become Running and Ready, and lists them by label', async () => {
    const created = await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('checkout', 'acme-dev', { replicas: 2 }) as any,
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.generation).toBe(1);
    expect(() => new Deployment(json(created)).validate()).not.toThrow();

    const pods = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=checkout',
      2,
    );
    for (const p of pods) {
      expect(() => new Pod(json(p)).validate()).not.toThrow();
      expect(p.metadata?.name).toMatch(/^checkout-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(
        p.status?.containerStatuses?.[0].state?.running?.startedAt,
      ).toBeTruthy();
      expect(p.metadata?.ownerReferences?.[0].kind).toBe('ReplicaSet');
    }
    // cluster-wide with selector (what Backstage's Kubernetes backend calls)
    const all = await c.core.listPodForAllNamespaces({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    });
    expect(all.items).toHaveLength(2);
    const none = await c.core.listPodForAllNamespaces({
      labelSelector: 'backstage.io/kubernetes-id in (nothing,else)',
    });
    expect(none.items).toHaveLength(0);

    const dep = await waitFor(async () => {
      const d = await c.apps.readNamespacedDeployment({
        name: 'checkout',
        namespace: 'acme-dev',
      });
      return d.status?.availableReplicas === 2 &&
        d.status.conditions?.some(
          x =>
            x.type === 'Progressing' && x.reason === 'NewReplicaSetAvailable',
        )
        ? d
        : undefined;
    }, 'deployment available');
    expect(dep.status?.readyReplicas).toBe(2);
    expect(dep.status?.updatedReplicas).toBe(2);
    expect(dep.status?.observedGeneration).toBe(1);
    expect(
      dep.status?.conditions?.find(x => x.type === 'Available')?.status,
    ).toBe('True');
    expect(() => new Deployment(json(dep)).validate()).not.toThrow();

    const rss = await c.apps.listNamespacedReplicaSet({
      namespace: 'acme-dev',
      labelSelector: 'app.kubernetes.io/name=checkout',
    });
    expect(rss.items).toHaveLength(1);
    expect(
      rss.items[0].metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('1');
    expect(() => new ReplicaSet(json(rss.items[0])).validate()).not.toThrow();

    const events = await c.core.listNamespacedEvent({ namespace: 'acme-dev' });
    const reasons = new Set(events.items.map(e => e.reason));
    for (const r of [
      'Scheduled',
      'Pulled',
      'Created',
      'Started',
      'ScalingReplicaSet',
      'SuccessfulCreate',
    ])
      expect(reasons).toContain(r);
    for (const e of events.items)
      expect(() => new Event(json(e)).validate()).not.toThrow();
  });

  it('scales a deployment through the scale subresource and a merge patch', async () => {
    const scale = await c.apps.readNamespacedDeploymentScale({
      name: 'checkout',
      namespace: 'acme-dev',
    });
    expect(scale.spec?.replicas).toBe(2);
    expect(scale.status?.selector).toBe('app.kubernetes.io/name=checkout');
    await c.apps.replaceNamespacedDeploymentScale({
      name: 'checkout',
      namespace: 'acme-dev',
      body: {
        metadata: { name: 'checkout', namespace: 'acme-dev' },
        spec: { replicas: 3 },
      },
    });
    await runningPods('acme-dev', 'app.kubernetes.io/name=checkout', 3);
    await c.apps.patchNamespacedDeployment(
      {
        name: 'checkout',
        namespace: 'acme-dev',
        body: { spec: { replicas: 1 } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await runningPods('acme-dev', 'app.kubernetes.io/name=checkout', 1);
  });

  it('watches pods (ADDED then MODIFIED) and reads logs with tailLines', async () => {
    const seen: Array<{ type: string; phase?: string; name?: string }> = [];
    const watch = new k8s.Watch(c.kc);
    const req = await watch.watch(
      '/api/v1/namespaces/acme-dev/pods',
      { labelSelector: 'app.kubernetes.io/name=watched' },
      (type, obj) =>
        seen.push({
          type,
          phase: obj?.status?.phase,
          name: obj?.metadata?.name,
        }),
      () => {},
    );
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('watched', 'acme-dev') as any,
    });
    await waitFor(
      () => seen.some(e => e.type === 'MODIFIED' && e.phase === 'Running'),
      'MODIFIED Running event',
    );
    expect(seen[0].type).toBe('ADDED');
    expect(seen[0].phase ?? 'Pending').toBe('Pending');
    req.abort();

    const [pod] = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    const log = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
    });
    expect(log).toContain('watched');
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(2);
    const tail = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
      container: 'app',
      tailLines: 1,
    });
    expect(tail.split('\n').filter(Boolean)).toHaveLength(1);
    await expect(
      c.core.readNamespacedPodLog({
        name: pod.metadata!.name!,
        namespace: 'acme-dev',
        previous: true,
      }),
    ).rejects.toMatchObject({ code: 400 });
  });

  it('resumes a watch from a resourceVersion (replays the changes after it)', async () => {
    const list = await c.core.listNamespacedConfigMap({
      namespace: 'acme-dev',
    });
    const rv = list.metadata!.resourceVersion!;
    await c.core.createNamespacedConfigMap({
      namespace: 'acme-dev',
      body: { metadata: { name: 'cm1' }, data: { a: '1' } },
    });
    const seen: string[] = [];
    const watch = new k8s.Watch(c.kc);
    const req = await watch.watch(
      '/api/v1/namespaces/acme-dev/configmaps',
      { resourceVersion: rv },
      (type, obj) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await waitFor(() => seen.includes('ADDED cm1'), 'replayed ADDED');
    req.abort();
    const errors: any[] = [];
    const req2 = await watch.watch(
      '/api/v1/configmaps',
      { resourceVersion: '1' },
      (type, obj) => errors.push({ type, obj }),
      () => {},
    );
    // resourceVersion 1 is still in the history here; a watch from it replays
    await waitFor(() => errors.length > 0, 'replay from rv 1');
    req2.abort();
    expect(seen).toContain('ADDED cm1');
    expect(errors[0].type).toBe('ADDED');
  });

  it('feeds a client-node informer (list, then watch from its resourceVersion) and follows a log', async () => {
    const informer = k8s.makeInformer(
      c.kc,
      '/api/v1/namespaces/acme-dev/pods',
      () =>
        c.core.listNamespacedPod({
          namespace: 'acme-dev',
          labelSelector: 'app.kubernetes.io/name=informed',
        }),
      'app.kubernetes.io/name=informed',
    );
    const added: string[] = [];
    const updated: string[] = [];
    informer.on('add', p => added.push(p.metadata!.name!));
    informer.on('update', p => updated.push(p.status?.phase ?? ''));
    await informer.start();
    try {
      await c.apps.createNamespacedDeployment({
        namespace: 'acme-dev',
        body: demoDeployment('informed', 'acme-dev') as any,
      });
      await waitFor(
        () => added.length === 1 && updated.includes('Running'),
        'informer add + update',
      );
      const cached = informer.list('acme-dev');
      expect(cached).toHaveLength(1);
      expect(cached[0].metadata?.name).toBe(added[0]);
    } finally {
      await informer.stop();
    }

    const [pod] = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=informed',
      1,
    );
    const controller = new AbortController();
    const res = await fetch(
      `${c.srv.url}/api/v1/namespaces/acme-dev/pods/${
        pod.metadata!.name
      }/log?follow=true&tailLines=1`,
      {
        headers: { authorization: 'Bearer sandbox-kube-token' },
        signal: controller.signal,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const reader = res.body!.getReader();
    let text = '';
    // the first chunk is the tail; then a synthesised request line arrives every 15 simulated s
    while (text.split('\n').filter(Boolean).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
  });

  it('a memory limit below DEMO_MEMORY_DEMAND gives OOMKilled + CrashLoopBackOff; a higher limit rolls out healthy pods', async () => {
    const env = [{ name: 'DEMO_MEMORY_DEMAND', value: '180Mi' }];
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('recommender', 'acme-dev', {
        memoryLimit: '128Mi',
        env,
      }) as any,
    });
    const crashed = await waitFor(async () => {
      const list = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=recommender',
      });
      const p = list.items[0];
      const st = p?.status?.containerStatuses?.[0];
      return st &&
        st.restartCount > 0 &&
        st.state?.waiting?.reason === 'CrashLoopBackOff' &&
        st.lastState?.terminated?.reason === 'OOMKilled'
        ? p
        : undefined;
    }, 'OOMKilled + CrashLoopBackOff');
    const st = crashed.status!.containerStatuses![0];
    expect(st.lastState!.terminated!.exitCode).toBe(137);
    expect(st.ready).toBe(false);
    expect(() => new Pod(json(crashed)).validate()).not.toThrow();

    const prev = await c.core.readNamespacedPodLog({
      name: crashed.metadata!.name!,
      namespace: 'acme-dev',
      previous: true,
    });
    expect(prev).toContain('FATAL: out of memory');

    const events = await c.core.listNamespacedEvent({
      namespace: 'acme-dev',
      fieldSelector: `involvedObject.name=${
        crashed.metadata!.name
      },reason=BackOff`,
    });
    expect(events.items).toHaveLength(1);
    expect(events.items[0].type).toBe('Warning');
    expect(events.items[0].message).toContain(
      'Back-off restarting failed container app',
    );

    // fix: raise the limit above the demand (strategic merge patch, containers merged by name)
    await c.apps.patchNamespacedDeployment(
      {
        name: 'recommender',
        namespace: 'acme-dev',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'app', resources: { limits: { memory: '256Mi' } } },
                ],
              },
            },
          },
        },
      },
      k8s.setHeaderOptions(
        'Content-Type',
        k8s.PatchStrategy.StrategicMergePatch,
      ),
    );
    const healthy = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=recommender',
      1,
    );
    expect(healthy[0].spec?.containers[0].resources?.limits?.memory).toBe(
      '256Mi',
    );
    expect(healthy[0].spec?.containers[0].env?.[0].name).toBe(
      'DEMO_MEMORY_DEMAND',
    );
    const dep = await waitFor(async () => {
      const d = await c.apps.readNamespacedDeployment({
        name: 'recommender',
        namespace: 'acme-dev',
      });
      return d.status?.availableReplicas === 1 &&
        d.status.updatedReplicas === 1 &&
        d.status.replicas === 1
        ? d
        : undefined;
    }, 'rollout complete');
    expect(dep.metadata?.generation).toBe(2);
    expect(
      dep.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('2');
    const rss = await c.apps.listNamespacedReplicaSet({
      namespace: 'acme-dev',
      labelSelector: 'app.kubernetes.io/name=recommender',
    });
    const revisions = rss.items.map(r => [
      r.metadata?.annotations?.['deployment.kubernetes.io/revision'],
      r.spec?.replicas,
    ]);
    expect(revisions.sort()).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
  });

  it('a missing required env var crashes with a log line naming it', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('inventory', 'acme-dev', {
        env: [
          { name: 'DEMO_REQUIRED_ENV', value: 'DATABASE_URL,REDIS_URL' },
          { name: 'REDIS_URL', value: 'redis://x' },
        ],
      }) as any,
    });
    const pod = await waitFor(async () => {
      const list = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=inventory',
      });
      const st = list.items[0]?.status?.containerStatuses?.[0];
      return st?.lastState?.terminated?.reason === 'Error'
        ? list.items[0]
        : undefined;
    }, 'crash on missing env');
    expect(
      pod.status!.containerStatuses![0].lastState!.terminated!.exitCode,
    ).toBe(1);
    const log = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
      previous: true,
    });
    expect(log).toContain(
      'Error: required environment variable DATABASE_URL is not set',
    );

    // fix with a full replace (PUT, optimistic concurrency on resourceVersion)
    const current = await c.apps.readNamespacedDeployment({
      name: 'inventory',
      namespace: 'acme-dev',
    });
    current.spec!.template.spec!.containers[0].env!.push({
      name: 'DATABASE_URL',
      value: 'postgres://db/inventory',
    });
    const replaced = await c.apps.replaceNamespacedDeployment({
      name: 'inventory',
      namespace: 'acme-dev',
      body: current,
    });
    expect(replaced.metadata?.generation).toBe(2);
    await runningPods('acme-dev', 'app.kubernetes.io/name=inventory', 1);
    const stale: any = await c.apps
      .replaceNamespacedDeployment({
        name: 'inventory',
        namespace: 'acme-dev',
        body: current,
      })
      .catch(e => e);
    expect(stale.code).toBe(409);
  });

  it('deleting a pod makes the replica set recreate it; deleting a deployment cascades', async () => {
    const [pod] = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    await c.core.deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
    });
    const [replacement] = await runningPods(
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    expect(replacement.metadata!.name).not.toBe(pod.metadata!.name);

    await c.apps.deleteNamespacedDeployment({
      name: 'watched',
      namespace: 'acme-dev',
    });
    await waitFor(async () => {
      const pods = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=watched',
      });
      const rss = await c.apps.listNamespacedReplicaSet({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=watched',
      });
      return pods.items.length === 0 && rss.items.length === 0;
    }, 'cascading delete');
  });

  it('answers 404, 409, 422 and 401 with Status objects like the real API', async () => {
    await expect(
      c.core.readNamespacedPod({ name: 'nope', namespace: 'acme-dev' }),
    ).rejects.toMatchObject({ code: 404 });
    const err404: any = await c.core
      .readNamespacedPod({ name: 'nope', namespace: 'acme-dev' })
      .catch(e => e);
    expect(JSON.parse(err404.body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      details: { name: 'nope', kind: 'pods' },
    });
    const err409: any = await c.core
      .createNamespace({ body: { metadata: { name: 'acme-dev' } } })
      .catch(e => e);
    expect(err409.code).toBe(409);
    expect(JSON.parse(err409.body)).toMatchObject({
      reason: 'AlreadyExists',
      message: 'namespaces "acme-dev" already exists',
    });
    const err422: any = await c.core
      .createNamespacedPod({
        namespace: 'acme-dev',
        body: {
          metadata: { name: 'bad' },
          spec: { containers: [{ image: 'x' } as any] },
        },
      })
      .catch(e => e);
    expect(err422.code).toBe(422);
    expect(JSON.parse(err422.body).reason).toBe('Invalid');
    const errNs: any = await c.core
      .createNamespacedConfigMap({
        namespace: 'missing',
        body: { metadata: { name: 'x' } },
      })
      .catch(e => e);
    expect(errNs.code).toBe(404);
    const stale: any = await c.core
      .replaceNamespacedConfigMap({
        name: 'cm1',
        namespace: 'acme-dev',
        body: { metadata: { name: 'cm1', resourceVersion: '1' }, data: {} },
      })
      .catch(e => e);
    expect(stale.code).toBe(409);
    expect(JSON.parse(stale.body).reason).toBe('Conflict');

    const bad = new k8s.KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: 's', server: c.srv.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 's', cluster: 's', user: 'u' }],
      currentContext: 's',
    });
    const err401: any = await bad
      .makeApiClient(k8s.CoreV1Api)
      .listNamespace()
      .catch(e => e);
    expect(err401.code).toBe(401);
    const raw = await fetch(`${c.srv.url}/api/v1/pods`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      code: 401,
    });
    expect((await fetch(`${c.srv.url}/api/v1/pods`)).status).toBe(401);
    const ns = await c.core.readNamespace({ name: 'acme-dev' });
    expect(() => new Namespace(json(ns)).validate()).not.toThrow();
  });

  it('serves discovery: /version, /api, /apis and APIResourceLists', async () => {
    const get = async (path: string, token = true) => {
      const res = await fetch(`${c.srv.url}${path}`, {
        headers: token ? { authorization: 'Bearer sandbox-kube-token' } : {},
      });
      expect(res.status).toBe(200);
      return res.json();
    };
    expect((await get('/version', false)).gitVersion).toMatch(/^v1\.\d+\./);
    expect((await get('/api')).versions).toEqual(['v1']);
    const groups = (await get('/apis')).groups.map((g: any) => g.name);
    for (const g of [
      'apps',
      'batch',
      'autoscaling',
      'networking.k8s.io',
      'policy',
      'argoproj.io',
      'metrics.k8s.io',
    ])
      expect(groups).toContain(g);
    const apps = await get('/apis/apps/v1');
    expect(apps).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'apps/v1',
    });
    const names = apps.resources.map((r: any) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'deployments',
        'deployments/scale',
        'deployments/status',
        'replicasets',
      ]),
    );
    const core = await get('/api/v1');
    expect(core.resources.find((r: any) => r.name === 'pods')).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      verbs: expect.arrayContaining(['watch']),
    });
    expect(core.resources.map((r: any) => r.name)).toContain('pods/log');
    const apis = await c.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(apis.groups.length).toBeGreaterThan(5);
    const version = await c.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.major).toBe('1');
  });

  it('injected faults reach client-node like the real API (503 Status, connection reset)', async () => {
    const rule = c.ctx.faults.add({
      family: 'kubernetes',
      fault: { kind: 'status', status: 503 },
      until: Date.now() + 60000,
    });
    const err: any = await c.core.listPodForAllNamespaces().catch(e => e);
    expect(err.code).toBe(503);
    expect(JSON.parse(err.body)).toMatchObject({
      kind: 'Status',
      reason: 'ServiceUnavailable',
      code: 503,
    });
    c.ctx.faults.remove(rule.id);
    const down = c.ctx.faults.add({
      family: 'kubernetes',
      fault: { kind: 'down' },
      until: Date.now() + 60000,
    });
    const err2: any = await c.core.listPodForAllNamespaces().catch(e => e);
    expect(err2).toBeInstanceOf(Error);
    expect(err2.code).not.toBe(200);
    expect(String(err2.message ?? err2)).toMatch(
      /fetch failed|socket|ECONNRESET|other side closed/i,
    );
    c.ctx.faults.remove(down.id);
    const ok = await c.core.listPodForAllNamespaces();
    expect(ok.items.length).toBeGreaterThan(0);
  });
});
