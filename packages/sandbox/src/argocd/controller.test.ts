import type { SandboxContext } from '../core/context';
import { BOT_AUTHOR } from '../seed';
import { ArgoCdController, APPLICATIONS, isSubset } from './controller';
import { parseRepoURL } from './source';
import type { FakeCluster } from './__testUtils__';
import { startSeededArgoContext } from './__testUtils__';
import { waitFor } from '../testing/waitFor';

// loaded CI machines: generous deadlines (no test asserts on durations)
jest.setTimeout(60_000);

describe('ArgoCdController', () => {
  let ctx: SandboxContext;
  let cluster: FakeCluster;
  let dispose: () => void;
  let controller: ArgoCdController | undefined;

  beforeEach(async () => {
    ({ ctx, cluster, dispose } = await startSeededArgoContext('sbx-argoctl-'));
  });

  afterEach(async () => {
    await controller?.stop();
    dispose?.();
  });

  it('recovers operations after a restart', async () => {
    // an operation cut off by a restart, and one requested while the controller was down
    cluster.updateStatus(APPLICATIONS, 'argocd', 'checkout-dev', {
      operationState: {
        phase: 'Running',
        startedAt: new Date().toISOString(),
        operation: { sync: {} },
      },
    });
    const requested = cluster.get(APPLICATIONS, 'argocd', 'recommender-dev')!;
    cluster.update(APPLICATIONS, {
      ...requested,
      operation: {
        sync: { revision: 'main' },
        initiatedBy: { username: 'admin' },
      },
    });
    // no automated sync: only the recovery may act
    for (const name of ['checkout-dev', 'recommender-dev']) {
      const a = cluster.get(APPLICATIONS, 'argocd', name)!;
      delete a.spec.syncPolicy;
      delete a.metadata.resourceVersion;
      cluster.update(APPLICATIONS, a);
    }
    controller = new ArgoCdController(ctx);
    controller.start();
    const interrupted = cluster.get(APPLICATIONS, 'argocd', 'checkout-dev')!;
    expect(interrupted.status.operationState).toMatchObject({
      phase: 'Failed',
      message: expect.stringContaining('interrupted'),
    });
    const done = await waitFor(() => {
      const a = cluster.get(APPLICATIONS, 'argocd', 'recommender-dev')!;
      return a.status?.operationState?.phase === 'Succeeded' ? a : undefined;
    }, 'requested operation to run');
    expect(done.operation).toBeUndefined();
    expect(done.status.history).toHaveLength(1);
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'recommender'),
    ).toBeDefined();
    await waitFor(
      () =>
        cluster.get(APPLICATIONS, 'argocd', 'checkout-dev')!.status?.sync
          ?.status === 'OutOfSync',
      'checkout-dev compared',
    );
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'checkout'),
    ).toBeUndefined();
  });

  it('notices commits that arrive without a push event on the poll', async () => {
    const file = 'apps/checkout/dev/deployment.yaml';
    const text = (await ctx.git.readFile(
      'acme',
      'gitops',
      'main',
      file,
    ))!.toString();
    // the commit is written on a side branch before the controller listens (its push event
    // reaches nobody); main is later moved with plain git, which sends no push event at all
    const sha = await ctx.git.commitFiles('acme', 'gitops', {
      branch: 'side',
      base: 'main',
      message: 'replicas 2',
      author: BOT_AUTHOR,
      files: { [file]: text.replace('replicas: 1', 'replicas: 2') },
    });
    // 30 simulated s = 0.6 s real at time scale 50
    controller = new ArgoCdController(ctx, { pollIntervalMs: 30_000 });
    controller.start();
    const first = await waitFor(
      () => {
        const a = cluster.get(APPLICATIONS, 'argocd', 'checkout-dev')!;
        return a.status?.operationState?.phase === 'Succeeded' ? a : undefined;
      },
      'initial sync',
      30_000,
    );
    expect(first.status.operationState.syncResult.revision).not.toBe(sha);
    await ctx.git.git('acme', 'gitops', ['update-ref', 'refs/heads/main', sha]);
    const synced = await waitFor(
      () => {
        const a = cluster.get(APPLICATIONS, 'argocd', 'checkout-dev')!;
        return a.status?.operationState?.syncResult?.revision === sha
          ? a
          : undefined;
      },
      'poll picks up the commit',
      30_000,
    );
    expect(synced.status.history.at(-1).revision).toBe(sha);
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'checkout')!.spec.replicas,
    ).toBe(2);
  });

  it('parses repo URLs and compares objects as subsets', () => {
    expect(parseRepoURL('http://127.0.0.1:18083/acme/gitops.git')).toEqual({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(parseRepoURL('https://github.example/acme/gitops')).toEqual({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(parseRepoURL('not a url')).toBeUndefined();
    expect(
      isSubset(
        { a: 1, b: [{ c: 'x' }] },
        { a: 1, z: 2, b: [{ c: 'x', d: 1 }] },
      ),
    ).toBe(true);
    expect(isSubset({ b: [{ c: 'x' }] }, { b: [{ c: 'x' }, { c: 'y' }] })).toBe(
      false,
    );
    expect(isSubset({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
  });
});
