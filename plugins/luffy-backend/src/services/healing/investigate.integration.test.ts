import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { OperationRequest } from '@openluffy/plugin-luffy-common';
import { readEntitySettings } from '@openluffy/plugin-luffy-node';
import { waitFor } from '@openluffy/sandbox';
import express from 'express';
import request from 'supertest';
import { createInvestigateRouter } from '../../routes/investigate';
import { createAuditLog } from '../AuditLog';
import { investigate as investigateOperation } from '../operations/ops/investigate';
import type { OperationContext } from '../operations/types';
import {
  demoEntities,
  startHealingSandbox,
  type HealingSandbox,
} from './__testUtils__/healingSandbox';
import { createAnthropicInvestigator } from './diagnosers/anthropicInvestigator';
import { createInvestigations, setInvestigations } from './investigations';

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('investigate against the sandbox', () => {
  let h: HealingSandbox;
  const checkout = () =>
    demoEntities().find(e => e.metadata.name === 'checkout')!;
  const entityRef = 'component:default/checkout';

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    h = await startHealingSandbox({ knex, logger: mockServices.logger.mock() });
  }, 180_000);
  afterAll(async () => {
    setInvestigations(undefined);
    await h?.stop();
  });

  const anthropic = (extra: { maxSteps?: number } = {}) => {
    const prompts: unknown[] = [];
    const investigations = createInvestigations({
      config: h.config,
      catalog: catalogServiceMock({ entities: demoEntities() }),
      auth: mockServices.auth(),
      clients: h.clients,
      investigator: createAnthropicInvestigator({
        apiKey: 'sandbox-anthropic-key',
        baseUrl: h.sandbox.urls.anthropic,
        backoffMs: 10,
        onRequest: r => {
          prompts.push(r.body);
        },
      }),
    });
    return { investigations, prompts, ...extra };
  };
  const script = (responses: unknown[]) =>
    h.control('anthropic/script', {
      method: 'POST',
      family: 'anthropic',
      body: { responses },
    });
  const requests = async () =>
    (await h.control('anthropic/requests', { family: 'anthropic' }))
      .items as Array<{
      body: any;
    }>;
  const toolUse = (name: string, input: unknown) => ({
    content: [{ type: 'tool_use', name, input }],
  });
  const report = {
    summary: 'checkout in dev runs out of memory.',
    likelyCause: 'memory limit too low',
    confidence: 0.8,
    findings: ['OOMKilled'],
    evidence: ['exit 137'],
    suggestions: ['raise the memory limit'],
  };

  it('anthropic: the model calls read-only tools, a repeated call is not run again, the report is validated', async () => {
    await h.control('anthropic/requests', {
      method: 'DELETE',
      family: 'anthropic',
    });
    await script([
      toolUse('workload_status', { environment: 'dev' }),
      toolUse('workload_status', { environment: 'dev' }), // repeated: not run again
      toolUse('argocd_diff', { environment: 'dev' }),
      toolUse('report_investigation', report),
    ]);
    const { investigations, prompts } = anthropic();
    const r = await investigations.investigate({
      entityRef,
      question: 'why is checkout broken in dev?',
    });
    expect(r).toMatchObject({
      investigator: 'anthropic',
      stoppedBy: 'answer',
      summary: report.summary,
      modelCalls: 4,
    });
    expect(r.steps.map(s => [s.tool, !!s.repeated])).toEqual([
      ['workload_status', false],
      ['workload_status', true],
      ['argocd_diff', false],
    ]);
    expect(r.steps[0].output).toMatch(/"deployments"/);
    expect(r.steps[2].output).toMatch(/checkout-dev/);
    // the model was told the second call repeated the first
    const sent = await requests();
    expect(sent).toHaveLength(4);
    const toolResults = sent[2].body.messages.at(-1).content;
    expect(toolResults[0]).toMatchObject({
      type: 'tool_result',
      is_error: true,
    });
    expect(toolResults[0].content).toMatch(/Repeated call: workload_status/);
    expect(prompts).toHaveLength(4);
  });

  it('anthropic: after repeated calls the model must report at once (tool_choice forced)', async () => {
    await h.control('anthropic/requests', {
      method: 'DELETE',
      family: 'anthropic',
    });
    await script([
      toolUse('events', {
        namespace: 'acme-dev',
        kind: 'Deployment',
        name: 'checkout',
      }),
      toolUse('events', {
        namespace: 'acme-dev',
        kind: 'Deployment',
        name: 'checkout',
      }),
      toolUse('events', {
        name: 'checkout',
        kind: 'Deployment',
        namespace: 'acme-dev',
      }),
      toolUse('report_investigation', report),
    ]);
    const r = await anthropic().investigations.investigate({
      entityRef,
      question: 'why is checkout slow?',
    });
    expect(r.stoppedBy).toBe('repeated-call');
    expect(r.steps.filter(s => !s.repeated)).toHaveLength(1);
    const sent = await requests();
    expect(sent.at(-1)!.body.tool_choice).toEqual({
      type: 'tool',
      name: 'report_investigation',
    });
  });

  it('anthropic: the step cap stops the tools and forces the report', async () => {
    await script([
      ...Array.from({ length: 10 }, (_, i) =>
        toolUse('pod_logs', { namespace: 'acme-dev', pod: `nope-${i}` }),
      ),
      toolUse('report_investigation', report),
    ]);
    await h.control('anthropic/requests', {
      method: 'DELETE',
      family: 'anthropic',
    });
    const r = await anthropic().investigations.investigate({
      entityRef,
      question: 'why?',
    });
    // the default cap: 8 tool calls run, then report_investigation is forced
    expect(r.stoppedBy).toBe('step-cap');
    expect(r.steps).toHaveLength(8);
    expect((await requests()).at(-1)!.body.tool_choice.name).toBe(
      'report_investigation',
    );
    await h.control('anthropic/script', {
      method: 'DELETE',
      family: 'anthropic',
    });
  });

  it('anthropic: 529s are retried, then the rules write the report', async () => {
    await script(Array.from({ length: 6 }, () => ({ status: 529 })));
    const r = await anthropic().investigations.investigate({
      entityRef,
      question: 'why is checkout broken?',
    });
    expect(r.investigator).toBe('rules');
    expect(r.fallbackReason).toMatch(
      /anthropic: Anthropic API overloaded after 4 attempts/,
    );
    expect(r.steps[0].tool).toBe('workload_status');
    await h.control('anthropic/script', {
      method: 'DELETE',
      family: 'anthropic',
    });
  });

  it('rules over the API: chaos oom → a report naming the memory limit; permission checked and audited', async () => {
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'oom' },
    });
    const auditLog = createAuditLog({ store: h.auditStore, logger: h.logger });
    const investigations = createInvestigations({
      config: h.config, // luffy.diagnoser.provider: rules
      catalog: catalogServiceMock({ entities: demoEntities() }),
      auth: mockServices.auth(),
      clients: h.clients,
      auditLog,
    });
    expect(investigations.investigatorId).toBe('rules');
    const app = (allow: boolean) => {
      const a = express();
      a.use(express.json());
      a.use(
        createInvestigateRouter({
          httpAuth: mockServices.httpAuth(),
          permissions: mockServices.permissions.mock({
            authorize: async () => [
              { result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY },
            ],
          }),
          auditLog,
          investigations,
        }),
      );
      a.use(
        MiddlewareFactory.create({
          config: h.config,
          logger: h.logger,
        }).error(),
      );
      return a;
    };
    const url = '/entity/default/component/checkout/investigate';
    const denied = await request(app(false))
      .post(url)
      .send({ question: 'why is checkout broken?' });
    expect(denied.status).toBe(403);
    expect((await request(app(true)).post(url).send({ nope: 1 })).status).toBe(
      400,
    );

    const res = await waitFor(
      async () => {
        const r = await request(app(true))
          .post(url)
          .send({ question: 'why is checkout broken?', environment: 'dev' });
        return r.status === 200 && /memory/.test(r.body.likelyCause ?? '')
          ? r
          : undefined;
      },
      'a report naming the memory limit',
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(res.body).toMatchObject({
      investigator: 'rules',
      stoppedBy: 'answer',
      entityRef,
    });
    expect(res.body.findings.join('\n')).toMatch(/OOMKilled/);
    expect(res.body.steps.length).toBeLessThanOrEqual(8);
    const audit = await h.auditStore.listAudit({
      action: 'entity.investigate',
    });
    expect(audit.items.map(a => a.outcome)).toEqual(
      expect.arrayContaining(['denied', 'succeeded']),
    );
    expect(audit.items.find(a => a.outcome === 'succeeded')!.actor).toBe(
      mockCredentials.user().principal.userEntityRef,
    );

    // the same through the investigate operation (read-only; the configured investigator)
    setInvestigations(investigations);
    const requests2: OperationRequest[] = [];
    const ctx: Partial<OperationContext> = {
      entity: checkout(),
      entityRef,
      settings: readEntitySettings(checkout(), { gitopsRepo: 'acme/gitops' }),
      clients: h.clients,
      request: r => {
        requests2.push(r);
      },
    };
    const outcome = await investigateOperation.run(ctx as OperationContext, {
      question: 'why is checkout broken?',
      environment: 'dev',
    });
    expect(outcome.changes).toEqual([]);
    expect((outcome.details!.report as any).likelyCause).toMatch(/memory/);
    expect(requests2.every(r => r.method === 'GET')).toBe(true);
    await h.control('chaos', {
      method: 'POST',
      body: { service: 'checkout', env: 'dev', mode: 'none' },
    });
  });
});
