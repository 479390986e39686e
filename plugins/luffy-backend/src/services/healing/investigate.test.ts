import { Redactor } from '@openluffy/plugin-luffy-node';
import { z } from 'zod/v3';
import {
  InvestigationToolbox,
  canonicalJson,
  createRulesInvestigator,
  runInvestigation,
  type InvestigationTool,
  type Investigator,
} from './investigate';

const echo = (runs: unknown[]): InvestigationTool => ({
  name: 'pod_logs',
  description: 'logs',
  input: z
    .object({ pod: z.string(), tailLines: z.number().optional() })
    .strict(),
  async run(input) {
    runs.push(input);
    return [`log of ${input.pod}`];
  },
});

const subject = {} as any; // the tools are given: no cluster behind them

describe('InvestigationToolbox', () => {
  it('caps the steps: calls beyond maxSteps are refused and the toolbox stops', async () => {
    const runs: unknown[] = [];
    const box = new InvestigationToolbox(
      [echo(runs)],
      { maxSteps: 3, maxRepeats: 2 },
      new Redactor([]),
    );
    for (let i = 0; i < 5; i++) await box.call('pod_logs', { pod: `p${i}` });
    expect(runs).toHaveLength(3);
    expect(box.stopped).toBe('step-cap');
    const refused = await box.call('pod_logs', { pod: 'p9' });
    expect(refused.ok).toBe(false);
    expect(refused.output).toMatch(/stopped \(step-cap\)/);
    expect(box.executed).toBe(3);
  });

  it('detects repeated calls (same tool, same input in any key order): not run again, then stops', async () => {
    const runs: unknown[] = [];
    const box = new InvestigationToolbox(
      [echo(runs)],
      { maxSteps: 10, maxRepeats: 2 },
      new Redactor([]),
    );
    await box.call('pod_logs', { pod: 'a', tailLines: 20 });
    const again = await box.call('pod_logs', { tailLines: 20, pod: 'a' });
    expect(again.ok).toBe(false);
    expect(again.output).toMatch(/Repeated call: pod_logs .*log of a/s);
    expect(runs).toHaveLength(1);
    expect(box.stopped).toBeUndefined();
    await box.call('pod_logs', { pod: 'b' }); // a different input runs
    expect(runs).toHaveLength(2);
    await box.call('pod_logs', { pod: 'b' });
    expect(box.stopped).toBe('repeated-call');
    expect(box.steps.filter(s => s.repeated)).toHaveLength(2);
  });

  it('redacts tool output and reports bad input and unknown tools as failed steps', async () => {
    const leaky: InvestigationTool = {
      name: 'events',
      description: 'events',
      input: z.object({}).strict(),
      run: async () => [
        'auth failed with Authorization: Bearer abc.def.ghi-token-value',
      ],
    };
    const box = new InvestigationToolbox(
      [leaky],
      { maxSteps: 5, maxRepeats: 2 },
      new Redactor([]),
    );
    const r = await box.call('events', {});
    expect(r.output).not.toContain('abc.def.ghi-token-value');
    expect((await box.call('events', { x: 1 })).output).toMatch(
      /Invalid input/,
    );
    expect((await box.call('nope', {})).output).toMatch(/Unknown tool nope/);
  });

  it('canonicalJson ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe(
      canonicalJson({ a: [{ d: 2 }], b: 1 }),
    );
  });
});

describe('runInvestigation', () => {
  const statusTool = (pods: any[]): InvestigationTool => ({
    name: 'workload_status',
    description: 'status',
    input: z.object({ environment: z.string().optional() }).strict(),
    run: async () => ({ deployments: [], pods, errors: [] }),
  });
  const logsTool: InvestigationTool = {
    name: 'pod_logs',
    description: 'logs',
    input: z.object({}).passthrough(),
    run: async () => [
      'starting',
      'FATAL: required environment variable PAYMENT_URL is not set',
    ],
  };
  const eventsTool: InvestigationTool = {
    name: 'events',
    description: 'events',
    input: z.object({}).passthrough(),
    run: async () => ['BackOff (x4): Back-off restarting failed container'],
  };
  const failingPod = {
    cluster: 'c',
    namespace: 'acme-dev',
    name: 'checkout-1',
    environment: 'dev',
    containers: [
      {
        name: 'checkout',
        ready: false,
        restarts: 4,
        state: 'CrashLoopBackOff',
      },
    ],
    findings: [
      'container checkout of pod checkout-1 is in CrashLoopBackOff (last exit 1: Error)',
    ],
  };

  it('rules: a fixed read-only plan and a report naming the missing variable', async () => {
    const report = await runInvestigation({
      request: {
        entityRef: 'component:default/checkout',
        question: 'why is checkout broken?',
      },
      subject,
      investigator: createRulesInvestigator(),
      tools: [statusTool([failingPod]), logsTool, eventsTool],
    });
    expect(report.investigator).toBe('rules');
    expect(report.stoppedBy).toBe('answer');
    expect(report.likelyCause).toMatch(/PAYMENT_URL is missing/);
    expect(report.steps.map(s => s.tool)).toEqual(
      expect.arrayContaining(['workload_status', 'pod_logs', 'events']),
    );
    expect(report.evidence.join('\n')).toMatch(/PAYMENT_URL/);
  });

  it('falls back to the rules when the model fails, keeping what it gathered', async () => {
    const failing: Investigator = {
      id: 'anthropic',
      async investigate(_req, box) {
        await box.call('workload_status', {});
        throw new Error('Anthropic API overloaded after 4 attempts');
      },
    };
    const report = await runInvestigation({
      request: { entityRef: 'component:default/checkout', question: 'why?' },
      subject,
      investigator: failing,
      tools: [statusTool([failingPod]), logsTool, eventsTool],
    });
    expect(report.investigator).toBe('anthropic+rules');
    expect(report.fallbackReason).toMatch(/overloaded/);
    expect(report.findings.join('\n')).toMatch(/CrashLoopBackOff/);
  });
});
