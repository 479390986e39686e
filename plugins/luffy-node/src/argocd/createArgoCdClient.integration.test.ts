import { ConfigReader } from '@backstage/config';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { waitFor } from '@openluffy/sandbox';
import { startTestSandbox, type TestSandbox } from '../__testUtils__/sandbox';
import { createGithubClients } from '../github/createGithubClients';
import { createGitopsRepo } from '../gitops/createGitopsRepo';
import { ArgoCdWaitError, createArgoCdClient } from './createArgoCdClient';
import type { ArgoCdClient, ArgoCdWaitProgress } from './types';

jest.setTimeout(90_000);

describe('createArgoCdClient against the sandbox', () => {
  let sbx: TestSandbox;
  let argocd: ArgoCdClient;

  beforeAll(async () => {
    sbx = await startTestSandbox({ timeScale: 50 });
    argocd = createArgoCdClient({ config: sbx.config, logger: sbx.logger });
    // the seed's apps sync and turn healthy on their own
    await argocd.waitUntil('checkout-dev', { timeoutMs: 30_000, intervalMs: 100 });
  }, 180_000); // the sandbox starts slower when other suites share the CPU
  afterAll(async () => {
    await sbx?.stop();
  });
  afterEach(async () => {
    await sbx.control('faults', { method: 'DELETE', family: 'argocd' });
  });

  /** Commits a replica change of recommender-dev to the GitOps repo. */
  const setRecommenderReplicas = async (replicas: number) => {
    const github = createGithubClients({
      config: sbx.config,
      logger: sbx.logger,
      options: { contentCreationIntervalMs: 0 },
    });
    const repo = createGitopsRepo({
      github: await github.forRepo('acme/gitops'),
      owner: 'acme',
      repo: 'gitops',
    });
    const file = await repo.readFile('apps/recommender/dev/deployment.yaml');
    return repo.commitFiles({
      message: `recommender dev: ${replicas} replicas`,
      files: [
        {
          path: 'apps/recommender/dev/deployment.yaml',
          content: file!.content.replace(/replicas: \d+/, `replicas: ${replicas}`),
        },
      ],
    });
  };

  it('reads instances from argocd.appLocatorMethods and gets apps', async () => {
    expect(argocd.instances()).toEqual([{ name: 'sandbox', url: sbx.urls.argocd }]);
    const app = await argocd.getApplication('checkout-dev');
    expect(app.instance).toBe('sandbox');
    expect(app.spec.destination?.namespace).toBe('acme-dev');
    expect(app.status?.sync?.status).toBe('Synced');
    expect(await argocd.findApplication('checkout-dev')).toHaveLength(1);
    expect(await argocd.findApplication('nope')).toEqual([]);
  });

  it('lists apps by label selector and project', async () => {
    const checkout = await argocd.listApplications({ selector: 'backstage-name=checkout' });
    expect(checkout.map(a => a.metadata.name).sort()).toEqual([
      'checkout-dev',
      'checkout-preprod',
      'checkout-prod',
    ]);
    const prodDefault = await argocd.listApplications({
      selector: 'openluffy.io/env=prod',
      projects: ['default'],
    });
    expect(prodDefault).toHaveLength(3);
    expect(await argocd.listApplications({ projects: ['nope'] })).toEqual([]);
  });

  it("maps Argo CD errors to Backstage errors carrying Argo CD's message", async () => {
    const notFound = await argocd.getApplication('nope').catch(e => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound.message).toMatch(/"nope" not found/);
    const noOp = await argocd.terminateOperation('checkout-dev').catch(e => e);
    expect(noOp).toBeInstanceOf(InputError);
    expect(noOp.message).toMatch(/terminate the operation of checkout-dev failed: .+/);
  });

  it('logs in with username/password through POST /api/v1/session, and names a wrong password', async () => {
    const config = (password: string) =>
      new ConfigReader({
        argocd: {
          username: 'admin',
          password,
          appLocatorMethods: [
            { type: 'config', instances: [{ name: 'sbx', url: sbx.urls.argocd }] },
          ],
        },
      });
    const ok = createArgoCdClient({ config: config('sandbox-argocd-password'), logger: sbx.logger });
    expect((await ok.getApplication('recommender-dev')).instance).toBe('sbx');
    const bad = createArgoCdClient({ config: config('wrong'), logger: sbx.logger });
    const error = await bad.getApplication('recommender-dev').catch(e => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it('gives a ServiceUnavailableError naming the instance when Argo CD is down', async () => {
    await sbx.control('faults', {
      method: 'POST',
      family: 'argocd',
      body: { family: 'argocd', kind: 'down', durationSeconds: 30 },
    });
    const error = await argocd.getApplication('checkout-dev').catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toMatch(/Argo CD sandbox .* is unreachable/);
  });

  it('retries a GET through a short 503', async () => {
    await sbx.control('faults', {
      method: 'POST',
      family: 'argocd',
      body: { family: 'argocd', kind: 'status', status: 503, durationSeconds: 0.2 },
    });
    expect((await argocd.getApplication('checkout-dev')).metadata.name).toBe('checkout-dev');
  });

  it('reads history, resource tree and managed resources; refreshes; syncs dry-run', async () => {
    const history = await argocd.history('checkout-dev');
    expect(history.length).toBeGreaterThan(0);
    expect(history[0].revision).toMatch(/^[0-9a-f]{40}$/);
    const tree = await argocd.resourceTree('checkout-dev');
    expect(tree.nodes.map(n => n.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'ReplicaSet', 'Pod', 'Service']),
    );
    const managed = await argocd.managedResources('checkout-dev');
    const deployment = managed.find(m => m.kind === 'Deployment')!;
    expect(JSON.parse(deployment.liveState!).metadata.name).toBe('checkout');
    const refreshed = await argocd.refresh('checkout-dev', { type: 'hard' });
    expect(refreshed.status?.reconciledAt).toBeDefined();
    const dry = await argocd.sync('checkout-dev', { dryRun: true, prune: true });
    expect(dry.metadata.name).toBe('checkout-dev');
  });

  it('follows a GitOps change until Synced and Healthy at the new revision, reporting progress', async () => {
    const commit = await setRecommenderReplicas(2);
    const progress: ArgoCdWaitProgress[] = [];
    const app = await argocd.waitUntil('recommender-dev', {
      revision: commit.commitSha,
      timeoutMs: 30_000,
      intervalMs: 100,
      onProgress: p => progress.push(p),
    });
    expect(app.status?.sync?.revision).toBe(commit.commitSha);
    expect(app.status?.health?.status).toBe('Healthy');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1].message).toContain('Synced/Healthy');
  });

  it('times out with the unhealthy resource and Argo CD status when a service crash-loops', async () => {
    await sbx.control('chaos', {
      method: 'POST',
      family: 'kubernetes',
      body: { service: 'inventory', env: 'dev', mode: 'crash' },
    });
    await waitFor(
      async () =>
        ['Degraded', 'Progressing'].includes(
          (await argocd.getApplication('inventory-dev')).status?.health?.status ?? '',
        ),
      'inventory-dev no longer Healthy',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const error = await argocd
      .waitUntil('inventory-dev', { timeoutMs: 500, intervalMs: 100 })
      .catch(e => e);
    expect(error).toBeInstanceOf(ArgoCdWaitError);
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/\/(Degraded|Progressing)/);
    expect(error.unhealthy.join('\n')).toMatch(/Deployment acme-dev\/inventory|Pod acme-dev\/inventory/);
    await sbx.control('chaos', {
      method: 'POST',
      family: 'kubernetes',
      body: { service: 'inventory', env: 'dev', mode: 'none' },
    });
  });

  it('relays Argo CD\'s refusal to roll back an auto-synced app, and checks the history id', async () => {
    const commit = await setRecommenderReplicas(3);
    await argocd.waitUntil('recommender-dev', {
      revision: commit.commitSha,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const history = await argocd.history('recommender-dev');
    expect(history[0].revision).toBe(commit.commitSha);
    // Argo CD refuses to roll back an auto-synced app (operations use a git revert PR there)
    const refused = await argocd.rollback('recommender-dev', { id: history[1].id }).catch(e => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toMatch(
      /Argo CD sandbox: rollback recommender-dev to history \d+ failed: .*auto-sync/,
    );
    await expect(
      argocd.rollback('recommender-dev', { id: 1.5 }),
    ).rejects.toBeInstanceOf(InputError);
  });
});
