import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealingDiagnosisInput } from '@openluffy/plugin-luffy-node';
import { applyPatchPolicy } from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, startSandbox, type Sandbox } from '@openluffy/sandbox';
import {
  DiagnoserError,
  createAnthropicDiagnoser,
  renderPrompt,
} from './anthropic';

jest.setTimeout(60_000);

const input: HealingDiagnosisInput = {
  incidentId: 'i-1',
  failure: {
    cluster: 'sandbox',
    namespace: 'acme-dev',
    workload: 'checkout',
    workloadKind: 'Deployment',
    reason: 'OOMKilled',
    containers: ['checkout'],
  },
  context: {
    findings: [
      'OOMKilled: container checkout of pod checkout-abc-1 was OOMKilled',
    ],
    logs: [
      {
        pod: 'checkout-abc-1',
        container: 'checkout',
        previous: true,
        lines: ['FATAL: out of memory', 'key [REDACTED](aws-key)'],
      },
    ],
    events: [
      {
        object: 'Pod/checkout-abc-1',
        reason: 'OOMKilling',
        message: 'Memory cgroup out of memory',
      },
    ],
    redactions: 1,
  },
  workload: {
    kind: 'Deployment',
    namespace: 'acme-dev',
    name: 'checkout',
    containers: [
      { name: 'checkout', resources: { limits: { memory: '256Mi' } } },
    ],
  },
};

const reply = (patch: unknown, extra: Record<string, unknown> = {}) => ({
  content: [
    {
      type: 'tool_use',
      name: 'report_diagnosis',
      input: {
        rootCause: 'The container exceeds its 256Mi memory limit.',
        confidence: 0.9,
        evidence: ['FATAL: out of memory'],
        action: 'propose',
        patch,
        runbook: 'Raise the limit.',
        runbookId: 'raise-memory-limit',
        ...extra,
      },
    },
  ],
});
const memoryPatch = {
  target: { namespace: 'acme-dev', kind: 'Deployment', name: 'checkout' },
  operations: [
    { op: 'set-resources', container: 'checkout', limits: { memory: '512Mi' } },
  ],
};

describe('anthropic diagnoser against the sandbox Messages API', () => {
  let sandbox: Sandbox;
  let dir: string;
  const control = async (p: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${sandbox.urls.anthropic}/_sandbox/${p}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    return res.status === 204 ? undefined : res.json();
  };
  const diagnoser = (onRequest?: (r: any) => void) =>
    createAnthropicDiagnoser({
      apiKey: DEFAULT_TOKENS.anthropic,
      baseUrl: sandbox.urls.anthropic,
      backoffMs: 10,
      retries: 2,
      onRequest,
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-anthropic-'));
    sandbox = await startSandbox({
      dataDir: dir,
      seed: false,
      ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
      logger: { info() {}, warn() {}, error() {} },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await control('anthropic/script', 'DELETE');
    await control('anthropic/requests', 'DELETE');
  });

  it('answers through a forced strict tool; the audited request is exactly what was sent', async () => {
    await control('anthropic/script', 'POST', {
      responses: [reply(memoryPatch)],
    });
    const audited: any[] = [];
    const d = await diagnoser(r => audited.push(r)).diagnose(input);
    expect(d).toMatchObject({
      provider: 'anthropic',
      action: 'propose',
      runbookId: 'raise-memory-limit',
      patch: memoryPatch,
    });
    const { items } = await control('anthropic/requests');
    expect(items).toHaveLength(1);
    expect(items[0].body.tool_choice).toEqual({
      type: 'tool',
      name: 'report_diagnosis',
    });
    expect(items[0].body.tools[0].strict).toBe(true);
    expect(items[0].body.messages[0].content).toBe(renderPrompt(input));
    expect(audited[0].body.messages).toEqual(items[0].body.messages);
  });

  it('retries 529 and 429 with back-off, then records the failure', async () => {
    await control('anthropic/script', 'POST', {
      responses: [
        { status: 529 },
        { status: 429, retryAfterSeconds: 0 },
        reply(memoryPatch),
      ],
    });
    expect((await diagnoser().diagnose(input)).action).toBe('propose');
    await control('anthropic/script', 'POST', {
      responses: [{ status: 529 }, { status: 529 }, { status: 529 }],
    });
    await expect(diagnoser().diagnose(input)).rejects.toThrow(
      /overloaded after 3 attempts/,
    );
  });

  it('repairs one malformed reply, and gives up on a second', async () => {
    await control('anthropic/script', 'POST', {
      responses: [{ text: '{"rootCause": "OOM", ' }, reply(memoryPatch)],
    });
    expect((await diagnoser().diagnose(input)).rootCause).toContain('256Mi');
    const { items } = await control('anthropic/requests');
    expect(items).toHaveLength(2);
    expect(JSON.stringify(items[1].body.messages.at(-1))).toMatch(
      /did not match the schema/,
    );

    await control('anthropic/script', 'POST', {
      responses: [
        reply(memoryPatch, { confidence: 7 }),
        reply(memoryPatch, { confidence: 'high' }),
      ],
    });
    await expect(diagnoser().diagnose(input)).rejects.toThrow(DiagnoserError);
  });

  it('keeps the model honest through the policy: image change, other namespace, out-of-bounds memory', async () => {
    await control('anthropic/script', 'POST', {
      responses: [
        reply({
          target: memoryPatch.target,
          operations: [
            { op: 'set-image', container: 'checkout', image: 'evil:1' },
          ],
        }),
        reply({
          ...memoryPatch,
          target: { ...memoryPatch.target, namespace: 'kube-system' },
        }),
        reply({
          target: memoryPatch.target,
          operations: [
            {
              op: 'set-resources',
              container: 'checkout',
              limits: { memory: '64Gi' },
            },
          ],
        }),
      ],
    });
    const target = {
      namespace: 'acme-dev',
      kind: 'Deployment',
      name: 'checkout',
    };
    const image = applyPatchPolicy(
      (await diagnoser().diagnose(input)).patch,
      target,
      input.workload,
    );
    expect(image.patch).toBeUndefined();
    expect(image.refused.join()).toMatch(/set-image/);
    const ns = applyPatchPolicy(
      (await diagnoser().diagnose(input)).patch,
      target,
      input.workload,
    );
    expect(ns.patch).toBeUndefined();
    expect(ns.refused.join()).toMatch(/kube-system/);
    const big = applyPatchPolicy(
      (await diagnoser().diagnose(input)).patch,
      target,
      input.workload,
    );
    expect(big.patch?.operations[0]).toMatchObject({
      limits: { memory: '1Gi' },
    });
    expect(big.clamped).toHaveLength(1);
  });

  it('stops at the per-incident call budget', async () => {
    await control('anthropic/script', 'POST', {
      responses: [{ text: 'no json' }, { text: 'still no json' }],
    });
    const d = createAnthropicDiagnoser({
      apiKey: DEFAULT_TOKENS.anthropic,
      baseUrl: sandbox.urls.anthropic,
      budget: { maxCalls: 1 },
    });
    await expect(d.diagnose(input)).rejects.toThrow(
      /budget exhausted \(1 calls\)/,
    );
  });
});
