import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SandboxContext } from '../../core/context';
import { startFamilyServer, type FamilyServer } from '../../http/server';
import { startSimulator } from '../../simulator';
import { createKubernetesFamily } from '..';
import { waitFor } from '../../testing/waitFor';

/** Test helper: a kubernetes family server + simulator on a temp data dir. */
export async function startTestCluster(
  timeScale = 50,
  options: { dataDir?: string; watchHistory?: number; keepData?: boolean } = {},
) {
  const dataDir =
    options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-k8s-'));
  const ctx = new SandboxContext({
    dataDir,
    timeScale,
    seed: false,
    logger: { info() {}, warn() {}, error() {} },
  });
  const srv: FamilyServer = await startFamilyServer(
    ctx,
    createKubernetesFamily(ctx, { watchHistory: options.watchHistory }),
    0,
    '127.0.0.1',
    { httpsPort: 0 },
  );
  const sim = startSimulator(ctx);
  const kc = kubeConfig(srv.url, ctx.tokens.kubernetes);
  return {
    ctx,
    dataDir,
    srv,
    sim,
    kc,
    /** The kubeconfig the family wrote for kubectl (HTTPS, the sandbox CA, the token). */
    kubeconfigPath: path.join(dataDir, 'kubeconfig'),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    async stop() {
      sim.stop();
      await srv.close();
      ctx.clock.dispose();
      if (!options.keepData)
        fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function kubeConfig(server: string, token: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server, skipTLSVerify: true }],
    users: [{ name: 'sandbox', token }],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'sandbox' }],
    currentContext: 'sandbox',
  });
  return kc;
}

/** The shared poller (src/testing/waitFor.ts), re-exported for the cluster tests. */
export { waitFor } from '../../testing/waitFor';

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;

/**
 * Registers a test file's hooks: `beforeAll` starts a test cluster (time scale 50), creates
 * `namespaces` and hands the cluster to `use`; `afterAll` stops it.
 */
export function withTestCluster(
  use: (c: TestCluster) => void,
  options: { namespaces?: string[] } = {},
) {
  let c: TestCluster | undefined;
  beforeAll(async () => {
    c = await startTestCluster(50);
    for (const name of options.namespaces ?? [])
      await c.core.createNamespace({ body: { metadata: { name } } });
    use(c);
  });
  afterAll(async () => {
    await c?.stop();
  });
}

/** The pods of `selector` in `ns` once exactly `count` are Running and Ready (none terminating). */
export async function runningPods(
  c: TestCluster,
  ns: string,
  selector: string,
  count: number,
) {
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

export function demoDeployment(
  name: string,
  namespace: string,
  options: {
    replicas?: number;
    memoryLimit?: string;
    env?: Array<{ name: string; value: string }>;
  } = {},
) {
  const labels = {
    'app.kubernetes.io/name': name,
    'backstage.io/kubernetes-id': name,
    'openluffy.io/env': namespace.replace(/^acme-/, ''),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.acme.example/${name}:1.0.0`,
              env: options.env ?? [],
              resources: {
                requests: { cpu: '50m', memory: '64Mi' },
                limits: { memory: options.memoryLimit ?? '256Mi' },
              },
            },
          ],
        },
      },
    },
  };
}
