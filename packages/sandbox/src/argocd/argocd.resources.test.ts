import YAML from 'yaml';
import type { FakeCluster } from './__testUtils__';
import { waitFor } from '../testing/waitFor';
import { argocdFamilyForTest } from './__testUtils__/family';

jest.setTimeout(30_000);

describe('argocd: resource tree, Helm, app of apps and Applications created through the API', () => {
  const { state, api, app, commit, readRepo, syncedHealthy } =
    argocdFamilyForTest();
  let cluster: FakeCluster;
  beforeAll(() => {
    ({ cluster } = state);
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
    // its own service in git (billing, a copy of checkout), so the test needs no earlier one
    const billingDeploy = YAML.parse(
      (await readRepo('apps/checkout/dev/deployment.yaml')).replace(
        /checkout/g,
        'billing',
      ),
    );
    await commit(
      { 'apps/billing/dev/deployment.yaml': YAML.stringify(billingDeploy) },
      'Add billing',
    );
    const body = {
      metadata: {
        name: 'billing-api',
        labels: { 'backstage-name': 'billing' },
      },
      spec: {
        project: 'default',
        source: {
          repoURL: 'http://127.0.0.1:18083/acme/gitops.git',
          path: 'apps/billing/dev',
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
    expect(created.body.metadata.name).toBe('billing-api');
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
    await waitFor(() => syncedHealthy('billing-api'), 'billing-api synced');
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'billing'),
    ).toBeDefined();
    const del = await api('/api/v1/applications/billing-api', {
      method: 'DELETE',
    });
    expect(del.status).toBe(200);
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'billing'),
    ).toBeUndefined();
    expect((await api('/api/v1/applications/billing-api')).status).toBe(404);
  });
});
