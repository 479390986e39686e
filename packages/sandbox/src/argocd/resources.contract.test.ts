import type { SandboxContext } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { createArgoCdFamily } from '.';
import { APPLICATIONS } from './controller';
import { startSeededArgoContext, type FakeCluster } from './__testUtils__';
import { waitFor } from '../testing/waitFor';

/**
 * Contract (plain HTTP, as curl or Argo CD's UI would call them): managed resources with
 * `modified`, rendered manifests, and resource actions (restart). Pod logs need the simulator:
 * argocd.simulator.test.ts.
 */
jest.setTimeout(30_000);

const TOKEN = 'sandbox-argocd-token';

describe('contract: Argo CD resource views and actions over HTTP', () => {
  let ctx: SandboxContext;
  let cluster: FakeCluster;
  let dispose: () => void;
  let srv: FamilyServer;

  const http = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${srv.url}${p}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        'Content-Type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: text ? JSON.parse(text) : undefined,
    };
  };
  const deployQuery =
    'namespace=acme-qa&resourceName=checkout&group=apps&version=v1&kind=Deployment';

  beforeAll(async () => {
    ({ ctx, cluster, dispose } = await startSeededArgoContext('sbx-argo-res-'));
    srv = await startFamilyServer(ctx, createArgoCdFamily(ctx), 0, '127.0.0.1');
    // a manual app (no auto-sync) so diffs stay put
    const created = await http('/api/v1/applications', {
      method: 'POST',
      body: JSON.stringify({
        metadata: { name: 'qa-checkout' },
        spec: {
          project: 'default',
          source: {
            repoURL: 'http://127.0.0.1:18083/acme/gitops.git',
            path: 'apps/checkout/dev',
            targetRevision: 'main',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'acme-qa',
          },
          syncPolicy: { syncOptions: ['CreateNamespace=true'] },
        },
      }),
    });
    if (created.status !== 200)
      throw new Error(`creating qa-checkout: ${JSON.stringify(created.body)}`);
  });

  afterAll(async () => {
    await srv?.close();
    dispose?.();
  });

  it('serves managed resources with modified, live, target and predicted state', async () => {
    const before = await waitFor(async () => {
      const r = await http(
        '/api/v1/applications/qa-checkout/managed-resources',
      );
      return r.body?.items?.length === 3 ? r : undefined;
    }, 'qa-checkout compared');
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^application\/json/);
    const deploy = before.body.items.find((i: any) => i.kind === 'Deployment');
    expect(deploy).toMatchObject({
      group: 'apps',
      kind: 'Deployment',
      namespace: 'acme-qa',
      name: 'checkout',
      liveState: 'null',
      normalizedLiveState: 'null',
      modified: true,
    });
    expect(JSON.parse(deploy.targetState).spec.replicas).toBe(1);
    expect(JSON.parse(deploy.predictedLiveState).kind).toBe('Deployment');

    const sync = await http('/api/v1/applications/qa-checkout/sync', {
      method: 'POST',
      body: JSON.stringify({}),
    });
    expect(sync.status).toBe(200);
    await waitFor(
      () =>
        cluster.get(APPLICATIONS, 'argocd', 'qa-checkout')?.status?.sync
          ?.status === 'Synced',
      'qa-checkout synced',
    );
    const after = await http(
      '/api/v1/applications/qa-checkout/managed-resources',
    );
    for (const item of after.body.items) {
      expect(item.modified).toBe(false);
      expect(JSON.parse(item.liveState).metadata.name).toBe(item.name);
      expect(typeof item.normalizedLiveState).toBe('string');
    }
  });

  it('serves the rendered manifests', async () => {
    const res = await http('/api/v1/applications/qa-checkout/manifests');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      namespace: 'acme-qa',
      server: 'https://kubernetes.default.svc',
      sourceType: 'Directory',
      revision: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(
      res.body.manifests.map((m: string) => JSON.parse(m).kind).sort(),
    ).toEqual(['Deployment', 'Ingress', 'Service']);
    expect((await http('/api/v1/applications/nope/manifests')).status).toBe(
      404,
    );
  });

  it('lists and runs the restart action on a Deployment', async () => {
    await waitFor(
      () =>
        cluster.get(APPLICATIONS, 'argocd', 'qa-checkout')?.status?.sync
          ?.status === 'Synced',
      'qa-checkout synced',
    );
    const list = await http(
      `/api/v1/applications/qa-checkout/resource/actions?${deployQuery}`,
    );
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      actions: [{ name: 'restart', disabled: false }],
    });
    const svc = await http(
      '/api/v1/applications/qa-checkout/resource/actions?namespace=acme-qa&resourceName=checkout&version=v1&kind=Service',
    );
    expect(svc.body).toEqual({ actions: [] });

    // Argo CD's UI and CLI send the action name as a JSON string
    const run = await http(
      `/api/v1/applications/qa-checkout/resource/actions?${deployQuery}`,
      { method: 'POST', body: JSON.stringify('restart') },
    );
    expect(run.status).toBe(200);
    expect(run.body).toEqual({});
    const live = cluster.get('apps/v1/deployments', 'acme-qa', 'checkout')!;
    const restartedAt =
      live.spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ];
    expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // a field git does not manage: no diff, and a sync would keep it
    const managed = await http(
      '/api/v1/applications/qa-checkout/managed-resources',
    );
    const deploy = managed.body.items.find((i: any) => i.kind === 'Deployment');
    expect(deploy.modified).toBe(false);
    expect(
      JSON.parse(deploy.predictedLiveState).spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBe(restartedAt);

    const unknown = await http(
      `/api/v1/applications/qa-checkout/resource/actions?${deployQuery}`,
      { method: 'POST', body: JSON.stringify('nope') },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe(3);
    const notManaged = await http(
      '/api/v1/applications/qa-checkout/resource/actions?namespace=acme-dev&resourceName=checkout&group=apps&version=v1&kind=Deployment',
    );
    expect(notManaged.status).toBe(404);
    expect(notManaged.body.code).toBe(5);
  });
});
