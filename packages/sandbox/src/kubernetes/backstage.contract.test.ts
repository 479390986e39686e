import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  demoDeployment,
  startTestCluster,
  waitFor,
} from './__testUtils__/cluster';

jest.setTimeout(90000);

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'checkout' },
  },
  spec: { type: 'service', owner: 'team', lifecycle: 'production' },
};

/** Starts Backstage's Kubernetes backend in a child Node process; resolves its URL and auth header. */
async function startBackstage(kubeUrl: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(__dirname, 'contract', 'backstage-backend.cjs')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        SANDBOX_KUBE_URL: kubeUrl,
        SANDBOX_ENTITIES: JSON.stringify([entity]),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', d => {
    stderr += String(d);
  });
  const info = await new Promise<{ port: number; authorization: string }>(
    (resolve, reject) => {
      const lines = createInterface(child.stdout!);
      lines.on('line', line => {
        try {
          const parsed = JSON.parse(line);
          if (parsed.port) resolve(parsed);
        } catch {
          // log output
        }
      });
      child.on('exit', code =>
        reject(new Error(`backend exited ${code}: ${stderr.slice(-2000)}`)),
      );
    },
  );
  return {
    url: `http://127.0.0.1:${info.port}`,
    authorization: info.authorization,
    stop: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}

describe("Backstage's Kubernetes backend (real plugin) against the sandbox", () => {
  it('returns the workloads and pod metrics without errors, and proxies pod logs', async () => {
    const c = await startTestCluster(50);
    const backstage = await startBackstage(c.srv.url).catch(async e => {
      await c.stop();
      throw e;
    });
    try {
      await c.core.createNamespace({
        body: { metadata: { name: 'acme-dev' } },
      });
      await c.apps.createNamespacedDeployment({
        namespace: 'acme-dev',
        body: demoDeployment('checkout', 'acme-dev') as any,
      });
      await waitFor(async () => {
        const d = await c.apps.readNamespacedDeployment({
          name: 'checkout',
          namespace: 'acme-dev',
        });
        return d.status?.availableReplicas === 1;
      }, 'available');

      const res = await fetch(
        `${backstage.url}/api/kubernetes/services/checkout`,
        {
          method: 'POST',
          headers: {
            authorization: backstage.authorization,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ entity }),
        },
      );
      const body = await res.json();
      expect(res.status).toBe(200);
      const [cluster] = body.items;
      expect(cluster.cluster.name).toBe('sandbox');
      expect(cluster.errors).toEqual([]);
      const byType = Object.fromEntries(
        cluster.resources.map((r: any) => [r.type, r.resources]),
      );
      expect(byType.pods).toHaveLength(1);
      expect(byType.deployments).toHaveLength(1);
      expect(byType.replicasets).toHaveLength(1);
      expect(byType.pods[0].status.phase).toBe('Running');
      expect(cluster.podMetrics).toHaveLength(1);
      expect(Number(cluster.podMetrics[0].memory.currentUsage)).toBeGreaterThan(
        0,
      );

      const pod = byType.pods[0].metadata.name;
      const log = await fetch(
        `${backstage.url}/api/kubernetes/proxy/api/v1/namespaces/acme-dev/pods/${pod}/log?container=app&tailLines=5`,
        {
          headers: {
            authorization: backstage.authorization,
            'Backstage-Kubernetes-Cluster': 'sandbox',
          },
        },
      );
      expect(log.status).toBe(200);
      expect(
        (await log.text()).split('\n').filter(Boolean).length,
      ).toBeGreaterThan(0);
    } finally {
      backstage.stop();
      await c.stop();
    }
  });
});
