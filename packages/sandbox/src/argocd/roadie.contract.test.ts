// Roadie's Argo CD backend service and Backstage config are root dependencies (packages/backend
// uses them); the sandbox only needs them for this contract test.
import { ArgoService } from '@roadiehq/backstage-plugin-argo-cd-node';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { SandboxContext } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { BOT_AUTHOR } from '../seed';
import { createArgoCdFamily } from '.';
import { APPLICATIONS } from './controller';
import type { FakeCluster } from './__testUtils__';
import { startSeededArgoContext } from './__testUtils__';
import { waitFor as sharedWaitFor } from '../testing/waitFor';

jest.setTimeout(30_000);

const waitFor = <T>(fn: () => T | Promise<T>, what: string) =>
  sharedWaitFor(fn, what, { timeoutMs: 15_000 });

describe("contract: Roadie's Argo CD backend service against the sandbox", () => {
  let ctx: SandboxContext;
  let cluster: FakeCluster;
  let dispose: () => void;
  let srv: FamilyServer;
  let argo: ArgoService;

  const serviceFor = (instance: Record<string, string>) =>
    ArgoService.fromConfig({
      config: new ConfigReader({
        argocd: {
          appLocatorMethods: [{ type: 'config', instances: [instance] }],
        },
      }),
      logger: mockServices.logger.mock(),
    });

  beforeAll(async () => {
    ({ ctx, cluster, dispose } = await startSeededArgoContext('sbx-roadie-'));
    srv = await startFamilyServer(ctx, createArgoCdFamily(ctx), 0, '127.0.0.1');
    argo = serviceFor({
      name: 'sandbox',
      url: srv.url,
      token: 'sandbox-argocd-token',
    });
    await waitFor(() => {
      const pending = cluster
        .list(APPLICATIONS, { namespace: 'argocd' })
        .items.filter(
          a =>
            !(
              // the root app was bootstrapped in sync with the apps it manages: no sync yet
              (
                (a.status?.history?.length || a.metadata.name === 'root') &&
                a.status?.sync?.status === 'Synced' &&
                a.status?.health?.status === 'Healthy'
              )
            ),
        );
      if (pending.length)
        throw new Error(
          pending
            .map(
              a =>
                `${a.metadata.name}: ${a.status?.sync?.status}/${
                  a.status?.health?.status
                } history ${a.status?.history?.length ?? 0}`,
            )
            .join(', '),
        );
      return true;
    }, 'seeded apps Synced and Healthy');
  });

  afterAll(async () => {
    await srv.close();
    dispose?.();
  });

  it('finds apps by name and by selector, and drops the instance for unknown apps', async () => {
    expect(await argo.findArgoApp({ name: 'checkout-prod' })).toEqual([
      { name: 'sandbox', url: srv.url, appName: ['checkout-prod'] },
    ]);
    expect(await argo.findArgoApp({ name: 'example-website' })).toEqual([]);
    const bySelector = await argo.findArgoApp({
      selector: 'backstage-name=recommender',
    });
    expect(bySelector).toEqual([
      {
        name: 'sandbox',
        url: srv.url,
        appName: ['recommender-dev', 'recommender-preprod', 'recommender-prod'],
      },
    ]);
  });

  it('passes Application JSON through with the instance, plus revision metadata', async () => {
    const app = await argo.getArgoAppData(
      srv.url,
      'sandbox',
      'sandbox-argocd-token',
      { name: 'inventory-dev' },
    );
    expect(app.metadata.name).toBe('inventory-dev');
    expect(app.status.sync.status).toBe('Synced');
    expect(app.status.health.status).toBe('Healthy');
    const { instance, ...rest } = app;
    expect(instance).toBe('sandbox');
    expect(() => new Application(rest).validate()).not.toThrow();

    const list = await argo.getArgoAppData(
      srv.url,
      'sandbox',
      'sandbox-argocd-token',
      { selector: 'backstage-name=checkout' },
    );
    expect(list.items.map((i: any) => i.metadata.instance)).toEqual([
      { name: 'sandbox' },
      { name: 'sandbox' },
      { name: 'sandbox' },
    ]);

    const revision = app.status.history[0].revision;
    const meta = await argo.getRevisionData(
      srv.url,
      { name: 'inventory-dev' },
      'sandbox-argocd-token',
      revision,
    );
    expect(meta).toMatchObject({
      author: 'OpenLuffy Bot <luffy-bot@acme.example>',
      message: expect.stringContaining('Bootstrap'),
    });
  });

  it('logs in with username and password when no token is configured', async () => {
    const withPassword = serviceFor({
      name: 'sandbox',
      url: srv.url,
      username: 'admin',
      password: 'sandbox-argocd-password',
    });
    expect(
      await withPassword.findArgoApp({ name: 'checkout-dev' }),
    ).toHaveLength(1);
    const wrong = serviceFor({
      name: 'sandbox',
      url: srv.url,
      username: 'admin',
      password: 'nope',
    });
    expect(await wrong.findArgoApp({ name: 'checkout-dev' })).toEqual([]);
  });

  it('creates a project and an application, syncs and deletes it', async () => {
    const token = 'sandbox-argocd-token';
    const manifest = (await ctx.git.readFile(
      'acme',
      'gitops',
      'main',
      'apps/checkout/dev/deployment.yaml',
    ))!
      .toString()
      .replace(/checkout/g, 'payments');
    await ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message: 'Onboard payments',
      author: BOT_AUTHOR,
      files: { 'apps/payments/dev/deployment.yaml': manifest },
    });
    await argo.createArgoProject({
      baseUrl: srv.url,
      argoToken: token,
      projectName: 'payments',
      namespace: 'acme-dev',
      sourceRepo: 'http://127.0.0.1:18083/acme/gitops.git',
    });
    const created: any = await argo.createArgoApplication({
      baseUrl: srv.url,
      argoToken: token,
      appName: 'payments-dev',
      projectName: 'payments',
      namespace: 'acme-dev',
      sourceRepo: 'http://127.0.0.1:18083/acme/gitops.git',
      sourcePath: 'apps/payments/dev',
      labelValue: 'payments',
    });
    expect(created.metadata.name).toBe('payments-dev');
    await waitFor(
      () =>
        cluster.get(APPLICATIONS, 'argocd', 'payments-dev')?.status?.sync
          ?.status === 'Synced',
      'payments-dev synced',
    );
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'payments')!.metadata
        .labels!['backstage.io/kubernetes-id'],
    ).toBe('payments');
    const sync = await argo.syncArgoApp({
      argoInstance: { name: 'sandbox', url: srv.url },
      argoToken: token,
      appName: 'payments-dev',
    } as any);
    expect(sync.status).toBe('Success');
    await waitFor(
      () => !cluster.get(APPLICATIONS, 'argocd', 'payments-dev')?.operation,
      'sync finished',
    );
    const deleted = await argo.deleteApp({
      baseUrl: srv.url,
      argoApplicationName: 'payments-dev',
      argoToken: token,
    });
    expect(deleted).toMatchObject({ statusCode: 200 });
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'payments'),
    ).toBeUndefined();
    expect(
      cluster.get('apps/v1/deployments', 'acme-dev', 'checkout'),
    ).toBeDefined();
    expect(cluster.get(APPLICATIONS, 'argocd', 'payments-dev')).toBeUndefined();
  });
});
