import { applyPatchPolicy } from './policy';
import { createRulesDiagnoser } from './rules';
import { WORKLOAD, diagnosisInput } from './__fixtures__';

const rules = createRulesDiagnoser();

describe('rules diagnoser', () => {
  it('oom: raises the memory limit within bounds', async () => {
    const d = await rules.diagnose(
      diagnosisInput('OOMKilled', [
        'warn: heap usage 256Mi reached the container limit (needs 384Mi)',
        'FATAL: out of memory',
      ]),
    );
    expect(d.action).toBe('propose');
    expect(d.runbookId).toBe('raise-memory-limit');
    expect(d.patch?.operations).toEqual([
      {
        op: 'set-resources',
        container: 'checkout',
        limits: { memory: '512Mi' },
      },
    ]);
    expect(d.evidence.join('\n')).toContain('FATAL: out of memory');
    // the rules' own proposal passes the policy unchanged
    expect(
      applyPatchPolicy(d.patch, d.patch!.target, WORKLOAD).refused,
    ).toEqual([]);
  });

  it('oom at the bound: escalates', async () => {
    const big = {
      ...WORKLOAD,
      containers: [
        { ...WORKLOAD.containers[0], resources: { limits: { memory: '4Gi' } } },
      ],
    };
    const d = await rules.diagnose({
      ...diagnosisInput('OOMKilled', []),
      workload: big,
    });
    expect(d.action).toBe('escalate');
    expect(d.patch).toBeUndefined();
  });

  it('missing-env: names the variable; proposes it only when its value is known', async () => {
    const lines = [
      'Error: required environment variable PAYMENT_PROVIDER_URL is not set',
    ];
    const unknown = await rules.diagnose(
      diagnosisInput('CrashLoopBackOff', lines),
    );
    expect(unknown.action).toBe('escalate');
    expect(unknown.rootCause).toContain('PAYMENT_PROVIDER_URL');
    const known = await rules.diagnose(
      diagnosisInput('CrashLoopBackOff', lines, {
        knownEnv: { PAYMENT_PROVIDER_URL: 'https://payments.dev.acme.example' },
      }),
    );
    expect(known.action).toBe('propose');
    expect(known.patch?.operations).toEqual([
      {
        op: 'set-env',
        container: 'checkout',
        name: 'PAYMENT_PROVIDER_URL',
        value: 'https://payments.dev.acme.example',
      },
    ]);
    // set in git already (chaos drift): escalate rather than a no-op patch
    const drift = await rules.diagnose(
      diagnosisInput(
        'CrashLoopBackOff',
        ['Error: required environment variable DATABASE_URL is not set'],
        {
          knownEnv: { DATABASE_URL: 'x' },
        },
      ),
    );
    expect(drift.action).toBe('escalate');
    expect(drift.rootCause).toMatch(/drifted/);
  });

  it('readiness: relaxes the probe timings', async () => {
    const d = await rules.diagnose(
      diagnosisInput('ReadinessFailing', [
        'warn: readiness check failed: dependency "cache" not ready',
      ]),
    );
    expect(d.action).toBe('propose');
    expect(d.patch?.operations).toEqual([
      {
        op: 'set-probe',
        container: 'checkout',
        probe: 'readinessProbe',
        timings: {
          initialDelaySeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 6,
        },
      },
    ]);
  });

  it('crash: escalates with evidence, or rolls back when it began with the last change', async () => {
    const lines = [
      'Error: unhandled exception: connection to upstream refused (injected crash)',
    ];
    const plain = await rules.diagnose(
      diagnosisInput('CrashLoopBackOff', lines),
    );
    expect(plain.action).toBe('escalate');
    expect(plain.evidence.join('\n')).toContain(
      'connection to upstream refused',
    );
    const after = await rules.diagnose(
      diagnosisInput('CrashLoopBackOff', lines, {
        lastChange: {
          sha: 'abcdef1234567',
          message: 'bump checkout to 1.5.0',
          at: '2026-12-04T11:50:00Z',
        },
        failingSince: '2026-12-04T11:52:00Z',
      }),
    );
    expect(after.action).toBe('rollback');
    expect(after.rootCause).toContain('abcdef1');
    const long = await rules.diagnose(
      diagnosisInput('CrashLoopBackOff', lines, {
        lastChange: {
          sha: 'abcdef1234567',
          message: 'bump',
          at: '2026-12-01T11:50:00Z',
        },
        failingSince: '2026-12-04T11:52:00Z',
      }),
    );
    expect(long.action).toBe('escalate');
  });
});
