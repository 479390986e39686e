import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxContext } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { createKubernetesFamily } from '../kubernetes';
import { setChaos, startSimulator } from '../simulator';
import { seedGitopsDemo, BOT_AUTHOR } from '../seed';
import { createArgoCdFamily } from '.';
import { APPLICATIONS, type ArgoCdController } from './controller';
import { silent } from './__testUtils__';
import { waitFor as sharedWaitFor } from '../testing/waitFor';

/**
 * End to end with the real cluster store and simulator: the seeded apps become Synced and
 * Healthy; a commit that lowers a memory limit below the demo image's demand drives pods to
 * OOMKilled (app Degraded), a commit that raises it brings them back to Healthy via Argo CD.
 */
jest.setTimeout(60_000);

const waitFor = <T>(fn: () => T | Promise<T>, what: string) =>
  sharedWaitFor(fn, what, { timeoutMs: 30_000, intervalMs: 50 });

describe('argocd with the cluster simulator', () => {
  let dir: string;
  let ctx: SandboxContext;
  let servers: FamilyServer[];
  let sim: { stop(): void };
  let controller: ArgoCdController;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-argocd-sim-'));
    ctx = new SandboxContext({
      dataDir: dir,
      timeScale: 50,
      seed: false,
      logger: silent,
    });
    const kube = createKubernetesFamily(ctx);
    const argo = createArgoCdFamily(ctx);
    controller = argo.controller;
    servers = [
      await startFamilyServer(ctx, kube, 0, '127.0.0.1'),
      await startFamilyServer(ctx, argo, 0, '127.0.0.1'),
    ];
    sim = startSimulator(ctx);
    await seedGitopsDemo(ctx);
  });

  afterAll(async () => {
    sim?.stop();
    for (const s of servers ?? []) await s.close();
    ctx.clock.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const app = (name: string) => ctx.cluster.get(APPLICATIONS, 'argocd', name)!;
  const state = (name: string) => {
    const a = app(name);
    return `${a?.status?.sync?.status}/${a?.status?.health?.status}`;
  };

  it('syncs the demo to Synced/Healthy, then OOMKilled and back through git', async () => {
    const names = ['checkout', 'recommender', 'inventory'].flatMap(s =>
      ['dev', 'preprod', 'prod'].map(e => `${s}-${e}`),
    );
    for (const n of names)
      await waitFor(
        () => state(n) === 'Synced/Healthy',
        `${n} Synced/Healthy (is ${state(n)})`,
      );
    const pods = ctx.cluster.list('v1/pods', {
      namespace: 'acme-prod',
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    }).items;
    expect(pods).toHaveLength(3);
    expect(pods[0].metadata.labels!['app.kubernetes.io/instance']).toBe(
      'checkout-prod',
    );

    const file = 'apps/checkout/dev/deployment.yaml';
    const text = (await ctx.git.readFile(
      'acme',
      'gitops',
      'main',
      file,
    ))!.toString();
    const low = await ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message: 'checkout dev: lower memory limit',
      author: BOT_AUTHOR,
      // a short progress deadline: Argo CD calls the stalled rollout Degraded once it passes
      files: {
        [file]: text
          .replace('memory: 256Mi', 'memory: 128Mi')
          .replace(
            'revisionHistoryLimit: 5',
            'revisionHistoryLimit: 5\n  progressDeadlineSeconds: 30',
          ),
      },
    });
    const degraded = await waitFor(() => {
      const a = app('checkout-dev');
      return a.status?.sync?.revision === low &&
        a.status.health.status === 'Degraded'
        ? a
        : undefined;
    }, `checkout-dev Degraded (is ${state('checkout-dev')})`);
    expect(degraded.status.sync.status).toBe('Synced');
    // the rollout's pods are OOM-killed (checked over time: a pod may be between restarts)
    await waitFor(
      () =>
        ctx.cluster
          .list('v1/pods', {
            namespace: 'acme-dev',
            labelSelector: 'app.kubernetes.io/instance=checkout-dev',
          })
          .items.some(p =>
            (p.status?.containerStatuses ?? []).some(
              (c: any) =>
                c.lastState?.terminated?.reason === 'OOMKilled' ||
                c.state?.terminated?.reason === 'OOMKilled',
            ),
          ),
      'an OOMKilled checkout-dev pod',
    );

    const high = await ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message: 'checkout dev: raise memory limit',
      author: BOT_AUTHOR,
      files: { [file]: text.replace('memory: 256Mi', 'memory: 384Mi') },
    });
    await waitFor(() => {
      const a = app('checkout-dev');
      return (
        a.status?.sync?.revision === high &&
        state('checkout-dev') === 'Synced/Healthy'
      );
    }, `checkout-dev Healthy again (is ${state('checkout-dev')})`);
    expect(
      app('checkout-dev').status.history.map((h: any) => h.revision),
    ).toEqual(expect.arrayContaining([low, high]));
  });

  it('a crash loop without a rollout is Progressing, as in Argo CD, and Healthy when it stops', async () => {
    await waitFor(
      () => state('recommender-preprod') === 'Synced/Healthy',
      'recommender-preprod healthy',
    );
    setChaos(ctx, 'recommender', 'preprod', 'crash');
    await waitFor(
      () => state('recommender-preprod') === 'Synced/Progressing',
      `recommender-preprod Progressing (is ${state('recommender-preprod')})`,
    );
    expect(app('recommender-preprod').status.health.message).toMatch(
      /updated replicas are available/,
    );
    // the pods themselves are Degraded (CrashLoopBackOff) in the resource tree
    const pod = await waitFor(
      () =>
        (
          controller.resourceTree(app('recommender-preprod') as any)
            .nodes as any[]
        ).find(
          n =>
            n.kind === 'Pod' &&
            n.health?.status === 'Degraded' &&
            /CrashLoopBackOff/.test(n.health.message ?? ''),
        ),
      'a crash-looping pod in the tree',
    );
    expect(pod.info).toEqual(
      expect.arrayContaining([
        { name: 'Status Reason', value: 'CrashLoopBackOff' },
      ]),
    );
    setChaos(ctx, 'recommender', 'preprod', 'none');
    await waitFor(
      () => state('recommender-preprod') === 'Synced/Healthy',
      `recommender-preprod Healthy (is ${state('recommender-preprod')})`,
    );
  });

  it('streams pod logs like Argo CD (GET .../logs)', async () => {
    await waitFor(
      () => state('checkout-prod') === 'Synced/Healthy',
      'checkout-prod healthy',
    );
    const url = servers[1].url;
    const get = async (query: string) => {
      const res = await fetch(
        `${url}/api/v1/applications/checkout-prod/logs?${query}`,
        { headers: { Authorization: 'Bearer sandbox-argocd-token' } },
      );
      const text = await res.text();
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        lines: text
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l)),
      };
    };
    const res = await waitFor(async () => {
      const r = await get(
        'namespace=acme-prod&resourceName=checkout&group=apps&version=v1&kind=Deployment&tailLines=5',
      );
      return r.lines.length > 1 ? r : undefined;
    }, 'log lines of checkout-prod');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const last = res.lines.pop();
    expect(last.result.last).toBe(true);
    for (const l of res.lines) {
      expect(l.result).toMatchObject({
        content: expect.any(String),
        timeStamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        podName: expect.stringMatching(/^checkout-/),
        last: false,
      });
    }
    // one pod by name
    const podName = res.lines[0].result.podName;
    const one = await get(`namespace=acme-prod&podName=${podName}&tailLines=2`);
    expect(
      one.lines.slice(0, -1).every(l => l.result.podName === podName),
    ).toBe(true);
    const missing = await get('namespace=acme-prod&podName=nope');
    expect(missing.status).toBe(404);
  });
});
