import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { waitFor } from '@openluffy/sandbox';
import express from 'express';
import request from 'supertest';
import { createIncidentsHealingRouter } from '../../routes/incidentsHealing';
import { createAuditLog } from '../AuditLog';
import {
  demoEntities,
  startHealingSandbox,
  type HealingSandbox,
} from './__testUtils__/healingSandbox';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('healing loop against the sandbox', () => {
  let h: HealingSandbox;

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    h = await startHealingSandbox({ knex, logger: mockServices.logger.mock() });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const incidentOf = async (workload: string, namespace = 'acme-dev') =>
    (
      await h.store.listByStatus([
        'detected',
        'diagnosing',
        'diagnosed',
        'awaiting-approval',
        'fixing',
        'healed',
        'failed',
        'escalated',
        'dismissed',
      ])
    ).find(i => i.workload === workload && i.namespace === namespace);

  function api() {
    const app = express();
    app.use(express.json());
    app.use(
      createIncidentsHealingRouter({
        httpAuth: mockServices.httpAuth(),
        permissions: mockServices.permissions(),
        auditLog: createAuditLog({ store: h.auditStore, logger: h.logger }),
        engine: h.engine,
        store: h.store,
        enabled: true,
        diagnoser: 'rules',
      }),
    );
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: h.logger,
      }).error(),
    );
    return app;
  }

  it('oom on checkout (propose): incident → rules diagnosis → PR raising the memory limit → approve → Argo CD → healed', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'oom' },
    });

    const proposed = await waitFor(
      async () => {
        const r = await h.engine.sweep();
        const i = await incidentOf('checkout');
        if (i?.status === 'awaiting-approval') return i;
        throw new Error(
          `sweep ${JSON.stringify(r)}; incident ${JSON.stringify(
            i && (await h.store.getDetail(i.id)).timeline,
          )}`,
        );
      },
      'an incident awaiting approval for checkout',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(proposed.reason).toBe('OOMKilled');
    const detail = (
      await request(api()).get(`/incidents/${proposed.id}`).expect(200)
    ).body;
    expect(detail.diagnosis.provider).toBe('rules');
    expect(detail.diagnosis.patch.operations).toEqual([
      {
        op: 'set-resources',
        container: 'checkout',
        limits: { memory: '512Mi' },
      },
    ]);
    expect(detail.proposal.path).toBe('apps/checkout/dev/deployment.yaml');
    expect(detail.proposal.diff).toContain('+              memory: 512Mi');
    expect(detail.context.logs.length).toBeGreaterThan(0);
    expect(detail.timeline.map((t: any) => t.to)).toEqual([
      'detected',
      'diagnosing',
      'awaiting-approval',
    ]);

    // the PR in acme/gitops
    const { data: pr } = await h.octokit.pulls.get({
      owner: 'acme',
      repo: 'gitops',
      pull_number: detail.pullRequest.number,
    });
    expect(pr.head.ref).toBe(`luffy/heal-checkout-${proposed.id.slice(0, 8)}`);
    expect(pr.labels.map(l => l.name)).toContain('openluffy/healing');
    expect(pr.body).toContain('### Root cause');
    const { data: files } = await h.octokit.pulls.listFiles({
      owner: 'acme',
      repo: 'gitops',
      pull_number: pr.number,
    });
    expect(files.map(f => f.filename)).toEqual([
      'apps/checkout/dev/deployment.yaml',
    ]);

    // a second sweep neither opens another incident nor another PR
    await h.engine.sweep();
    const { data: open } = await h.octokit.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      state: 'open',
      per_page: 100,
    });
    expect(
      open.filter(p => p.head.ref.startsWith('luffy/heal-checkout-')),
    ).toHaveLength(1);

    // approve through the API
    const approved = await request(api())
      .post(`/incidents/${proposed.id}/approve`)
      .set('authorization', mockCredentials.user.header())
      .send({ reason: 'looks right' })
      .expect(200);
    expect(approved.body.status).toBe('fixing');
    expect(approved.body.pullRequest.state).toBe('merged');

    const healed = await waitFor(
      async () => {
        await h.engine.sweep();
        const i = await h.store.getIncident(proposed.id);
        return i.status === 'healed' ? i : undefined;
      },
      'the incident to be healed',
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(healed.resolvedAt).toBeDefined();
    const final = await h.store.getDetail(proposed.id);
    expect(final.timeline.map(t => `${t.to}:${t.actor}`)).toEqual([
      'detected:luffy',
      'diagnosing:luffy',
      'awaiting-approval:luffy',
      'fixing:user:default/mock',
      'healed:luffy',
    ]);
    const audit = await h.auditStore.listAudit({
      target: 'component:default/checkout',
      limit: 100,
    });
    expect(audit.items.map(a => a.action)).toEqual(
      expect.arrayContaining([
        'incident.detect',
        'incident.diagnose',
        'incident.pullRequest',
        'incident.approve',
        'incident.healed',
      ]),
    );
  });

  it('oom on recommender (observe): diagnosis only, no pull request', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'recommender', env: 'dev', mode: 'oom' },
    });
    const diagnosed = await waitFor(
      async () => {
        await h.engine.sweep();
        const i = await incidentOf('recommender');
        return i?.status === 'diagnosed' ? i : undefined;
      },
      'a diagnosed incident for recommender',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const detail = await h.store.getDetail(diagnosed.id);
    expect(detail.autonomy).toBe('observe');
    expect(detail.diagnosis?.patch?.operations[0]).toMatchObject({
      op: 'set-resources',
    });
    expect(detail.pullRequest).toBeUndefined();
    const { data: open } = await h.octokit.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      state: 'open',
      per_page: 100,
    });
    expect(
      open.filter(p => p.head.ref.startsWith('luffy/heal-recommender-')),
    ).toHaveLength(0);
  });

  const settle = (workload: string, namespace: string, statuses: string[]) =>
    waitFor(
      async () => {
        await h.engine.sweep();
        const i = await incidentOf(workload, namespace);
        if (i && statuses.includes(i.status)) return h.store.getDetail(i.id);
        throw new Error(
          `incident ${JSON.stringify(
            i && (await h.store.getDetail(i.id)).timeline,
          )}`,
        );
      },
      `an incident of ${namespace}/${workload} in ${statuses.join('|')}`,
      { timeoutMs: 60_000, intervalMs: 250 },
    );

  it('readiness on checkout (preprod): proposes relaxed probe timings', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'preprod', mode: 'readiness' },
    });
    const d = await settle('checkout', 'acme-preprod', [
      'awaiting-approval',
      'escalated',
    ]);
    expect(d.reason).toBe('ReadinessFailing');
    expect(d.status).toBe('awaiting-approval');
    expect(d.diagnosis?.patch?.operations[0]).toMatchObject({
      op: 'set-probe',
      probe: 'readinessProbe',
    });
    expect(d.proposal?.diff).toContain('+            timeoutSeconds: 5');
  });

  it('crash on checkout (prod): escalated with the crash evidence', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'prod', mode: 'crash' },
    });
    const d = await settle('checkout', 'acme-prod', [
      'escalated',
      'awaiting-approval',
    ]);
    expect(d.status).toBe('escalated');
    expect(d.diagnosis?.runbookId).toBe('crash-escalate');
    expect(d.diagnosis?.evidence.join('\n')).toContain(
      'connection to upstream refused',
    );
  });

  it('missing-env on inventory (dev, Helm): names the variable and escalates (its value is in git already)', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'inventory', env: 'dev', mode: 'missing-env' },
    });
    const d = await settle('inventory', 'acme-dev', [
      'escalated',
      'awaiting-approval',
    ]);
    expect(d.status).toBe('escalated');
    expect(d.diagnosis?.rootCause).toContain('DATABASE_URL');
    expect(d.context?.manifest?.path).toBe('apps/inventory/dev/values.yaml');
  });

  it('refuses approving an incident that does not await approval, and unknown ids', async () => {
    const i = await incidentOf('recommender');
    expect(i?.status).toBe('diagnosed');
    await request(api())
      .post(`/incidents/${i!.id}/approve`)
      .set('authorization', mockCredentials.user.header())
      .send({})
      .expect(409);
    await request(api())
      .get('/incidents/00000000-0000-4000-8000-000000000000')
      .set('authorization', mockCredentials.user.header())
      .expect(404);
  });

  it('keeps per-entity errors for malformed annotations without failing the sweep', async () => {
    const entities = demoEntities();
    entities.push({
      ...entities[0],
      metadata: {
        ...entities[0].metadata,
        name: 'broken',
        annotations: {
          ...entities[0].metadata.annotations,
          'openluffy.io/gitops-repo': 'not a slug',
        },
      },
    });
    const engine = new (h.engine.constructor as any)({
      ...(h.engine as any).deps,
      entities: async () => entities,
    });
    const result = await engine.sweep({ process: false });
    expect(result.entityErrors).toBe(1);
    const [status] = await h.store.entityStatuses({
      entityRef: 'component:default/broken',
    });
    expect(status.errors[0]).toMatch(
      /openluffy.io\/gitops-repo must be "owner\/repo"/,
    );
  });
});
