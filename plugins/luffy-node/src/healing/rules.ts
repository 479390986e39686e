import type { Diagnosis, PatchOperation } from '@openluffy/plugin-luffy-common';
import { formatMemory, parseQuantity } from './quantity';
import {
  DEFAULT_PATCH_BOUNDS,
  type HealingDiagnoser,
  type HealingDiagnosisInput,
  type PatchBounds,
} from './types';

const MISSING_ENV = [
  /required environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set/i,
  /environment variable ([A-Za-z_][A-Za-z0-9_]*) (?:is )?(?:not set|missing|undefined|required)/i,
  /KeyError: '([A-Za-z_][A-Za-z0-9_]*)'/,
  /missing (?:required )?(?:env(?:ironment)? var(?:iable)?) ["']?([A-Za-z_][A-Za-z0-9_]*)/i,
  /\$?([A-Z][A-Z0-9_]{2,}) (?:is )?(?:not set|must be set)/,
];

/** How long after the last GitOps change a crash counts as caused by it. */
const ROLLBACK_WINDOW_MS = 30 * 60_000;

function allLines(input: HealingDiagnosisInput): string[] {
  return input.context.logs.flatMap(l => l.lines);
}

function evidenceLines(
  input: HealingDiagnosisInput,
  pattern: RegExp,
  max = 5,
): string[] {
  const out: string[] = [];
  for (const l of input.context.logs) {
    for (const line of l.lines) {
      if (pattern.test(line))
        out.push(
          `${l.pod}/${l.container}${l.previous ? ' (previous)' : ''}: ${line}`,
        );
    }
  }
  for (const e of input.context.events) {
    if (pattern.test(`${e.reason} ${e.message}`))
      out.push(`event ${e.reason} on ${e.object}: ${e.message}`);
  }
  return [...new Set(out)].slice(-max);
}

function findings(input: HealingDiagnosisInput): string[] {
  return input.context.findings.slice(0, 5);
}

function hasFinding(input: HealingDiagnosisInput, reason: string) {
  return (
    input.failure.reason === reason ||
    input.context.findings.some(f => f.startsWith(`${reason}:`))
  );
}

const target = (input: HealingDiagnosisInput) => ({
  namespace: input.failure.namespace,
  kind: input.failure.workloadKind ?? 'Deployment',
  name: input.failure.workload,
});

function escalate(
  input: HealingDiagnosisInput,
  rootCause: string,
  evidence: string[],
  runbook: string,
  runbookId: string,
  confidence = 0.5,
): Diagnosis {
  return {
    provider: 'rules',
    rootCause,
    confidence,
    evidence: [...findings(input), ...evidence],
    runbook,
    runbookId,
    action: 'escalate',
  };
}

/**
 * The offline diagnoser (default without an Anthropic key): deterministic rules for the
 * failures the sandbox's chaos modes and ordinary clusters produce.
 * - OOMKilled → raise the memory limit (×2, within bounds)
 * - a missing environment variable → set it when its value is known (ConfigMap/config), else escalate
 * - readiness failing → relax the probe timings
 * - a crash → roll back when it began right after the last GitOps change, else escalate
 * @public
 */
export function createRulesDiagnoser(
  options: { bounds?: PatchBounds } = {},
): HealingDiagnoser {
  const bounds = options.bounds ?? DEFAULT_PATCH_BOUNDS;
  return {
    id: 'rules',
    async diagnose(input) {
      const containers = input.workload?.containers ?? [];
      const failing = new Set(input.failure.containers ?? []);
      const pick = containers.filter(c => !failing.size || failing.has(c.name));

      if (hasFinding(input, 'OOMKilled')) {
        const maxMemory = parseQuantity(bounds.maxMemory)!;
        const ops: PatchOperation[] = [];
        const notes: string[] = [];
        for (const c of pick.length ? pick : containers) {
          const limit = parseQuantity(c.resources?.limits?.memory);
          if (!limit) {
            notes.push(
              `${c.name} has no memory limit: it was killed by the node's memory (escalate)`,
            );
            continue;
          }
          const next = Math.min(maxMemory, limit * 2);
          if (next <= limit) {
            notes.push(
              `${c.name} is already at the highest allowed limit ${bounds.maxMemory}`,
            );
            continue;
          }
          const request = parseQuantity(c.resources?.requests?.memory);
          ops.push({
            op: 'set-resources',
            container: c.name,
            limits: { memory: formatMemory(next) },
            ...(request && request > next
              ? { requests: { memory: formatMemory(next) } }
              : {}),
          });
          notes.push(
            `${c.name}: memory limit ${
              c.resources?.limits?.memory
            } → ${formatMemory(next)}`,
          );
        }
        const evidence = evidenceLines(
          input,
          /OOM|out of memory|memory|Killed/i,
        );
        if (!ops.length) {
          return escalate(
            input,
            `The container runs out of memory and the limit cannot be raised safely (${notes.join(
              '; ',
            )}).`,
            evidence,
            'Profile the memory use of the service, fix the leak or raise the limit beyond the configured bound by hand.',
            'raise-memory-limit',
            0.7,
          );
        }
        return {
          provider: 'rules',
          rootCause: `The container is killed for exceeding its memory limit (OOMKilled): it needs more memory than ${
            pick[0]?.resources?.limits?.memory ?? 'its limit'
          }.`,
          confidence: 0.85,
          evidence: [...findings(input), ...evidence],
          patch: { target: target(input), operations: ops },
          runbook: [
            `1. Raise the memory limit (${notes.join('; ')}).`,
            '2. Let Argo CD sync; watch the pods become Ready without OOMKilled restarts.',
            '3. If memory keeps growing, profile the service for a leak.',
          ].join('\n'),
          runbookId: 'raise-memory-limit',
          action: 'propose',
        };
      }

      let variable: string | undefined;
      for (const line of allLines(input)) {
        for (const re of MISSING_ENV) {
          const m = line.match(re);
          if (m) variable = m[1];
        }
      }
      if (variable) {
        const evidence = evidenceLines(input, new RegExp(variable));
        const container = (pick[0] ?? containers[0])?.name;
        const known = input.knownEnv?.[variable];
        const inSpec = containers.find(c =>
          c.env?.some(e => e.name === variable),
        );
        if (known !== undefined && container && !inSpec) {
          return {
            provider: 'rules',
            rootCause: `The process exits at start-up because the environment variable ${variable} is not set.`,
            confidence: 0.8,
            evidence: [...findings(input), ...evidence],
            patch: {
              target: target(input),
              operations: [
                { op: 'set-env', container, name: variable, value: known },
              ],
            },
            runbook: `1. Set ${variable} on container ${container} (value from the namespace's configuration).\n2. Let Argo CD sync and watch the pods start.`,
            runbookId: 'set-missing-env',
            action: 'propose',
          };
        }
        return escalate(
          input,
          inSpec
            ? `The process exits because ${variable} is not set, although the manifest sets it: the running configuration drifted from git (or the value is empty). A human has to check how the variable reaches the container.`
            : `The process exits at start-up because the environment variable ${variable} is not set, and its value is not known from any ConfigMap or configuration.`,
          evidence,
          `Provide ${variable} to the workload (from a ConfigMap, or a Secret via secretKeyRef if it is sensitive), then let Argo CD sync.`,
          'set-missing-env',
          0.75,
        );
      }

      if (hasFinding(input, 'ReadinessFailing')) {
        const ops: PatchOperation[] = [];
        for (const c of pick.length ? pick : containers) {
          const probe = c.readinessProbe;
          if (!probe) continue;
          ops.push({
            op: 'set-probe',
            container: c.name,
            probe: 'readinessProbe',
            timings: {
              initialDelaySeconds: Math.min(
                bounds.maxProbeSeconds,
                Math.max(10, Number(probe.initialDelaySeconds ?? 0) * 2),
              ),
              timeoutSeconds: Math.max(5, Number(probe.timeoutSeconds ?? 1)),
              failureThreshold: Math.max(
                6,
                Number(probe.failureThreshold ?? 3),
              ),
            },
          });
        }
        const evidence = evidenceLines(
          input,
          /readiness|probe|not ready|unhealthy/i,
        );
        if (!ops.length) {
          return escalate(
            input,
            'The pods never become ready and the workload has no readiness probe to tune.',
            evidence,
            "Check the service's readiness endpoint and its dependencies.",
            'relax-readiness-probe',
          );
        }
        return {
          provider: 'rules',
          rootCause:
            'The readiness probe keeps failing: the service may need longer to become ready or answer slower than the probe allows.',
          confidence: 0.45,
          evidence: [...findings(input), ...evidence],
          patch: { target: target(input), operations: ops },
          runbook:
            '1. Relax the readiness probe (longer initial delay and timeout, more failures tolerated).\n2. If the probe still fails, the service itself is unhealthy: check its dependencies (the readiness log lines name them).',
          runbookId: 'relax-readiness-probe',
          action: 'propose',
        };
      }

      if (
        hasFinding(input, 'CrashLoopBackOff') ||
        hasFinding(input, 'RestartLoop')
      ) {
        const evidence = evidenceLines(
          input,
          /error|exception|fatal|panic|traceback|refused/i,
          8,
        );
        const since = input.failingSince
          ? new Date(input.failingSince).getTime()
          : undefined;
        const change = input.lastChange;
        const changeAt = change ? new Date(change.at).getTime() : undefined;
        if (
          change &&
          since !== undefined &&
          changeAt !== undefined &&
          since >= changeAt &&
          since - changeAt <= ROLLBACK_WINDOW_MS
        ) {
          return {
            provider: 'rules',
            rootCause: `The service crashes since the last change of its GitOps folder (${change.sha.slice(
              0,
              7,
            )}: ${change.message.split('\n')[0]}).`,
            confidence: 0.6,
            evidence: [
              ...findings(input),
              ...evidence,
              `last change ${change.sha.slice(0, 7)} at ${change.at}`,
            ],
            runbook: `1. Revert ${change.sha.slice(
              0,
              7,
            )} (a revert pull request: Argo CD refuses rollbacks while auto-sync is on).\n2. Find out why the change broke the service before re-applying it.`,
            runbookId: 'rollback-last-change',
            action: 'rollback',
          };
        }
        return escalate(
          input,
          'The process crashes at start-up; the cause is in the application (see the evidence), not in its deployment settings.',
          evidence,
          'Read the crash log lines, fix the application or its dependency, and redeploy.',
          'crash-escalate',
          0.6,
        );
      }

      return escalate(
        input,
        `The workload is failing (${input.failure.reason}) and no rule matches: a human has to look.`,
        evidenceLines(input, /error|fail|warn/i),
        "Inspect the Argo CD application and the workload's events.",
        'unknown-escalate',
        0.3,
      );
    },
  };
}
