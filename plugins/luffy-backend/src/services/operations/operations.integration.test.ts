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
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type {
  AuditEvent,
  WorkloadEnvironment,
} from '@openluffy/plugin-luffy-common';
import {
  createGitopsRepo,
  KUBERNETES_KINDS,
  luffyClientsServiceRef,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, waitFor, type Sandbox } from '@openluffy/sandbox';
import { demoEntities } from '../healing/__testUtils__/healingSandbox';
import { createLuffyEvents } from '../LuffyEvents';
import { luffyPlugin } from '../../plugin';
import {
  memoryAuditLog,
  startLuffySandbox,
  switchablePermissions,
} from '../../__testUtils__/luffySandbox';
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
let config: ConfigReader;
let operations: OperationsService;
let stopSandbox: () => Promise<void>;
const logger = mockServices.logger.mock();
const permissions = switchablePermissions();
let auditLog: ReturnType<typeof memoryAuditLog>['auditLog'];

function makeService(
  settings?: Parameters<typeof createOperations>[0]['settings'],
) {
  return createOperations({
    config,
    logger,
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities: demoEntities() }),
    permissions,
    clients,
    auditLog,
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
  ({
    sandbox,
    config,
    clients,
    stop: stopSandbox,
  } = await startLuffySandbox({
    name: 'ops',
    luffy: { operations: { maxReplicas: 10 } },
    waitForDemoApps: true,
  }));
  const memory = memoryAuditLog(logger);
  auditLog = memory.auditLog;
  audit = memory.rows;
  operations = makeService();
});

afterAll(async () => {
  await stopSandbox?.();
});

beforeEach(() => {
  permissions.allow = true;
});

const run = (
  operation: string,
  input: Record<string, unknown>,
  extra: {
    dryRun?: boolean;
    confirmationToken?: string;
    credentials?: any;
    service?: OperationsService;
    entityRef?: string;
  } = {},
) =>
  (extra.service ?? operations).run({
    entityRef: extra.entityRef ?? CHECKOUT,
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
    permissions.allow = false;
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
    // asked for this entity, so a policy can answer with the catalog's IS_ENTITY_OWNER
    expect(permissions.requests.at(-1)).toEqual({
      permission: expect.objectContaining({
        name: 'luffy.operation.run',
        resourceType: 'catalog-entity',
      }),
      resourceRef: CHECKOUT,
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
          factory: () => permissions,
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
    expect(res.body.items).toHaveLength(12);
  });

  it('GET .../workloads: Deployments per environment with rollout health and pods', async () => {
    const res = await request(server)
      .get('/api/luffy/entity/default/component/checkout/workloads')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const envs = res.body.environments as WorkloadEnvironment[];
    expect(envs.map(e => e.environment)).toEqual(['dev', 'preprod', 'prod']);
    const prod = envs.find(e => e.environment === 'prod')!;
    const live = await pods('acme-prod', 'checkout');
    expect(prod).toMatchObject({
      cluster: 'sandbox',
      namespace: 'acme-prod',
      deployment: 'checkout',
      health: { status: expect.any(String) },
    });
    expect(prod.pods.map(p => p.name)).toEqual(
      expect.arrayContaining(live.map(p => p.metadata!.name)),
    );
    expect(prod.pods[0]).toMatchObject({
      phase: expect.any(String),
      ready: expect.any(Boolean),
      restarts: expect.any(Number),
      current: expect.any(Boolean),
    });
    const one = await request(server)
      .get(
        '/api/luffy/entity/default/component/checkout/workloads?environment=dev',
      )
      .set('Authorization', mockCredentials.user.header());
    expect(
      one.body.environments.map((e: { environment: string }) => e.environment),
    ).toEqual(['dev']);
    const unknown = await request(server)
      .get('/api/luffy/entity/default/component/nope/workloads')
      .set('Authorization', mockCredentials.user.header());
    expect(unknown.status).toBe(404);
  });

  it('answers in Backstage’s error format: 400, 403, 404, 412 with a token', async () => {
    const bad = await post('scale', { environment: 'dev', replicas: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('replicas'),
    });
    expect((await post('nope', {})).status).toBe(404);
    permissions.allow = false;
    const denied = await post('restart', { environment: 'dev' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.name).toBe('NotAllowedError');
    permissions.allow = true;
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
    permissions.allow = false;
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
          factory: () => permissions,
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
    expect(names.filter(n => /luffy/.test(n))).toHaveLength(12);

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

    permissions.allow = false;
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

describe('Argo CD without auto-sync: the scale subresource and Argo CD’s rollback API', () => {
  const INVENTORY = 'component:default/inventory';
  const argocd = async (p: string, init: { method: string; body: unknown }) => {
    const res = await fetch(`${sandbox.urls.argocd}${p}`, {
      method: init.method,
      headers: {
        authorization: `Bearer ${DEFAULT_TOKENS.argocd}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(init.body),
    });
    expect(res.status).toBe(200);
  };
  const namespaceOf = async (app: string) =>
    (await clients.argocd.getApplication(app)).spec.destination!.namespace!;

  beforeAll(async () => {
    // automated sync off: on the root app first (it would self-heal the children), then on
    // inventory's dev and preprod applications
    const noAuto = JSON.stringify({
      spec: { syncPolicy: { automated: null } },
    });
    for (const name of ['root', 'inventory-dev', 'inventory-preprod']) {
      await argocd(`/api/v1/applications/${name}`, {
        method: 'PATCH',
        body: { patch: noAuto, patchType: 'merge' },
      });
    }
  });

  it('scale: dry run changes nothing; refused without the permission; then the scale subresource, audited, with undo', async () => {
    const ns = await namespaceOf('inventory-dev');
    const before = (await deployment(ns, 'inventory')).spec!.replicas!;
    const want = before + 1;
    const dry = await run(
      'scale',
      { environment: 'dev', replicas: want },
      { dryRun: true, entityRef: INVENTORY },
    );
    expect(dry).toMatchObject({ status: 'dry-run', path: 'kubernetes' });
    expect(dry.requests).toEqual([
      expect.objectContaining({
        system: 'kubernetes',
        method: 'PUT',
        path: `/apis/apps/v1/namespaces/${ns}/deployments/inventory/scale`,
        body: { spec: { replicas: want } },
      }),
    ]);
    expect((await deployment(ns, 'inventory')).spec!.replicas).toBe(before);
    expect(lastAudit()).toMatchObject({
      action: 'operation.scale',
      target: INVENTORY,
      outcome: 'dry-run',
    });

    permissions.allow = false;
    await expect(
      run(
        'scale',
        { environment: 'dev', replicas: want },
        { entityRef: INVENTORY },
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(lastAudit()).toMatchObject({
      action: 'operation.scale',
      outcome: 'denied',
    });
    expect((await deployment(ns, 'inventory')).spec!.replicas).toBe(before);
    permissions.allow = true;

    const r = await run(
      'scale',
      { environment: 'dev', replicas: want },
      { entityRef: INVENTORY },
    );
    expect(r).toMatchObject({
      status: 'succeeded',
      path: 'kubernetes',
      changes: [expect.objectContaining({ before, after: want })],
      undo: { operation: 'scale', input: { replicas: before } },
    });
    expect(r.pullRequestUrl).toBeUndefined();
    expect((await deployment(ns, 'inventory')).spec!.replicas).toBe(want);
    await waitFor(
      async () =>
        (await deployment(ns, 'inventory')).status?.readyReplicas === want,
      `${want} ready inventory pods`,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(lastAudit()).toMatchObject({
      actor: 'user:default/alice',
      action: 'operation.scale',
      target: INVENTORY,
      outcome: 'succeeded',
      input: expect.objectContaining({ environment: 'dev', replicas: want }),
    });
  });

  it('rollback: Argo CD’s rollback to the previous history entry (dry run, refusal, confirmation, effect, audit)', async () => {
    const app = 'inventory-preprod';
    const ns = await namespaceOf(app);
    const envVar = (d: V1Deployment) =>
      d.spec!.template!.spec!.containers[0].env?.find(
        e => e.name === 'LUFFY_ROLLBACK_TEST',
      )?.value;
    // a new revision in git, synced by hand (auto-sync is off): two history entries
    const repo = await gitops();
    const file = (await repo.readFile('apps/inventory/preprod/values.yaml'))!;
    await repo.commitFiles({
      message: 'inventory preprod: LUFFY_ROLLBACK_TEST',
      files: [
        {
          path: file.path,
          content: file.content.replace(
            'env_vars:\n',
            'env_vars:\n  LUFFY_ROLLBACK_TEST: "1"\n',
          ),
        },
      ],
    });
    const historyBefore = (await clients.argocd.history(app)).length;
    await clients.argocd.refresh(app);
    await run(
      'argocd-sync',
      { environment: 'preprod' },
      { entityRef: INVENTORY },
    );
    const synced = await waitFor(
      async () => {
        const a = await clients.argocd.getApplication(app);
        const h = a.status?.history ?? [];
        return h.length > historyBefore &&
          a.status?.operationState?.phase === 'Succeeded'
          ? h
          : undefined;
      },
      'the manual sync to add a history entry',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor(
      async () => envVar(await deployment(ns, 'inventory')) === '1',
      'the new revision live',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const current = synced[synced.length - 1];
    const previous = [...synced]
      .reverse()
      .find(h => h.revision !== current.revision)!;

    const dry = await run(
      'argocd-rollback',
      { environment: 'preprod' },
      { dryRun: true, entityRef: INVENTORY },
    );
    expect(dry).toMatchObject({
      status: 'dry-run',
      path: 'argocd',
      changes: [
        expect.objectContaining({
          before: current.revision,
          after: previous.revision,
        }),
      ],
      undo: { operation: 'argocd-sync' },
    });
    expect(dry.requests).toEqual([
      expect.objectContaining({
        system: 'argocd',
        method: 'POST',
        path: `/api/v1/applications/${app}/rollback`,
        body: { id: previous.id, dryRun: true },
      }),
    ]);
    expect(dry.confirmation?.token).toEqual(expect.any(String));

    permissions.allow = false;
    await expect(
      run(
        'argocd-rollback',
        { environment: 'preprod' },
        { entityRef: INVENTORY, confirmationToken: dry.confirmation!.token },
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(lastAudit()).toMatchObject({
      action: 'operation.argocd-rollback',
      outcome: 'denied',
    });
    permissions.allow = true;
    // neither the dry run nor the refusal rolled anything back
    expect((await clients.argocd.history(app)).length).toBe(synced.length);
    expect(envVar(await deployment(ns, 'inventory'))).toBe('1');
    await expect(
      run(
        'argocd-rollback',
        { environment: 'preprod' },
        { entityRef: INVENTORY },
      ),
    ).rejects.toBeInstanceOf(ConfirmationRequiredError);

    // Argo CD runs the dry-run rollback as an operation too: the rollback waits for it
    // (as right after the preview in the UI) instead of answering 409
    const r = await run(
      'argocd-rollback',
      { environment: 'preprod' },
      { entityRef: INVENTORY, confirmationToken: dry.confirmation!.token },
    );
    expect(r).toMatchObject({ status: 'succeeded', path: 'argocd' });
    expect(r.pullRequestUrl).toBeUndefined();
    await waitFor(
      async () => {
        const a = await clients.argocd.getApplication(app);
        const h = a.status?.history ?? [];
        return (
          h.length > synced.length &&
          h[h.length - 1].revision === previous.revision &&
          envVar(await deployment(ns, 'inventory')) === undefined
        );
      },
      'the rollback to the previous revision (history and live Deployment)',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(lastAudit()).toMatchObject({
      actor: 'user:default/alice',
      action: 'operation.argocd-rollback',
      target: INVENTORY,
      outcome: 'succeeded',
    });
  });
});

describe('workflow-rerun: all jobs and only the failed ones', () => {
  it('re-runs a failed run’s failed jobs, then all jobs (dry run, refusal, effect, audit)', async () => {
    const { octokit } = await clients.github.forRepo('acme/checkout');
    const repo = { owner: 'acme', repo: 'checkout' };
    // a branch whose head fails the build job on the first attempt only
    const { data: main } = await octokit.repos.getBranch({
      ...repo,
      branch: 'main',
    });
    await octokit.git.createRef({
      ...repo,
      ref: 'refs/heads/luffy-rerun-test',
      sha: main.commit.sha,
    });
    await octokit.repos.createOrUpdateFileContents({
      ...repo,
      branch: 'luffy-rerun-test',
      path: 'RERUN.md',
      message: 'rerun test [ci flaky: build]',
      content: Buffer.from('rerun\n').toString('base64'),
    });
    const dispatched = await run('workflow-dispatch', {
      workflow: 'ci.yaml',
      ref: 'luffy-rerun-test',
    });
    const runId = (dispatched.details!.run as { id: number }).id;
    const getRun = async () =>
      (await octokit.actions.getWorkflowRun({ ...repo, run_id: runId })).data;
    const completed = (attempt: number, conclusion: string) =>
      waitFor(
        async () => {
          const r = await getRun();
          return r.run_attempt === attempt && r.status === 'completed'
            ? r.conclusion === conclusion
            : undefined;
        },
        `attempt ${attempt} of run ${runId} to complete (${conclusion})`,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    await completed(1, 'failure');

    const dry = await run(
      'workflow-rerun',
      { runId, failedOnly: true },
      { dryRun: true },
    );
    expect(dry.requests).toEqual([
      expect.objectContaining({
        system: 'github',
        method: 'POST',
        path: `/repos/acme/checkout/actions/runs/${runId}/rerun-failed-jobs`,
      }),
    ]);
    expect(dry.status).toBe('dry-run');
    expect(lastAudit()).toMatchObject({
      action: 'operation.workflow-rerun',
      outcome: 'dry-run',
    });
    permissions.allow = false;
    await expect(
      run('workflow-rerun', { runId, failedOnly: true }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(lastAudit()).toMatchObject({
      action: 'operation.workflow-rerun',
      outcome: 'denied',
    });
    permissions.allow = true;
    expect(await getRun()).toMatchObject({
      run_attempt: 1,
      status: 'completed',
    });

    const failed = await run('workflow-rerun', { runId, failedOnly: true });
    expect(failed).toMatchObject({
      status: 'succeeded',
      path: 'github',
      changes: [expect.objectContaining({ before: 1, after: 2 })],
    });
    await completed(2, 'success');
    const { data: jobs } = await octokit.actions.listJobsForWorkflowRunAttempt({
      ...repo,
      run_id: runId,
      attempt_number: 2,
    });
    expect(jobs.jobs.map(j => [j.name, j.conclusion])).toEqual([
      ['build', 'success'],
    ]);
    expect(lastAudit()).toMatchObject({
      actor: 'user:default/alice',
      action: 'operation.workflow-rerun',
      outcome: 'succeeded',
      input: expect.objectContaining({ runId, failedOnly: true }),
    });

    const all = await run('workflow-rerun', { runId });
    expect(all.requests[0].path).toBe(
      `/repos/acme/checkout/actions/runs/${runId}/rerun`,
    );
    expect(all.changes[0]).toMatchObject({ before: 2, after: 3 });
    await completed(3, 'success');
    expect(lastAudit()).toMatchObject({
      action: 'operation.workflow-rerun',
      outcome: 'succeeded',
    });
    // the run's live status (what the UI polls): attempt, jobs, links
    expect(
      await operations.workflowRun({
        entityRef: CHECKOUT,
        credentials: alice,
        runId,
      }),
    ).toMatchObject({
      id: runId,
      status: 'completed',
      conclusion: 'success',
      attempt: 3,
      htmlUrl: expect.stringContaining(`/actions/runs/${runId}`),
      jobs: [
        expect.objectContaining({
          name: 'build',
          status: 'completed',
          conclusion: 'success',
        }),
      ],
    });
    await expect(
      operations.workflowRun({
        entityRef: CHECKOUT,
        credentials: alice,
        runId: 999_999,
      }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
