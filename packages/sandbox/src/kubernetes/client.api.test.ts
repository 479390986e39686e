import * as k8s from '@kubernetes/client-node';
import { Namespace } from 'kubernetes-models/v1';
import {
  demoDeployment,
  runningPods,
  withTestCluster,
  type TestCluster,
  waitFor,
} from './__testUtils__/cluster';

jest.setTimeout(30000);

let c: TestCluster;
withTestCluster(x => (c = x), { namespaces: ['acme-dev'] });

const json = (o: unknown) => JSON.parse(JSON.stringify(o));

describe('Kubernetes API semantics with @kubernetes/client-node', () => {
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
      c,
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
