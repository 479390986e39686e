import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { MockActionsRegistry } from '@backstage/backend-test-utils/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { AuditEvent } from '@openluffy/plugin-luffy-common';
import {
  createGitopsRepo,
  createLuffyClients,
  KUBERNETES_KINDS,
  luffyClientsServiceRef,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import {
  DEFAULT_TOKENS,
  startSandbox,
  waitFor,
  type Sandbox,
} from '@openluffy/sandbox';
import { createAuditLog } from '../AuditLog';
import { demoEntities } from '../healing/__testUtils__/healingSandbox';
import { createLuffyEvents } from '../LuffyEvents';
import { luffyPlugin } from '../../plugin';
import { createOperations } from './createOperations';
import {
  ConfirmationRequiredError,
  TooManyOperationsError,
} from './guardrails';
import type { OperationsService } from './types';

jest.setTimeout(180_000);

const CHECKOUT = 'component:default/checkout';
const alice = mockCredentials.user('user:default/alice');
const bob = mockCredentials.user('user:default/bob');

let sandbox: Sandbox;
let clients: LuffyClients;
let audit: AuditEvent[];
let allow = true;
let config: ConfigReader;
let operations: OperationsService;
const logger = mockServices.logger.mock();

function makeService(
  settings?: Parameters<typeof createOperations>[0]['settings'],
) {
  let id = 0;
  return createOperations({
    config,
    logger,
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities: demoEntities() }),
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({
          result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        })),
      authorizeConditional: async () => [],
    } as any,
    clients,
    auditLog: createAuditLog({
      logger,
      store: {
        appendAudit: async e => {
          const stored = {
            ...e,
            id: String(++id),
            createdAt: new Date().toISOString(),
          } as AuditEvent;
          audit.push(stored);
          return stored;
        },
      },
    }),
    events: createLuffyEvents({ logger }),
    settings,
  });
}

const lastAudit = () => audit[audit.length - 1];

async function deployment(ns: string, name: string): Promise<V1Deployment> {
  return clients.kubernetes.getDeployment('sandbox', ns, name);
}

async function pods(ns: string, app: string): Promise<V1Pod[]> {
  const [list] = await clients.kubernetes.list<V1Pod>(KUBERNETES_KINDS.pods, {
    namespace: ns,
    labelSelector: `app.kubernetes.io/name=${app}`,
  });
  return list.items.filter(p => !p.metadata?.deletionTimestamp);
}

async function openPulls(repo: string) {
  const { octokit } = await clients.github.forRepo(repo);
  const [owner, name] = repo.split('/');
  const { data } = await octokit.pulls.list({
    owner,
    repo: name,
    state: 'open',
    per_page: 100,
  });
  return data;
}

async function gitops() {
  return createGitopsRepo({
    github: await clients.github.forRepo('acme/gitops'),
    owner: 'acme',
    repo: 'gitops',
  });
}

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-ops-'));
  sandbox = await startSandbox({
    dataDir,
    ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
    timeScale: 20,
    logger: { info() {}, warn() {}, error() {} },
  });
  config = new ConfigReader({
    integrations: {
      github: [
        {
          host: new URL(sandbox.urls.github).host,
          apiBaseUrl: `${sandbox.urls.github}/api/v3`,
          token: DEFAULT_TOKENS.githubBot,
        },
      ],
    },
    argocd: {
      appLocatorMethods: [
        {
          type: 'config',
          instances: [
            {
              name: 'sandbox',
              url: sandbox.urls.argocd,
              token: DEFAULT_TOKENS.argocd,
            },
          ],
        },
      ],
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'sandbox',
              url: sandbox.urls.kubernetes,
              authProvider: 'serviceAccount',
              serviceAccountToken: DEFAULT_TOKENS.kubernetes,
              skipTLSVerify: true,
            },
          ],
        },
      ],
    },
    luffy: { gitops: { repo: 'acme/gitops' }, operations: { maxReplicas: 10 } },
  });
  clients = createLuffyClients({ config, logger });
  audit = [];
  operations = makeService();
  await waitFor(
    async () => {
      const apps = await clients.argocd.listApplications();
      return (
        apps.length >= 9 &&
        apps.every(
          a =>
            a.status?.health?.status === 'Healthy' &&
            a.status?.sync?.status === 'Synced',
        )
      );
    },
    'the demo apps to be Synced and Healthy',
    { timeoutMs: 90_000, intervalMs: 250 },
  );
});

afterAll(async () => {
  await sandbox?.stop();
});

beforeEach(() => {
  allow = true;
});

const run = (
  operation: string,
  input: Record<string, unknown>,
  extra: {
    dryRun?: boolean;
    confirmationToken?: string;
    credentials?: any;
    service?: OperationsService;
  } = {},
) =>
  (extra.service ?? operations).run({
    entityRef: CHECKOUT,
    operation,
    input,
    credentials: extra.credentials ?? alice,
    dryRun: extra.dryRun,
    confirmationToken: extra.confirmationToken,
  });

const restartedAt = (d: V1Deployment) =>
  d.spec?.template?.metadata?.annotations?.[
    'kubectl.kubernetes.io/restartedAt'
  ];

describe('restart', () => {
  it('dry run lists the PATCH and changes nothing', async () => {
    const before = await deployment('acme-dev', 'checkout');
    const result = await run(
      'restart',
      { environment: 'dev' },
      { dryRun: true },
    );
    expect(result.status).toBe('dry-run');
    expect(result.requests).toEqual([
      expect.objectContaining({
        system: 'kubernetes',
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/acme-dev/deployments/checkout',
      }),
    ]);
    const after = await deployment('acme-dev', 'checkout');
    expect(restartedAt(after)).toBe(restartedAt(before));
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(lastAudit()).toMatchObject({
      action: 'operation.restart',
      outcome: 'dry-run',
      target: CHECKOUT,
    });
  });

  it('restarts the pods: new pods become ready; audited with actor, input, duration', async () => {
    const oldPods = (await pods('acme-dev', 'checkout')).map(
      p => p.metadata!.name,
    );
    const result = await run('restart', { environment: 'dev' });
    expect(result).toMatchObject({ status: 'succeeded', path: 'kubernetes' });
    expect(result.health?.status).toMatch(/Healthy|Progressing/);
    const d = await deployment('acme-dev', 'checkout');
    expect(restartedAt(d)).toBe(result.details!.restartedAt);
    await waitFor(
      async () => {
        const now = await pods('acme-dev', 'checkout');
        const ready = now.filter(p =>
          p.status?.conditions?.some(
            c => c.type === 'Ready' && c.status === 'True',
          ),
        );
        return (
          ready.length >= 1 &&
          ready.every(p => !oldPods.includes(p.metadata!.name))
        );
      },
      'new ready pods after the restart',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(lastAudit()).toMatchObject({
      actor: 'user:default/alice',
      action: 'operation.restart',
      target: CHECKOUT,
      outcome: 'succeeded',
      input: expect.objectContaining({ environment: 'dev' }),
    });
    expect(typeof lastAudit().durationMs).toBe('number');
  });

  it('without luffy.operation.run: 403, denied audit row, nothing changed', async () => {
    allow = false;
    const before = await deployment('acme-preprod', 'checkout');
    await expect(
      run('restart', { environment: 'preprod' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(lastAudit()).toMatchObject({
      outcome: 'denied',
      action: 'operation.restart',
    });
    expect(restartedAt(await deployment('acme-preprod', 'checkout'))).toBe(
      restartedAt(before),
    );
  });

  it('unknown deployment: 404 naming it, audited as failed', async () => {
    await expect(
      run('restart', { environment: 'dev', deployment: 'nope' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('"nope"'),
    });
    expect(lastAudit()).toMatchObject({ outcome: 'failed' });
  });
});

describe('scale (auto-synced by Argo CD → GitOps pull request)', () => {
  it('dry run shows the diff and opens no PR', async () => {
    const before = (await openPulls('acme/gitops')).length;
    const r = await run(
      'scale',
      { environment: 'preprod', replicas: 4 },
      { dryRun: true },
    );
    expect(r).toMatchObject({ status: 'dry-run', path: 'gitops' });
    expect(r.details!.diff).toContain('+  replicas: 4');
    expect((await openPulls('acme/gitops')).length).toBe(before);
    expect(r.undo).toMatchObject({
      operation: 'scale',
      input: { replicas: 2 },
    });
  });

  it('opens a PR changing the replicas in git, live replicas untouched', async () => {
    const r = await run('scale', { environment: 'preprod', replicas: 4 });
    expect(r).toMatchObject({ status: 'pending', path: 'gitops' });
    expect(r.pullRequestUrl).toBeDefined();
    const pr = (await openPulls('acme/gitops')).find(
      p => p.head.ref === 'luffy/scale-checkout-preprod-4',
    );
    expect(pr).toBeDefined();
    const file = await (
      await gitops()
    ).readFile('apps/checkout/preprod/deployment.yaml', {
      ref: 'luffy/scale-checkout-preprod-4',
    });
    expect(file!.content).toMatch(/replicas: 4/);
    expect((await deployment('acme-preprod', 'checkout')).spec?.replicas).toBe(
      2,
    );
    expect(lastAudit()).toMatchObject({
      action: 'operation.scale',
      outcome: 'succeeded',
    });
  });

  it('refuses replicas above the maximum and below 0', async () => {
    await expect(
      run('scale', { environment: 'dev', replicas: 11 }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('maximum of 10'),
    });
    await expect(
      run('scale', { environment: 'dev', replicas: -1 }),
    ).rejects.toMatchObject({
      name: 'InputError',
    });
    expect(lastAudit()).toMatchObject({ outcome: 'failed' });
  });

  it('scale to 0 needs a confirmation token bound to user and input', async () => {
    const first = run('scale', { environment: 'dev', replicas: 0 });
    await expect(first).rejects.toBeInstanceOf(ConfirmationRequiredError);
    const token = ((await first.catch(e => e)) as ConfirmationRequiredError)
      .confirmationToken;
    // another user, or another input, cannot use it
    await expect(
      run(
        'scale',
        { environment: 'dev', replicas: 0 },
        { confirmationToken: token, credentials: bob },
      ),
    ).rejects.toBeInstanceOf(ConfirmationRequiredError);
    await expect(
      run(
        'scale',
        { environment: 'preprod', replicas: 0 },
        { confirmationToken: token },
      ),
    ).rejects.toBeInstanceOf(ConfirmationRequiredError);
    const r = await run(
      'scale',
      { environment: 'dev', replicas: 0 },
      { confirmationToken: token },
    );
    expect(r.status).toBe('pending');
  });
});

describe('delete-pod', () => {
  it('unknown pod: 404, nothing deleted', async () => {
    const before = await pods('acme-prod', 'checkout');
    await expect(
      run(
        'delete-pod',
        { environment: 'prod', pod: 'checkout-nope' },
        { dryRun: true },
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await pods('acme-prod', 'checkout')).length).toBe(before.length);
  });

  it('refused without a token; the dry run gives one; with it the pod is replaced', async () => {
    const [victim] = await pods('acme-prod', 'checkout');
    const pod = victim.metadata!.name!;
    await expect(
      run('delete-pod', { environment: 'prod', pod }),
    ).rejects.toMatchObject({
      name: 'ConfirmationRequiredError',
      statusCode: 412,
    });
    const dry = await run(
      'delete-pod',
      { environment: 'prod', pod },
      { dryRun: true },
    );
    expect(dry.requests).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        path: `/api/v1/namespaces/acme-prod/pods/${pod}`,
      }),
    ]);
    expect(
      (await pods('acme-prod', 'checkout')).map(p => p.metadata!.name),
    ).toContain(pod);
    const r = await run(
      'delete-pod',
      { environment: 'prod', pod },
      { confirmationToken: dry.confirmation!.token },
    );
    expect(r.status).toBe('succeeded');
    await waitFor(
      async () => {
        const now = await pods('acme-prod', 'checkout');
        return !now.some(p => p.metadata!.name === pod) && now.length === 3;
      },
      'the pod to be replaced',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
});

describe('promote', () => {
  it('puts dev’s image tag into preprod as a GitOps PR; to prod needs confirmation', async () => {
    const repo = await gitops();
    const file = (await repo.readFile('apps/checkout/dev/deployment.yaml'))!;
    await repo.commitFiles({
      message: 'checkout dev: 1.5.0',
      files: [
        {
          path: file.path,
          content: file.content.replace(/checkout:1\.4\.2/, 'checkout:1.5.0'),
        },
      ],
    });
    const dry = await run('promote', { from: 'dev' }, { dryRun: true });
    expect(dry.details).toMatchObject({ to: 'preprod' });
    expect(dry.details!.diff).toContain(
      '+          image: registry.acme.example/checkout:1.5.0',
    );
    expect(
      (await openPulls('acme/gitops')).some(p =>
        p.head.ref.startsWith('luffy/promote-'),
      ),
    ).toBe(false);

    const r = await run('promote', { from: 'dev' });
    expect(r).toMatchObject({ status: 'pending', path: 'gitops' });
    const pr = (await openPulls('acme/gitops')).find(
      p => p.head.ref === 'luffy/promote-checkout-preprod-1.5.0',
    );
    expect(pr?.title).toBe('Promote checkout 1.5.0 from dev to preprod');
    const branchFile = await repo.readFile(
      'apps/checkout/preprod/deployment.yaml',
      { ref: pr!.head.ref },
    );
    expect(branchFile!.content).toContain('checkout:1.5.0');

    await expect(
      run('promote', { from: 'dev', to: 'prod' }),
    ).rejects.toBeInstanceOf(ConfirmationRequiredError);
    // preprod and prod both run 1.4.2: nothing to promote (a dry run: no confirmation needed)
    await expect(
      run('promote', { from: 'preprod' }, { dryRun: true }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('nothing to promote'),
    });
  });
});

describe('argocd-sync', () => {
  it('dry run is Argo CD’s dry run; a sync runs an operation', async () => {
    // the promote test moved main: let Argo CD's own auto-sync finish first (a sync while an
    // operation runs is refused, as by Argo CD)
    const idle = () =>
      waitFor(
        async () => {
          const app = await clients.argocd.getApplication('checkout-preprod');
          return app.status?.operationState?.phase !== 'Running' &&
            app.status?.sync?.status === 'Synced'
            ? app
            : undefined;
        },
        'checkout-preprod to be idle',
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    await idle();
    const dry = await run(
      'argocd-sync',
      { environment: 'preprod' },
      { dryRun: true },
    );
    expect(dry.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/applications/checkout-preprod/sync',
      body: expect.objectContaining({ dryRun: true }),
    });
    // Argo CD runs a dry-run sync as an operation too
    const before = await idle();
    const r = await run('argocd-sync', { environment: 'preprod', prune: true });
    expect(r).toMatchObject({ status: 'succeeded', path: 'argocd' });
    expect(r.undo?.operation).toBe('argocd-sync');
    await waitFor(
      async () => {
        const app = await clients.argocd.getApplication('checkout-preprod');
        return (
          app.status?.operationState?.startedAt !==
            before.status?.operationState?.startedAt &&
          app.status?.operationState?.phase === 'Succeeded'
        );
      },
      'the sync operation to succeed',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
});

describe('argocd-rollback (auto-synced → git revert PR)', () => {
  it('unknown history id: 404, nothing opened', async () => {
    await expect(
      run(
        'argocd-rollback',
        { environment: 'dev', id: 9999 },
        { dryRun: true },
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('needs confirmation; opens a revert PR of the last change to the folder', async () => {
    const first = await run(
      'argocd-rollback',
      { environment: 'dev' },
      { dryRun: true },
    );
    expect(first).toMatchObject({ status: 'dry-run', path: 'gitops' });
    expect(first.changes[0].description).toContain('checkout dev: 1.5.0');
    await expect(
      run('argocd-rollback', { environment: 'dev' }),
    ).rejects.toBeInstanceOf(ConfirmationRequiredError);
    const r = await run(
      'argocd-rollback',
      { environment: 'dev' },
      { confirmationToken: first.confirmation!.token },
    );
    expect(r.pullRequestUrl).toBeDefined();
    const pr = (await openPulls('acme/gitops')).find(
      p => p.head.ref === r.details!.branch,
    );
    expect(pr?.title).toBe('Revert "checkout dev: 1.5.0"');
    const reverted = await (
      await gitops()
    ).readFile('apps/checkout/dev/deployment.yaml', { ref: pr!.head.ref });
    expect(reverted!.content).toContain('checkout:1.4.2');
    expect(lastAudit()).toMatchObject({
      action: 'operation.argocd-rollback',
      outcome: 'succeeded',
    });
  });
});

describe('workflows', () => {
  const timeScale = (value: number) =>
    fetch(`${sandbox.urls.github}/_sandbox/time-scale`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeScale: value }),
    });
  // real-time CI, so the run is still in flight when it is cancelled
  beforeAll(() => timeScale(1));
  afterAll(() => timeScale(20));

  it('dispatch finds the run it started; cancel cancels it', async () => {
    const dry = await run(
      'workflow-dispatch',
      { workflow: 'ci.yaml', inputs: { reason: 'test' } },
      { dryRun: true },
    );
    expect(dry.requests[0]).toMatchObject({
      method: 'POST',
      path: expect.stringMatching(
        /\/repos\/acme\/checkout\/actions\/workflows\/\d+\/dispatches$/,
      ),
    });
    const r = await run('workflow-dispatch', {
      workflow: 'ci.yaml',
      inputs: { reason: 'test' },
    });
    const runId = (r.details!.run as { id: number }).id;
    expect(runId).toBeGreaterThan(0);
    const { octokit } = await clients.github.forRepo('acme/checkout');
    const { data: started } = await octokit.actions.getWorkflowRun({
      owner: 'acme',
      repo: 'checkout',
      run_id: runId,
    });
    expect(started.event).toBe('workflow_dispatch');

    const c = await run('workflow-cancel', { runId });
    expect(c.status).toBe('succeeded');
    const { data: after } = await octokit.actions.getWorkflowRun({
      owner: 'acme',
      repo: 'checkout',
      run_id: runId,
    });
    expect(after.conclusion).toBe('cancelled');
    await expect(run('workflow-cancel', { runId })).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });

  it('unknown inputs: GitHub’s 422 as a 400 naming them', async () => {
    await expect(
      run('workflow-dispatch', { workflow: 'ci.yaml', inputs: { nope: 'x' } }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('nope'),
    });
  });
});

describe('rate limits', () => {
  it('per user: the third call in a minute is 429 with retry-after; others still pass', async () => {
    const limited = makeService({ perUser: { limit: 2, windowMs: 60_000 } });
    await run('argocd-refresh', { environment: 'dev' }, { service: limited });
    await run('argocd-refresh', { environment: 'dev' }, { service: limited });
    const third = run(
      'argocd-refresh',
      { environment: 'dev' },
      { service: limited },
    );
    await expect(third).rejects.toBeInstanceOf(TooManyOperationsError);
    const e = (await third.catch(x => x)) as TooManyOperationsError;
    expect(e.statusCode).toBe(429);
    expect(e.retryAfterSeconds).toBeGreaterThan(0);
    expect(lastAudit()).toMatchObject({
      outcome: 'failed',
      action: 'operation.argocd-refresh',
    });
    await expect(
      run(
        'argocd-refresh',
        { environment: 'dev' },
        { service: limited, credentials: bob },
      ),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });
});

describe('through the backend: HTTP route and actions registry', () => {
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  const registry = MockActionsRegistry.create({ logger });
  const opsPath = '/api/luffy/entity/default/component/checkout/operations';

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        luffyPlugin,
        mockServices.rootConfig.factory({
          data: {
            ...(config.get() as object),
            luffy: {
              gitops: { repo: 'acme/gitops' },
              operations: { rateLimit: { perEntity: 6 } },
            },
          },
        }),
        catalogServiceMock.factory({ entities: demoEntities() }),
        createServiceFactory({
          service: luffyClientsServiceRef,
          deps: {},
          factory: () => clients,
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => registry,
        }),
        createServiceFactory({
          service: coreServices.permissions,
          deps: {},
          factory: () =>
            ({
              authorize: async (requests: unknown[]) =>
                requests.map(() => ({
                  result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
                })),
              authorizeConditional: async () => [],
            } as any),
        }),
      ],
    }));
  });

  const post = (op: string, body: object, user = 'user:default/alice') =>
    request(server)
      .post(`${opsPath}/${op}`)
      .set('Authorization', mockCredentials.user.header(user))
      .send(body);

  it('lists the operations with JSON schemas', async () => {
    const res = await request(server)
      .get('/api/luffy/operations')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const scale = res.body.items.find((o: { id: string }) => o.id === 'scale');
    expect(scale.inputSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['environment', 'replicas']),
    });
    expect(res.body.items).toHaveLength(11);
  });

  it('answers in Backstage’s error format: 400, 403, 404, 412 with a token', async () => {
    const bad = await post('scale', { environment: 'dev', replicas: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('replicas'),
    });
    expect((await post('nope', {})).status).toBe(404);
    allow = false;
    const denied = await post('restart', { environment: 'dev' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.name).toBe('NotAllowedError');
    allow = true;
    const confirm = await post('scale', { environment: 'prod', replicas: 0 });
    expect(confirm.status).toBe(412);
    expect(confirm.body.error).toMatchObject({
      name: 'ConfirmationRequiredError',
      confirmationToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    const dry = await post('scale', {
      environment: 'prod',
      replicas: 0,
      dryRun: true,
      confirmationToken: confirm.body.error.confirmationToken,
    });
    expect(dry.status).toBe(200);
    expect(dry.body.status).toBe('dry-run');
  });

  it('registers luffy:<op> actions that run with the caller’s credentials', async () => {
    const { actions } = await registry.list();
    expect(actions.every(a => a.id.endsWith(`:${a.name}`))).toBe(true);
    expect(actions.map(a => a.name)).toEqual(
      expect.arrayContaining([
        'restart',
        'scale',
        'promote',
        'argocd-rollback',
        'workflow-dispatch',
      ]),
    );
    const restartAction = actions.find(a => a.name === 'restart')!;
    expect(restartAction.schema.input).toMatchObject({
      properties: expect.objectContaining({
        entityRef: expect.anything(),
        environment: expect.anything(),
      }),
    });
    const before = restartedAt(await deployment('acme-preprod', 'checkout'));
    const { output } = await registry.invoke({
      id: restartAction.id,
      input: { entityRef: CHECKOUT, environment: 'preprod' },
      credentials: alice,
    });
    expect(output).toMatchObject({ operation: 'restart', status: 'succeeded' });
    expect(restartedAt(await deployment('acme-preprod', 'checkout'))).not.toBe(
      before,
    );
    allow = false;
    await expect(
      registry.invoke({
        id: restartAction.id,
        input: { entityRef: CHECKOUT, environment: 'preprod' },
        credentials: bob,
      }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });
  it('429 with Retry-After once the entity used its operations', async () => {
    let res;
    for (let i = 0; i < 8; i++) {
      res = await post(
        'argocd-refresh',
        { environment: 'dev' },
        `user:default/u${i}`,
      );
      if (res.status === 429) break;
      expect(res.status).toBe(200);
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
    expect(res!.body.error.name).toBe('TooManyOperationsError');
  });
});

describe('MCP: the MCP actions backend serves luffy:<op>', () => {
  let port = 0;
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        luffyPlugin,
        mcpActionsPlugin,
        actionsRegistryServiceFactory,
        actionsServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            ...(config.get() as object),
            backend: { actions: { pluginSources: ['luffy'] } },
            luffy: { gitops: { repo: 'acme/gitops' } },
          },
        }),
        // the actions service finds the luffy plugin through discovery: this server's port
        createServiceFactory({
          service: coreServices.discovery,
          deps: {},
          factory: () => ({
            getBaseUrl: async (id: string) =>
              `http://127.0.0.1:${port}/api/${id}`,
            getExternalBaseUrl: async (id: string) =>
              `http://127.0.0.1:${port}/api/${id}`,
          }),
        }),
        catalogServiceMock.factory({ entities: demoEntities() }),
        createServiceFactory({
          service: luffyClientsServiceRef,
          deps: {},
          factory: () => clients,
        }),
        createServiceFactory({
          service: coreServices.permissions,
          deps: {},
          factory: () =>
            ({
              authorize: async (requests: unknown[]) =>
                requests.map(() => ({
                  result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
                })),
              authorizeConditional: async () => [],
            } as any),
        }),
      ],
    }));
    port = (server.address() as AddressInfo).port;
  });

  async function connect(user: string) {
    const client = new Client({ name: 'luffy-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${port}/api/mcp-actions/v1`),
        {
          requestInit: {
            headers: { Authorization: mockCredentials.user.header(user) },
          },
        },
      ),
    );
    return client;
  }

  it('lists the luffy actions and restarts checkout with a user token; refused without the permission', async () => {
    const client = await connect('user:default/alice');
    const { tools } = await client.listTools();
    const names = tools.map(t => t.name);
    const restartTool = names.find(n => /restart/.test(n) && /luffy/.test(n))!;
    expect(restartTool).toBeDefined();
    expect(names.filter(n => /luffy/.test(n))).toHaveLength(11);

    const before = restartedAt(await deployment('acme-prod', 'checkout'));
    const res = (await client.callTool({
      name: restartTool,
      arguments: { entityRef: CHECKOUT, environment: 'prod' },
    })) as { isError?: boolean; content: Array<{ text?: string }> };
    expect(res.isError).toBeFalsy();
    expect(JSON.stringify(res.content)).toContain('succeeded');
    expect(restartedAt(await deployment('acme-prod', 'checkout'))).not.toBe(
      before,
    );

    allow = false;
    const after = restartedAt(await deployment('acme-prod', 'checkout'));
    const denied = (await client
      .callTool({
        name: restartTool,
        arguments: { entityRef: CHECKOUT, environment: 'prod' },
      })
      .catch(e => ({ isError: true, content: [{ text: String(e) }] }))) as {
      isError?: boolean;
      content: Array<{ text?: string }>;
    };
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied.content)).toContain('luffy.operation.run');
    expect(restartedAt(await deployment('acme-prod', 'checkout'))).toBe(after);
    await client.close();
  });
});
