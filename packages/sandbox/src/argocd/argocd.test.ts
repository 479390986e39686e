import YAML from 'yaml';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { SandboxContext } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { createArgoCdFamily } from '.';
import type { FakeCluster } from './__testUtils__';
import { BOT_AUTHOR } from '../seed';
import { APPLICATIONS } from './controller';
import { startSeededArgoContext } from './__testUtils__';
import { waitFor } from '../testing/waitFor';

const TOKEN = 'sandbox-argocd-token';
// what Roadie's Argo CD backend sends (cross-fetch)
const HEADERS = {
  Authorization: `Bearer ${TOKEN}`,
  'Content-Type': 'application/json',
  Accept: '*/*',
  'User-Agent': 'node-fetch/1.0',
};

jest.setTimeout(30_000);

describe('argocd family', () => {
  let ctx: SandboxContext;
  let cluster: FakeCluster;
  let dispose: () => void;
  let srv: FamilyServer;
  let url: string;

  const api = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${p}`, {
      ...init,
      headers: { ...HEADERS, ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      headers: res.headers,
    };
  };
  const app = (name: string) => cluster.get(APPLICATIONS, 'argocd', name)!;
  const commit = (files: Record<string, string | null>, message = 'change') =>
    ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message,
      author: BOT_AUTHOR,
      files,
    });
  const readRepo = async (p: string) =>
    (await ctx.git.readFile('acme', 'gitops', 'main', p))!.toString();
  const syncedHealthy = (name: string) => {
    const a = app(name);
    return a?.status?.sync?.status === 'Synced' &&
      a.status.health?.status === 'Healthy' &&
      !a.operation &&
      a.status.operationState?.phase === 'Succeeded'
      ? a
      : undefined;
  };

  beforeAll(async () => {
    ({ ctx, cluster, dispose } = await startSeededArgoContext('sbx-argocd-'));
    srv = await startFamilyServer(ctx, createArgoCdFamily(ctx), 0, '127.0.0.1');
    url = srv.url;
  });

  afterAll(async () => {
    await srv?.close();
    dispose?.();
  });

  it('syncs every seeded application to Synced and Healthy', async () => {
    const names = ['checkout', 'recommender', 'inventory'].flatMap(s =>
      ['dev', 'preprod', 'prod'].map(e => `${s}-${e}`),
    );
    for (const n of names)
      await waitFor(() => syncedHealthy(n), `${n} Synced/Healthy`);
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

  it('serves applications with the fields Roadie needs, validated by the Argo CD schema', async () => {
    const { status, body } = await api('/api/v1/applications/checkout-dev');
    expect(status).toBe(200);
    expect(() => new Application(body).validate()).not.toThrow();
    expect(body.metadata).toMatchObject({
      name: 'checkout-dev',
      namespace: 'argocd',
    });
    expect(body.status.sync.status).toBe('Synced');
    expect(body.status.sync.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(body.status.health.status).toBe('Healthy');
    expect(body.status.operationState.startedAt).toEqual(expect.any(String));
    expect(body.status.operationState.finishedAt).toEqual(expect.any(String));
    expect(body.status.history[0]).toMatchObject({
      id: 0,
      revision: body.status.sync.revision,
      deployStartedAt: expect.any(String),
      deployedAt: expect.any(String),
      source: { path: 'apps/checkout/dev', targetRevision: 'main' },
    });
    expect(body.status.summary.images).toEqual([
      'registry.acme.example/checkout:1.4.2',
    ]);
    expect(body.status.sourceType).toBe('Directory');
    expect(body.status.reconciledAt).toEqual(expect.any(String));
    expect(
      body.status.resources.map((r: any) => `${r.kind}/${r.name}:${r.status}`),
    ).toEqual([
      'Service/checkout:Synced',
      'Deployment/checkout:Synced',
      'Ingress/checkout:Synced',
    ]);
    expect(body.status.resources[1]).toMatchObject({
      group: 'apps',
      version: 'v1',
      namespace: 'acme-dev',
      health: { status: 'Healthy' },
    });

    const helm = await api('/api/v1/applications/inventory-prod');
    expect(helm.body.status.sourceType).toBe('Helm');
    expect(() => new Application(helm.body).validate()).not.toThrow();
  });

  it('lists with selector, name and project filters', async () => {
    const sel = await api(
      `/api/v1/applications?selector=${encodeURIComponent(
        'backstage-name=checkout',
      )}`,
    );
    expect(sel.status).toBe(200);
    expect(sel.body.metadata.resourceVersion).toEqual(expect.any(String));
    expect(sel.body.items.map((a: any) => a.metadata.name)).toEqual([
      'checkout-dev',
      'checkout-preprod',
      'checkout-prod',
    ]);
    for (const item of sel.body.items)
      expect(() => new Application(item).validate()).not.toThrow();
    const env = await api(
      `/api/v1/applications?selector=${encodeURIComponent(
        'openluffy.io/env=prod,backstage-name in (inventory,recommender)',
      )}`,
    );
    expect(env.body.items.map((a: any) => a.metadata.name)).toEqual([
      'inventory-prod',
      'recommender-prod',
    ]);
    const none = await api(
      '/api/v1/applications?selector=backstage-name%3Dnope',
    );
    expect(none.body.items).toEqual([]);
    const byName = await api('/api/v1/applications?name=recommender-dev');
    expect(byName.body.items).toHaveLength(1);
    // the nine demo apps and the root app (app of apps) that manages them
    expect(
      (await api('/api/v1/applications?projects=default')).body.items,
    ).toHaveLength(10);
    expect(
      (await api('/api/v1/applications?projects=other')).body.items,
    ).toEqual([]);
  });

  it('answers 404 for unknown apps and 401 without the token', async () => {
    const nf = await api('/api/v1/applications/example-website');
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({
      error: 'applications.argoproj.io "example-website" not found',
      code: 5,
      message: 'applications.argoproj.io "example-website" not found',
    });
    const noAuth = await fetch(`${url}/api/v1/applications`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({
      code: 16,
      error: expect.stringContaining('no session information'),
    });
    const bad = await api('/api/v1/applications', {
      headers: { Authorization: 'Bearer x' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toMatch(/^invalid session: /);

    const wrong = await api('/api/v1/session', {
      method: 'POST',
      body: JSON.stringify({ username: 'admin', password: 'x' }),
    });
    expect(wrong.status).toBe(401);
    const session = await api('/api/v1/session', {
      method: 'POST',
      headers: { Authorization: '' },
      body: JSON.stringify({
        username: 'admin',
        password: 'sandbox-argocd-password',
      }),
    });
    expect(session.body).toEqual({ token: TOKEN });
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

  it('serves the resource tree and managed resources', async () => {
    const deploy = cluster.get(
      'apps/v1/deployments',
      'acme-preprod',
      'checkout',
    )!;
    const rs = cluster.create('apps/v1/replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'checkout-6d4cf56db6',
        namespace: 'acme-preprod',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'checkout',
            uid: deploy.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
      },
      status: { readyReplicas: 2, replicas: 2, observedGeneration: 1 },
    });
    cluster.create('v1/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'checkout-6d4cf56db6-abcde',
        namespace: 'acme-preprod',
        labels: { 'app.kubernetes.io/name': 'checkout' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            uid: rs.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: {
        containers: [
          { name: 'checkout', image: 'registry.acme.example/checkout:1.4.2' },
        ],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'checkout',
            ready: true,
            restartCount: 0,
            state: { running: {} },
          },
        ],
      },
    });
    const tree = await api(
      '/api/v1/applications/checkout-preprod/resource-tree',
    );
    expect(tree.status).toBe(200);
    const byKind = (k: string) =>
      tree.body.nodes.find((n: any) => n.kind === k);
    expect(byKind('Deployment')).toMatchObject({
      group: 'apps',
      name: 'checkout',
      health: { status: 'Healthy' },
    });
    expect(byKind('ReplicaSet').parentRefs).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'checkout',
        uid: deploy.metadata.uid,
      }),
    ]);
    expect(byKind('Pod')).toMatchObject({
      parentRefs: [
        expect.objectContaining({ kind: 'ReplicaSet', uid: rs.metadata.uid }),
      ],
      health: { status: 'Healthy' },
      images: ['registry.acme.example/checkout:1.4.2'],
    });

    const one = await api(
      '/api/v1/applications/checkout-preprod/resource?namespace=acme-preprod&resourceName=checkout&group=apps&version=v1&kind=Deployment',
    );
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body.manifest).metadata.uid).toBe(
      deploy.metadata.uid,
    );
    expect(
      (
        await api(
          '/api/v1/applications/checkout-preprod/resource?namespace=acme-dev&resourceName=checkout&group=apps&version=v1&kind=Deployment',
        )
      ).status,
    ).toBe(404);

    const managed = await api(
      '/api/v1/applications/checkout-preprod/managed-resources',
    );
    expect(managed.status).toBe(200);
    const d = managed.body.items.find((i: any) => i.kind === 'Deployment');
    expect(JSON.parse(d.liveState).metadata.uid).toBe(deploy.metadata.uid);
    expect(JSON.parse(d.targetState).spec.replicas).toBe(2);
  });

  it('fails clearly on Helm templates outside the subset', async () => {
    const tpl = 'charts/service/templates/configmap.yaml';
    const sha = await commit(
      {
        [tpl]:
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ lookup "v1" "Secret" "" "" }}\n',
      },
      'Add a configmap using lookup',
    );
    const broken = await waitFor(() => {
      const a = app('inventory-dev');
      return a.status.sync.status === 'Unknown' ? a : undefined;
    }, 'inventory-dev comparison error');
    expect(broken.status.conditions[0]).toMatchObject({
      type: 'ComparisonError',
      message: expect.stringContaining(
        'function "lookup" not defined (not in the sandbox Helm subset)',
      ),
    });
    const sync = await api('/api/v1/applications/inventory-dev/sync', {
      method: 'POST',
      body: JSON.stringify({}),
    });
    expect(sync.status).toBe(200);
    const failed = await waitFor(() => {
      const a = app('inventory-dev');
      return a.status.operationState.phase === 'Error' ? a : undefined;
    }, 'sync error');
    expect(failed.status.operationState.message).toMatch(
      /^ComparisonError: .*lookup/,
    );
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    await commit({ [tpl]: null }, 'Remove the broken configmap');
    await waitFor(() => {
      const a = app('inventory-dev');
      return (
        a.status.sync.status === 'Synced' &&
        a.status.health.status === 'Healthy' &&
        !a.status.conditions?.length
      );
    }, 'inventory-dev Synced again');
  });

  it('creates, updates and deletes Applications committed to argocd/apps/ (app of apps)', async () => {
    const child = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'payments-dev',
        namespace: 'argocd',
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
        labels: { 'backstage-name': 'payments', 'openluffy.io/env': 'dev' },
      },
      spec: {
        project: 'default',
        source: {
          repoURL: 'http://127.0.0.1:18083/acme/gitops.git',
          path: 'apps/payments/dev',
          targetRevision: 'main',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'acme-dev',
        },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    const paymentsDeploy = YAML.parse(
      (await readRepo('apps/checkout/dev/deployment.yaml')).replace(
        /checkout/g,
        'payments',
      ),
    );
    await commit(
      {
        'apps/payments/dev/deployment.yaml': YAML.stringify(paymentsDeploy),
        'argocd/apps/payments-dev.yaml': YAML.stringify(child),
      },
      'Onboard payments',
    );
    await waitFor(
      () => syncedHealthy('payments-dev'),
      'child app created by root and synced',
      15_000,
    );
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'payments')!.metadata
        .labels!['app.kubernetes.io/instance'],
    ).toBe('payments-dev');
    expect(
      app('payments-dev').metadata.labels!['app.kubernetes.io/instance'],
    ).toBe('root');
    await waitFor(() => syncedHealthy('root'), 'root synced');
    expect(
      app('root').status.resources.find(
        (r: any) => r.kind === 'Application' && r.name === 'payments-dev',
      ),
    ).toMatchObject({ status: 'Synced', health: { status: 'Healthy' } });

    // updated from git
    await commit(
      {
        'argocd/apps/payments-dev.yaml': YAML.stringify({
          ...child,
          metadata: {
            ...child.metadata,
            labels: { ...child.metadata.labels, team: 'payments' },
          },
        }),
      },
      'Label payments-dev',
    );
    await waitFor(
      () => app('payments-dev')?.metadata.labels?.team === 'payments',
      'child app updated by root',
    );

    // deleted from git: pruned by root, and its workload with it (resources finalizer)
    await commit(
      { 'argocd/apps/payments-dev.yaml': null },
      'Drop payments-dev',
    );
    await waitFor(
      () =>
        !app('payments-dev') &&
        !cluster.get('apps/v1/deployments', 'acme-dev', 'payments'),
      'child app and its deployment deleted',
    );
    expect((await api('/api/v1/applications/payments-dev')).status).toBe(404);
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'checkout'),
    ).toBeDefined();
  });

  it('creates applications through the API and deletes with cascade', async () => {
    const body = {
      metadata: {
        name: 'payments-api',
        labels: { 'backstage-name': 'payments' },
      },
      spec: {
        project: 'default',
        source: {
          repoURL: 'http://127.0.0.1:18083/acme/gitops.git',
          path: 'apps/payments/dev',
          targetRevision: 'main',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'acme-dev',
        },
        syncPolicy: { automated: { prune: true } },
      },
    };
    const created = await api('/api/v1/applications', {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(200);
    expect(created.body.metadata.name).toBe('payments-api');
    const same = await api('/api/v1/applications', {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(same.status).toBe(200);
    const again = await api('/api/v1/applications', {
      method: 'POST',
      body: JSON.stringify({
        ...body,
        spec: { ...body.spec, source: { ...body.spec.source, path: 'x' } },
      }),
    });
    expect(again.status).toBe(400);
    await waitFor(() => syncedHealthy('payments-api'), 'payments-api synced');
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'payments'),
    ).toBeDefined();
    const del = await api('/api/v1/applications/payments-api', {
      method: 'DELETE',
    });
    expect(del.status).toBe(200);
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'payments'),
    ).toBeUndefined();
    expect((await api('/api/v1/applications/payments-api')).status).toBe(404);
  });

  it('manages projects', async () => {
    const list = await api('/api/v1/projects');
    expect(list.body.items.map((p: any) => p.metadata.name)).toEqual([
      'default',
    ]);
    const created = await api('/api/v1/projects', {
      method: 'POST',
      body: JSON.stringify({
        project: {
          metadata: { name: 'acme' },
          spec: {
            sourceRepos: ['*'],
            destinations: [{ namespace: 'acme-*', server: '*' }],
          },
        },
      }),
    });
    expect(created.status).toBe(200);
    expect((await api('/api/v1/projects')).body.items).toHaveLength(2);
    expect((await api('/api/v1/projects/nope')).status).toBe(404);
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

  it('patches an application (merge and json patch)', async () => {
    const merge = await api('/api/v1/applications/inventory-preprod', {
      method: 'PATCH',
      body: JSON.stringify({
        patch: JSON.stringify({
          metadata: { labels: { team: 'stock' } },
          spec: { syncPolicy: { automated: { selfHeal: false } } },
        }),
        patchType: 'merge',
      }),
    });
    expect(merge.status).toBe(200);
    expect(merge.body.metadata.labels).toMatchObject({
      team: 'stock',
      'backstage-name': 'inventory',
    });
    expect(merge.body.spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: false,
    });
    const json = await api('/api/v1/applications/inventory-preprod', {
      method: 'PATCH',
      body: JSON.stringify({
        patch: JSON.stringify([
          { op: 'remove', path: '/metadata/labels/team' },
          {
            op: 'replace',
            path: '/spec/syncPolicy/automated/selfHeal',
            value: true,
          },
        ]),
        patchType: 'json',
      }),
    });
    expect(json.status).toBe(200);
    expect(json.body.metadata.labels.team).toBeUndefined();
    expect(json.body.spec.syncPolicy.automated.selfHeal).toBe(true);
    const bad = await api('/api/v1/applications/inventory-preprod', {
      method: 'PATCH',
      body: JSON.stringify({ patch: '{', patchType: 'merge' }),
    });
    expect(bad.status).toBe(400);
  });

  it('injected faults reach the client', async () => {
    const add = await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        family: 'argocd',
        service: 'checkout',
        kind: 'status',
        status: 503,
        durationSeconds: 30,
      }),
    });
    expect(add.status).toBe(201);
    const hit = await api('/api/v1/applications/checkout-dev');
    expect(hit.status).toBe(503);
    expect(hit.body).toMatchObject({ code: 14, error: 'Service Unavailable' });
    expect((await api('/api/v1/applications/recommender-dev')).status).toBe(
      200,
    );
    await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' });

    await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        family: 'argocd',
        kind: 'down',
        durationSeconds: 30,
      }),
    });
    await expect(
      fetch(`${url}/api/v1/applications`, { headers: HEADERS }),
    ).rejects.toThrow();
    await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await api('/api/v1/applications')).status).toBe(200);
  });
});
