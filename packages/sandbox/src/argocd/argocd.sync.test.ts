import type { SandboxContext } from '../core/context';
import type { FakeCluster } from './__testUtils__';
import { APPLICATIONS } from './controller';
import { waitFor } from '../testing/waitFor';
import { argocdFamilyForTest, DEMO_APPS } from './__testUtils__/family';

jest.setTimeout(30_000);

describe('argocd: sync, self-heal, rollback and operations', () => {
  const { state, api, app, commit, readRepo, syncedHealthy } =
    argocdFamilyForTest();
  let ctx: SandboxContext;
  let cluster: FakeCluster;
  let url: string;
  beforeAll(() => {
    ({ ctx, cluster, url } = state);
  });

  it('syncs every seeded application to Synced and Healthy', async () => {
    // argocdFamilyForTest waited for them; here each must still be so
    for (const n of DEMO_APPS) expect(syncedHealthy(n)).toBeDefined();
    const deploy = cluster.get('apps/v1/deployments', 'acme-prod', 'checkout')!;
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'checkout-prod',
      'app.kubernetes.io/name': 'checkout',
      'backstage.io/kubernetes-id': 'checkout',
      'openluffy.io/env': 'prod',
    });
    expect(
      deploy.spec.template.metadata.labels['backstage.io/kubernetes-id'],
    ).toBe('checkout');
    const inv = cluster.get('apps/v1/deployments', 'acme-dev', 'inventory')!;
    expect(inv.metadata.labels!['app.kubernetes.io/instance']).toBe(
      'inventory-dev',
    );
    expect(
      cluster.get(
        'networking.k8s.io/v1/ingresses',
        'acme-preprod',
        'recommender',
      )!.spec.rules[0].host,
    ).toBe('recommender.preprod.acme.example');
  });

  it('a commit makes the app OutOfSync, auto-sync applies it and records history', async () => {
    await waitFor(() => syncedHealthy('checkout-dev'), 'checkout-dev synced');
    const seen: string[] = [];
    const unwatch = cluster.watch(APPLICATIONS, { namespace: 'argocd' }, e => {
      if (
        e.object.metadata.name === 'checkout-dev' &&
        e.object.status?.sync?.status
      )
        seen.push(e.object.status.sync.status);
    });
    const before = app('checkout-dev');
    const file = 'apps/checkout/dev/deployment.yaml';
    const text = await readRepo(file);
    const sha = await commit(
      { [file]: text.replace('memory: 256Mi', 'memory: 300Mi') },
      'Raise checkout memory limit',
    );
    const synced = await waitFor(() => {
      const a = syncedHealthy('checkout-dev');
      return a && a.status.sync.revision === sha ? a : undefined;
    }, 'checkout-dev synced to the new commit');
    unwatch();
    expect(seen).toContain('OutOfSync');
    expect(seen[seen.length - 1]).toBe('Synced');
    expect(synced.status.history).toHaveLength(
      before.status.history.length + 1,
    );
    expect(synced.status.history.at(-1)).toMatchObject({
      revision: sha,
      id: before.status.history.at(-1).id + 1,
    });
    expect(synced.status.operationState).toMatchObject({
      phase: 'Succeeded',
      operation: { initiatedBy: { automated: true } },
      syncResult: { revision: sha },
    });
    const deploy = cluster.get('apps/v1/deployments', 'acme-dev', 'checkout')!;
    expect(
      deploy.spec.template.spec.containers[0].resources.limits.memory,
    ).toBe('300Mi');

    const meta = await api(
      `/api/v1/applications/checkout-dev/revisions/${sha}/metadata`,
    );
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({
      author: 'OpenLuffy Bot <luffy-bot@acme.example>',
      message: 'Raise checkout memory limit',
      tags: [],
    });
    expect(Date.parse(meta.body.date)).not.toBeNaN();

    const events = await api('/api/v1/applications/checkout-dev/events');
    expect(events.body.items.map((e: any) => e.reason)).toContain(
      'OperationCompleted',
    );
  });

  it('self-heals drift in the cluster', async () => {
    await waitFor(
      () => syncedHealthy('recommender-dev'),
      'recommender-dev synced',
    );
    const live = cluster.get('apps/v1/deployments', 'acme-dev', 'recommender')!;
    live.spec.replicas = 7;
    cluster.apply('apps/v1/deployments', live);
    const healed = await waitFor(
      () =>
        cluster.get('apps/v1/deployments', 'acme-dev', 'recommender')!.spec
          .replicas === 1,
      'drift reverted',
    );
    expect(healed).toBe(true);
  });

  it('applies like kubectl apply: fields git does not manage survive a sync', async () => {
    await waitFor(() => syncedHealthy('inventory-dev'), 'inventory-dev synced');
    // what `kubectl rollout restart` does
    const live = cluster.get('apps/v1/deployments', 'acme-dev', 'inventory')!;
    live.spec.template.metadata.annotations = {
      ...(live.spec.template.metadata.annotations ?? {}),
      'kubectl.kubernetes.io/restartedAt': '2026-12-04T18:00:00Z',
    };
    delete live.metadata.resourceVersion;
    cluster.update('apps/v1/deployments', live);
    // not drift: git does not manage that field
    const refreshed = await api(
      '/api/v1/applications/inventory-dev?refresh=normal',
    );
    expect(refreshed.body.status.sync.status).toBe('Synced');
    const file = 'apps/inventory/dev/values.yaml';
    const sha = await commit(
      {
        [file]: (
          await readRepo(file)
        ).replace('replicaCount: 1', 'replicaCount: 2'),
      },
      'inventory dev: two replicas',
    );
    await waitFor(() => {
      const a = syncedHealthy('inventory-dev');
      return a?.status.operationState.syncResult.revision === sha;
    }, 'inventory-dev synced to the commit');
    const after = cluster.get('apps/v1/deployments', 'acme-dev', 'inventory')!;
    expect(after.spec.replicas).toBe(2);
    expect(
      after.spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBe('2026-12-04T18:00:00Z');
  });

  it('refuses a rollback while auto-sync is on, rolls back once it is off', async () => {
    const current = await waitFor(
      () => syncedHealthy('checkout-dev'),
      'checkout-dev synced',
    );
    const history = current.status.history;
    expect(history.length).toBeGreaterThanOrEqual(2);
    const previous = history[history.length - 2];
    const rollback = (id: number) =>
      api('/api/v1/applications/checkout-dev/rollback', {
        method: 'POST',
        body: JSON.stringify({ id }),
      });
    // like Argo CD: FailedPrecondition, and the spec is left alone
    const refused = await rollback(previous.id);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.body).toEqual({
      error: 'rollback cannot be initiated when auto-sync is enabled',
      code: 9,
      message: 'rollback cannot be initiated when auto-sync is enabled',
    });
    expect(app('checkout-dev').spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(app('checkout-dev').status.operationState.phase).toBe('Succeeded');

    // turn auto-sync off: on the root app (it would self-heal the child), then on the child
    const noAuto = JSON.stringify({
      spec: { syncPolicy: { automated: null } },
    });
    for (const name of ['root', 'checkout-dev']) {
      const patched = await api(`/api/v1/applications/${name}`, {
        method: 'PATCH',
        body: JSON.stringify({ patch: noAuto, patchType: 'merge' }),
      });
      expect(patched.status).toBe(200);
    }
    const res = await rollback(previous.id);
    expect(res.status).toBe(200);
    expect(res.body.status.operationState.phase).toBe('Running');
    await waitFor(
      () =>
        cluster.get('apps/v1/deployments', 'acme-dev', 'checkout')!.spec
          .template.spec.containers[0].resources.limits.memory === '256Mi',
      'previous deployment restored',
    );
    const after = await waitFor(() => {
      const a = app('checkout-dev');
      return a.status.operationState.phase === 'Succeeded' &&
        a.status.sync.status === 'OutOfSync'
        ? a
        : undefined;
    }, 'rolled back app OutOfSync with main');
    expect(after.status.history.at(-1).revision).toBe(previous.revision);
    expect((await rollback(999)).status).toBe(400);

    // a manual sync brings it back to main
    const sync = await api('/api/v1/applications/checkout-dev/sync', {
      method: 'POST',
      body: JSON.stringify({ prune: true }),
    });
    expect(sync.status).toBe(200);
    await waitFor(
      () =>
        app('checkout-dev').status.sync.status === 'Synced' &&
        app('checkout-dev').status.operationState.phase === 'Succeeded',
      'manual sync',
    );
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'checkout')!.spec.template
        .spec.containers[0].resources.limits.memory,
    ).toBe('300Mi');

    // auto-sync back on at the root: it restores the child's policy from git
    const auto = await api('/api/v1/applications/root', {
      method: 'PATCH',
      body: JSON.stringify({
        patch: JSON.stringify({
          spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } },
        }),
        patchType: 'merge',
      }),
    });
    expect(auto.status).toBe(200);
    await waitFor(
      () => app('checkout-dev').spec.syncPolicy?.automated?.selfHeal === true,
      'root restores checkout-dev from git',
    );
  });

  it('reports missing resources and prunes removed ones', async () => {
    await waitFor(
      () => syncedHealthy('recommender-prod'),
      'recommender-prod synced',
    );
    await commit(
      { 'apps/recommender/prod/ingress.yaml': null },
      'Drop recommender prod ingress',
    );
    await waitFor(
      () =>
        !cluster.get(
          'networking.k8s.io/v1/ingresses',
          'acme-prod',
          'recommender',
        ),
      'ingress pruned',
    );
    const a = await waitFor(
      () => syncedHealthy('recommender-prod'),
      'synced after prune',
    );
    expect(a.status.resources.map((r: any) => r.kind)).not.toContain('Ingress');
    expect(a.status.operationState.syncResult.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'Ingress', status: 'Pruned' }),
      ]),
    );
    // deleting a live object makes the app Missing until self-heal re-creates it
    const seen: string[] = [];
    const unwatch = cluster.watch(APPLICATIONS, { namespace: 'argocd' }, e => {
      if (e.object.metadata.name === 'recommender-prod')
        seen.push(e.object.status?.health?.status);
    });
    cluster.delete('v1/services', 'acme-prod', 'recommender');
    await waitFor(
      () => cluster.get('v1/services', 'acme-prod', 'recommender'),
      'service re-created',
    );
    unwatch();
    expect(seen).toContain('Missing');
  });

  it('terminates a running operation', async () => {
    ctx.clock.setTimeScale(1);
    try {
      const res = await api('/api/v1/applications/recommender-preprod/sync', {
        method: 'POST',
        body: JSON.stringify({}),
      });
      expect(res.body.status.operationState.phase).toBe('Running');
      const busy = await api('/api/v1/applications/recommender-preprod/sync', {
        method: 'POST',
        body: JSON.stringify({}),
      });
      expect(busy.status).toBe(400);
      expect(busy.body).toEqual({
        error: 'another operation is already in progress',
        code: 9,
        message: 'another operation is already in progress',
      });
      const term = await api(
        '/api/v1/applications/recommender-preprod/operation',
        { method: 'DELETE' },
      );
      expect(term.status).toBe(200);
      expect(app('recommender-preprod').status.operationState).toMatchObject({
        phase: 'Failed',
        message: 'Operation terminated',
      });
      expect(
        (
          await api('/api/v1/applications/recommender-preprod/operation', {
            method: 'DELETE',
          })
        ).status,
      ).toBe(400);
    } finally {
      ctx.clock.setTimeScale(50);
    }
  });

  it('refreshes through the control API', async () => {
    const post = (body: unknown) =>
      fetch(`${url}/_sandbox/argocd/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    await waitFor(
      () => syncedHealthy('inventory-prod'),
      'inventory-prod synced',
    );
    const before = app('inventory-prod').status.reconciledAt as string;
    // the simulated clock has to move past the last reconcile for a new one to show
    await waitFor(
      () => ctx.clock.now().toISOString() > before,
      'simulated clock to move',
    );
    expect((await post({ app: 'inventory-prod' })).status).toBe(202);
    const after = app('inventory-prod').status;
    expect(after.sync.status).toBe('Synced');
    expect(after.reconciledAt > before).toBe(true);
    expect((await post({ app: 'nope' })).status).toBe(404);
    expect((await post({})).status).toBe(202);

    // GET ...?refresh=normal reconciles (and records it) before answering
    await waitFor(
      () => ctx.clock.now().toISOString() > after.reconciledAt,
      'simulated clock to move',
    );
    const refreshed = await api(
      '/api/v1/applications/inventory-prod?refresh=normal',
    );
    expect(refreshed.body.status.reconciledAt > after.reconciledAt).toBe(true);
  });
});
