/*
 * How the sandbox's Kubernetes API holds up as the simulated cluster grows: the request fan-out
 * Backstage's Kubernetes backend makes for one entity (13 cluster-wide lists with a label
 * selector), with 10 and with 1,000 services × 3 environments, side by side; plus the API's
 * latency while the simulator settles 3,000 new deployments.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BACKSTAGE_KUBERNETES_FAN_OUT as FAN_OUT,
  startSandbox,
} from '@openluffy/sandbox';

const ENVS = ['dev', 'preprod', 'prod'];

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openluffy-bench-'));
  const sandbox = await startSandbox({
    dataDir,
    seed: false,
    timeScale: 50,
    ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
    logger: { info() {}, warn() {}, error: console.error },
  });
  const kube = sandbox.urls.kubernetes;
  const headers = { Authorization: `Bearer ${sandbox.ctx.tokens.kubernetes}` };
  const get = async (p: string) => {
    const res = await fetch(`${kube}${p}`, { headers });
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
    return res.json();
  };
  const running = async () =>
    (
      await get(
        '/api/v1/pods?labelSelector=openluffy.io%2Fcustomer%3Dload&fieldSelector=status.phase%3DRunning',
      )
    ).items.length;

  async function seed(count: number) {
    await fetch(`${kube}/_sandbox/seed/bulk`, { method: 'DELETE' });
    const t0 = Date.now();
    const res = await fetch(`${kube}/_sandbox/seed/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count, envs: ENVS }),
    });
    if (!res.ok) throw new Error(`bulk seed: HTTP ${res.status}`);
    const latencies: number[] = [];
    while ((await running()) < count * ENVS.length) {
      const t = Date.now();
      await get(
        '/api/v1/pods?labelSelector=backstage.io%2Fkubernetes-id%3Dsvc-0007',
      );
      latencies.push(Date.now() - t);
    }
    return { settleMs: Date.now() - t0, latencies };
  }

  async function fanOut(reps: number) {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = Date.now();
      await Promise.all(
        FAN_OUT.map(p =>
          get(`${p}?labelSelector=backstage.io%2Fkubernetes-id%3Dsvc-0005`),
        ),
      );
      times.push(Date.now() - t);
    }
    return median(times);
  }

  /**
   * What the cluster holds once settled: objects per kind the fan-out lists, and the
   * resourceVersion of the pod list — a refactor of the store or simulator must leave both as they were.
   */
  async function census() {
    const counts: string[] = [];
    for (const p of [...FAN_OUT, '/api/v1/namespaces']) {
      const n = (await get(p)).items.length;
      if (n) counts.push(`${p.split('/').pop()}=${n}`);
    }
    return `${counts.join(' ')} | pods list resourceVersion ${
      (await get('/api/v1/pods')).metadata.resourceVersion
    }`;
  }

  try {
    const rows: Array<[number, number, number, number]> = [];
    const censuses: string[] = [];
    for (const count of [10, 1000]) {
      const { settleMs, latencies } = await seed(count);
      censuses.push(`${String(count).padStart(10)} | ${await census()}`);
      rows.push([
        count,
        await fanOut(20),
        settleMs,
        latencies.length ? Math.max(...latencies) : 0,
      ]);
    }
    console.log(
      'services×3 | fan-out (13 lists) median ms | settle ms | max API latency while settling ms',
    );
    for (const [count, fan, settle, max] of rows) {
      console.log(
        `${String(count).padStart(10)} | ${String(fan).padStart(27)} | ${String(
          settle,
        ).padStart(9)} | ${String(max).padStart(8)}`,
      );
    }
    console.log('services×3 | objects once settled');
    for (const line of censuses) console.log(line);
    const [small, large] = rows;
    console.log(
      `ratio 1000/10: fan-out ×${(large[1] / Math.max(1, small[1])).toFixed(
        1,
      )} for ×100 services`,
    );
  } finally {
    await sandbox.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
