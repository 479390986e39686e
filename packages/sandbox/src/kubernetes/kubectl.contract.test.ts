import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { demoDeployment, startTestCluster, waitFor } from './__testUtils__/cluster';

/**
 * What kubectl needs: HTTPS with a CA in a ready kubeconfig, server-side Tables, events.k8s.io
 * events, namespace DELETE answering the Namespace. kubectl itself is run when it is installed
 * (Debian: `apt-get install kubernetes-client`); the same HTTPS + kubeconfig path is always
 * exercised with @kubernetes/client-node loading that kubeconfig.
 */
jest.setTimeout(60000);

const exec = promisify(execFile);
const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find(p =>
  fs.existsSync(p),
);
const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const auth = { authorization: 'Bearer sandbox-kube-token' };

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let c: Cluster;

/**
 * The lines `kubectl --kubeconfig <sandbox kubeconfig> get <args>` prints. Without kubectl
 * installed (CI images need Debian's kubernetes-client for the kubectl variant), the same
 * request kubectl makes — over HTTPS, with the kubeconfig loaded by @kubernetes/client-node —
 * printed the way kubectl prints a Table (upper-case headers, columns of priority 0).
 */
async function kubectlGet(...args: string[]): Promise<string[]> {
  if (kubectlPath) {
    const { stdout } = await exec(
      kubectlPath,
      ['--kubeconfig', c.kubeconfigPath, 'get', ...args],
      { env: { PATH: process.env.PATH, HOME: c.dataDir } },
    );
    return stdout.trim().split('\n');
  }
  const [what, ...rest] = args;
  const ns = rest[0] === '-n' ? rest[1] : undefined;
  const paths: Record<string, string> = {
    pods: `/api/v1/namespaces/${ns}/pods`,
    deployments: `/apis/apps/v1/namespaces/${ns}/deployments`,
    namespace: `/api/v1/namespaces/${rest[0]}`,
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const body = await new Promise<any>((resolve, reject) => {
    https
      .get(
        `${kc.getCurrentCluster()!.server}${paths[what]}`,
        { ...opts, headers: { ...opts.headers, accept: TABLE_ACCEPT } },
        res => {
          let text = '';
          res.on('data', d => (text += d));
          res.on('end', () => resolve(JSON.parse(text)));
        },
      )
      .on('error', reject);
  });
  const shown = body.columnDefinitions
    .map((d: any, i: number) => [d, i])
    .filter(([d]: any) => d.priority === 0);
  return [
    shown.map(([d]: any) => d.name.toUpperCase()).join('   '),
    ...body.rows.map((r: any) =>
      shown.map(([, i]: any) => String(r.cells[i])).join('   '),
    ),
  ];
}

async function healthyPods(namespace: string, app: string, count: number) {
  return waitFor(async () => {
    const list = await c.core.listNamespacedPod({
      namespace,
      labelSelector: `app.kubernetes.io/name=${app}`,
    });
    const pods = list.items.filter(p => !p.metadata?.deletionTimestamp);
    return pods.length === count &&
      pods.every(p => p.status?.containerStatuses?.every(s => s.ready))
      ? pods
      : undefined;
  }, `${count} ready ${app} pods`);
}

beforeAll(async () => {
  c = await startTestCluster(50, { keepData: true });
  await c.core.createNamespace({ body: { metadata: { name: 'acme-dev' } } });
  await c.apps.createNamespacedDeployment({
    namespace: 'acme-dev',
    body: demoDeployment('web', 'acme-dev', { replicas: 2 }) as any,
  });
  await healthyPods('acme-dev', 'web', 2);
});

afterAll(async () => {
  await c.stop();
  fs.rmSync(c.dataDir, { recursive: true, force: true });
});

describe('HTTPS and the kubeconfig', () => {
  it('writes a kubeconfig with the HTTPS server, the CA data and the token', () => {
    const config = parseYaml(fs.readFileSync(c.kubeconfigPath, 'utf8'));
    expect(fs.statSync(c.kubeconfigPath).mode & 0o077).toBe(0);
    const cluster = config.clusters[0].cluster;
    expect(cluster.server).toBe(c.srv.httpsUrl);
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(
      Buffer.from(cluster['certificate-authority-data'], 'base64').toString(),
    ).toBe(fs.readFileSync(`${c.dataDir}/tls/ca.crt`, 'utf8'));
    expect(config.users[0].user).toEqual({ token: 'sandbox-kube-token' });
    expect(config['current-context']).toBe('sandbox');
  });

  it('serves the API over HTTPS to @kubernetes/client-node loading that kubeconfig', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    const pods = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace: 'acme-dev' });
    expect(pods.items).toHaveLength(2);
    // the certificate is really checked: without the sandbox CA the handshake fails
    const untrusted = await new Promise<Error | undefined>(resolve => {
      https
        .get(`${c.srv.httpsUrl}/version`, res => {
          res.resume();
          resolve(undefined);
        })
        .on('error', resolve);
    });
    expect(untrusted?.message).toMatch(/self.signed|unable to verify|certificate/i);
  });

  it(`kubectl get pods and deployments print the API server's columns (${
    kubectlPath ? 'kubectl' : 'kubectl absent: the Table kubectl would print'
  })`, async () => {
    const pods = await kubectlGet('pods', '-n', 'acme-dev');
    expect(pods[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods.slice(1)).toHaveLength(2);
    for (const row of pods.slice(1))
      expect(row).toMatch(/^web-\S+\s+1\/1\s+Running\s+0\s+\d+s$/);
    const deploy = await kubectlGet('deployments', '-n', 'acme-dev');
    expect(deploy[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(deploy[1]).toMatch(/^web\s+2\/2\s+2\s+2\s+\d+s$/);
    const ns = await kubectlGet('namespace', 'acme-dev');
    expect(ns[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    expect(ns[1]).toMatch(/^acme-dev\s+Active\s+\d+s$/);
  });

  it('keeps the CA across restarts, so a kubeconfig written before still works', async () => {
    const ca = fs.readFileSync(`${c.dataDir}/tls/ca.crt`, 'utf8');
    const again = await startTestCluster(50, {
      dataDir: c.dataDir,
      keepData: true,
    });
    try {
      expect(fs.readFileSync(`${c.dataDir}/tls/ca.crt`, 'utf8')).toBe(ca);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(c.kubeconfigPath);
      expect(kc.getCurrentCluster()!.server).toBe(again.srv.httpsUrl);
      const version = await kc.makeApiClient(k8s.VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\./);
    } finally {
      await again.stop();
    }
  });
});

describe('server-side Table output', () => {
  const table = (path: string, accept = TABLE_ACCEPT) =>
    request(c.srv.url).get(path).set(auth).set('Accept', accept);
  const columns = (body: any) =>
    body.columnDefinitions
      .filter((d: any) => d.priority === 0)
      .map((d: any) => d.name);

  it('prints pods as NAME READY STATUS RESTARTS AGE with PartialObjectMetadata rows', async () => {
    const res = await table('/api/v1/namespaces/acme-dev/pods').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    expect(columns(res.body)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(res.body.columnDefinitions[0]).toMatchObject({
      type: 'string',
      format: 'name',
      description: expect.any(String),
    });
    expect(res.body.rows).toHaveLength(2);
    const [row] = res.body.rows;
    expect(row.cells.slice(0, 4)).toEqual([
      row.object.metadata.name,
      '1/1',
      'Running',
      '0',
    ]);
    expect(row.cells[4]).toMatch(/^\d+s$/);
    expect(row.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: expect.objectContaining({
        namespace: 'acme-dev',
        uid: expect.any(String),
      }),
    });

    const full = await table(
      '/api/v1/namespaces/acme-dev/pods?includeObject=Object',
    ).expect(200);
    expect(full.body.rows[0].object).toMatchObject({
      kind: 'Pod',
      apiVersion: 'v1',
      spec: { containers: [expect.objectContaining({ name: 'app' })] },
    });
    const none = await table(
      '/api/v1/namespaces/acme-dev/pods?includeObject=None',
    ).expect(200);
    expect(none.body.rows[0].object).toBeUndefined();
    // a client that prefers plain JSON still gets the list
    const list = await table(
      '/api/v1/namespaces/acme-dev/pods',
      'application/json',
    ).expect(200);
    expect(list.body.kind).toBe('PodList');
  });

  it('prints deployments, replica sets, namespaces and events with their columns', async () => {
    const deploy = await table(
      '/apis/apps/v1/namespaces/acme-dev/deployments',
    ).expect(200);
    expect(columns(deploy.body)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
    ]);
    expect(deploy.body.rows[0].cells.slice(0, 4)).toEqual(['web', '2/2', 2, 2]);

    const rs = await table(
      '/apis/apps/v1/namespaces/acme-dev/replicasets',
    ).expect(200);
    expect(columns(rs.body)).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Age',
    ]);
    expect(rs.body.rows[0].cells.slice(1, 4)).toEqual([2, 2, 2]);

    const ns = await table('/api/v1/namespaces/acme-dev').expect(200);
    expect(columns(ns.body)).toEqual(['Name', 'Status', 'Age']);
    expect(ns.body.rows).toHaveLength(1);
    expect(ns.body.rows[0].cells.slice(0, 2)).toEqual(['acme-dev', 'Active']);

    const events = await table(
      '/api/v1/namespaces/acme-dev/events?fieldSelector=reason%3DStarted',
    ).expect(200);
    expect(columns(events.body)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    expect(events.body.rows[0].cells.slice(1, 4)).toEqual([
      'Normal',
      'Started',
      expect.stringMatching(/^pod\/web-/),
    ]);
  });

  it('sends Table rows on a watch', async () => {
    const res = await fetch(
      `${c.srv.url}/api/v1/namespaces/acme-dev/pods?watch=true&timeoutSeconds=1`,
      { headers: { ...auth, accept: TABLE_ACCEPT } },
    );
    expect(res.status).toBe(200);
    const first = JSON.parse((await res.text()).split('\n')[0]);
    expect(first.type).toBe('ADDED');
    expect(first.object.kind).toBe('Table');
    expect(first.object.rows).toHaveLength(1);
    expect(first.object.rows[0].cells[2]).toBe('Running');
  });
});

describe('events.k8s.io/v1', () => {
  it('is discovered and lists and watches the core events converted', async () => {
    const groups = await request(c.srv.url).get('/apis').set(auth).expect(200);
    expect(
      groups.body.groups.find((g: any) => g.name === 'events.k8s.io'),
    ).toMatchObject({ preferredVersion: { groupVersion: 'events.k8s.io/v1' } });
    const resources = await request(c.srv.url)
      .get('/apis/events.k8s.io/v1')
      .set(auth)
      .expect(200);
    expect(resources.body.resources).toContainEqual(
      expect.objectContaining({ name: 'events', kind: 'Event', namespaced: true }),
    );

    const [pod] = await healthyPods('acme-dev', 'web', 2);
    const api = c.kc.makeApiClient(k8s.EventsV1Api);
    const list = await api.listNamespacedEvent({
      namespace: 'acme-dev',
      fieldSelector: `regarding.name=${pod.metadata!.name},reason=Started`,
    });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      reason: 'Started',
      type: 'Normal',
      note: 'Started container app',
      reportingController: 'kubelet',
      regarding: { kind: 'Pod', name: pod.metadata!.name },
      deprecatedCount: 1,
    });

    const raw = await request(c.srv.url)
      .get('/apis/events.k8s.io/v1/namespaces/acme-dev/events')
      .set(auth)
      .expect(200);
    expect(raw.body).toMatchObject({
      kind: 'EventList',
      apiVersion: 'events.k8s.io/v1',
    });
    expect(raw.body.items.every((e: any) => !('involvedObject' in e))).toBe(
      true,
    );

    const watched = await fetch(
      `${c.srv.url}/apis/events.k8s.io/v1/watch/namespaces/acme-dev/events?timeoutSeconds=1&fieldSelector=regarding.name%3D${pod.metadata!.name}`,
      { headers: auth },
    );
    expect(watched.status).toBe(200);
    const events = (await watched.text())
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) {
      expect(e.type).toBe('ADDED');
      expect(e.object.apiVersion).toBe('events.k8s.io/v1');
      expect(e.object.regarding.name).toBe(pod.metadata!.name);
    }
  });

  it('creates an events.k8s.io/v1 event that core/v1 readers see', async () => {
    const api = c.kc.makeApiClient(k8s.EventsV1Api);
    const created = await api.createNamespacedEvent({
      namespace: 'acme-dev',
      body: {
        metadata: { name: 'web.deploy-check' },
        eventTime: new Date(),
        reportingController: 'openluffy.io/healing',
        reportingInstance: 'luffy-backend',
        action: 'Diagnose',
        reason: 'Diagnosed',
        type: 'Normal',
        note: 'memory limit below demand',
        regarding: { kind: 'Deployment', name: 'web', namespace: 'acme-dev' },
      },
    });
    expect(created.note).toBe('memory limit below demand');
    const core = await c.core.readNamespacedEvent({
      name: 'web.deploy-check',
      namespace: 'acme-dev',
    });
    expect(core).toMatchObject({
      message: 'memory limit below demand',
      involvedObject: { kind: 'Deployment', name: 'web' },
      reportingComponent: 'openluffy.io/healing',
    });
    await request(c.srv.url)
      .post('/apis/events.k8s.io/v1/namespaces/acme-dev/events')
      .set(auth)
      .send(JSON.stringify({ metadata: { name: 'bad' }, note: 'x' }))
      .expect(422);
  });
});

describe('namespace DELETE', () => {
  it('answers the Namespace in phase Terminating, then the namespace and its objects are gone', async () => {
    await c.core.createNamespace({ body: { metadata: { name: 'acme-tmp' } } });
    await c.core.createNamespacedConfigMap({
      namespace: 'acme-tmp',
      body: { metadata: { name: 'x' }, data: { a: '1' } },
    });
    const res = await request(c.srv.url)
      .delete('/api/v1/namespaces/acme-tmp')
      .set(auth)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name: 'acme-tmp',
        deletionTimestamp: expect.stringMatching(/Z$/),
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Terminating' },
    });
    await request(c.srv.url)
      .get('/api/v1/namespaces/acme-tmp')
      .set(auth)
      .expect(404);
    const left = await c.core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.namespace=acme-tmp',
    });
    expect(left.items).toHaveLength(0);

    // the real client reads the answer as a V1Namespace
    await c.core.createNamespace({ body: { metadata: { name: 'acme-tmp2' } } });
    const ns = await c.core.deleteNamespace({ name: 'acme-tmp2' });
    expect((ns as k8s.V1Namespace).status?.phase).toBe('Terminating');
  });
});
