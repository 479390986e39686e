import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import {
  argocdFamilyForTest,
  ARGOCD_TOKEN,
  ROADIE_HEADERS,
} from './__testUtils__/family';

jest.setTimeout(30_000);

describe('argocd: the Applications and projects API', () => {
  const { state, api } = argocdFamilyForTest();
  let url: string;
  beforeAll(() => {
    ({ url } = state);
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
    expect(session.body).toEqual({ token: ARGOCD_TOKEN });
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
      fetch(`${url}/api/v1/applications`, { headers: ROADIE_HEADERS }),
    ).rejects.toThrow();
    await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await api('/api/v1/applications')).status).toBe(200);
  });
});
