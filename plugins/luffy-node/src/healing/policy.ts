import type {
  PatchOperation,
  ProposedPatch,
} from '@openluffy/plugin-luffy-common';
import { z } from 'zod/v3';
import { isSecretName } from '../redaction/redact';
import { formatCpu, formatMemory, parseQuantity } from './quantity';
import {
  DEFAULT_PATCH_BOUNDS,
  type PatchBounds,
  type WorkloadSpec,
} from './types';

/** What the policy made of a proposed patch. @public */
export type PolicyResult = {
  /** The allowed operations (clamped into bounds); undefined when nothing is left. */
  patch?: ProposedPatch;
  /** Refused parts, each with why (recorded on the incident, never applied). */
  refused: string[];
  /** Values moved into bounds. */
  clamped: string[];
};

const quantity = z.string().min(1).max(20);
const timings = z
  .object({
    initialDelaySeconds: z.number().int().optional(),
    periodSeconds: z.number().int().optional(),
    timeoutSeconds: z.number().int().optional(),
    failureThreshold: z.number().int().optional(),
    successThreshold: z.number().int().optional(),
  })
  .strict();

const operationSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('set-resources'),
      container: z.string().min(1),
      requests: z
        .object({ cpu: quantity.optional(), memory: quantity.optional() })
        .strict()
        .optional(),
      limits: z
        .object({ cpu: quantity.optional(), memory: quantity.optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      op: z.literal('set-env'),
      container: z.string().min(1),
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/),
      value: z.string().max(2000),
    })
    .strict(),
  z
    .object({
      op: z.literal('set-probe'),
      container: z.string().min(1),
      probe: z.enum(['readinessProbe', 'livenessProbe', 'startupProbe']),
      timings,
    })
    .strict(),
  z
    .object({ op: z.literal('set-replicas'), replicas: z.number().int() })
    .strict(),
]);

/** Env vars a fix may never set: they change what runs, not how it is configured. */
const FORBIDDEN_ENV =
  /^(LD_PRELOAD|LD_LIBRARY_PATH|PATH|NODE_OPTIONS|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|PYTHONPATH|PYTHONSTARTUP|BASH_ENV|ENV)$/;

function describe(op: unknown): string {
  try {
    return JSON.stringify(op).slice(0, 200);
  } catch {
    return String(op);
  }
}

/**
 * Validates an untrusted proposed patch (from a model, a rule or an extension) against the
 * policy: only container resources, non-secret env, probe timings and replicas of THE failing
 * workload, within bounds. Everything else — image, command, args, security context, volumes,
 * service account, another workload or namespace, unknown fields — is refused, however the
 * proposal was worded.
 * @public
 */
export function applyPatchPolicy(
  proposed: unknown,
  target: { namespace: string; kind: string; name: string },
  workload?: WorkloadSpec,
  bounds: PatchBounds = DEFAULT_PATCH_BOUNDS,
): PolicyResult {
  const refused: string[] = [];
  const clamped: string[] = [];
  if (proposed === undefined || proposed === null) return { refused, clamped };
  const p = proposed as any;
  if (typeof p !== 'object') {
    return { refused: [`patch is not an object: ${describe(p)}`], clamped };
  }
  const t = p.target ?? {};
  if (
    (t.namespace !== undefined && t.namespace !== target.namespace) ||
    (t.name !== undefined && t.name !== target.name) ||
    (t.kind !== undefined && t.kind !== target.kind)
  ) {
    return {
      refused: [
        `patch targets ${t.kind ?? '?'} ${t.namespace ?? '?'}/${
          t.name ?? '?'
        }, not the failing ${target.kind} ${target.namespace}/${target.name}`,
      ],
      clamped,
    };
  }
  for (const key of Object.keys(p)) {
    if (key !== 'target' && key !== 'operations') {
      refused.push(
        `field "${key}" is not a patch operation (only resources, env, probes and replicas may change)`,
      );
    }
  }
  const ops: unknown[] = Array.isArray(p.operations) ? p.operations : [];
  if (!Array.isArray(p.operations) && p.operations !== undefined) {
    refused.push('operations must be a list');
  }
  const containers = new Set(workload?.containers.map(c => c.name) ?? []);
  const maxMemory = parseQuantity(bounds.maxMemory)!;
  const maxCpu = parseQuantity(bounds.maxCpu)!;
  const allowed: PatchOperation[] = [];

  for (const raw of ops) {
    const parsed = operationSchema.safeParse(raw);
    if (!parsed.success) {
      const opName = (raw as any)?.op;
      refused.push(
        typeof opName === 'string' &&
          !['set-resources', 'set-env', 'set-probe', 'set-replicas'].includes(
            opName,
          )
          ? `operation "${opName}" is not allowed (only set-resources, set-env, set-probe, set-replicas): ${describe(
              raw,
            )}`
          : `malformed or disallowed operation ${describe(
              raw,
            )}: ${parsed.error.issues
              .map(i => `${i.path.join('.') || 'op'} ${i.message}`)
              .join('; ')}`,
      );
      continue;
    }
    const op = parsed.data as PatchOperation;
    if ('container' in op && containers.size && !containers.has(op.container)) {
      refused.push(
        `container "${op.container}" is not a container of ${target.name}`,
      );
      continue;
    }
    const current = workload?.containers.find(
      c => 'container' in op && c.name === op.container,
    );
    switch (op.op) {
      case 'set-resources': {
        const out: typeof op = { op: 'set-resources', container: op.container };
        let bad = false;
        for (const section of ['requests', 'limits'] as const) {
          const values = op[section];
          if (!values) continue;
          for (const res of ['memory', 'cpu'] as const) {
            const v = values[res];
            if (v === undefined) continue;
            const n = parseQuantity(v);
            if (n === undefined || n <= 0) {
              refused.push(`${section}.${res} "${v}" is not a valid quantity`);
              bad = true;
              continue;
            }
            const max = res === 'memory' ? maxMemory : maxCpu;
            const before = parseQuantity(current?.resources?.[section]?.[res]);
            const limit = Math.min(
              max,
              before ? before * bounds.maxFactor : max,
            );
            const fmt = res === 'memory' ? formatMemory : formatCpu;
            let value = v;
            if (n > limit) {
              value = fmt(limit);
              clamped.push(
                `${op.container} ${section}.${res} ${v} → ${value} (bound ${
                  res === 'memory' ? bounds.maxMemory : bounds.maxCpu
                }, at most ×${bounds.maxFactor})`,
              );
            }
            out[section] = { ...out[section], [res]: value };
          }
        }
        if (!bad && (out.requests || out.limits)) allowed.push(out);
        break;
      }
      case 'set-env': {
        if (isSecretName(op.name)) {
          refused.push(
            `env ${op.name} looks like a secret: secrets are never set by a fix`,
          );
        } else if (FORBIDDEN_ENV.test(op.name)) {
          refused.push(
            `env ${op.name} changes what runs, not its configuration`,
          );
        } else if (/\[REDACTED\]/.test(op.value)) {
          refused.push(`env ${op.name}: the value is a redacted placeholder`);
        } else if (current?.env?.some(e => e.name === op.name && e.valueFrom)) {
          refused.push(
            `env ${op.name} comes from a reference (Secret/ConfigMap); a fix does not replace it`,
          );
        } else {
          allowed.push(op);
        }
        break;
      }
      case 'set-probe': {
        const out = { ...op, timings: { ...op.timings } };
        for (const [k, v] of Object.entries(op.timings) as Array<
          [keyof typeof op.timings, number]
        >) {
          const min = k === 'initialDelaySeconds' ? 0 : 1;
          const max = k.endsWith('Threshold') ? 30 : bounds.maxProbeSeconds;
          const c = Math.min(max, Math.max(min, v));
          if (c !== v)
            clamped.push(`${op.container} ${op.probe}.${k} ${v} → ${c}`);
          out.timings[k] = c;
        }
        if (current && !current[op.probe]) {
          refused.push(
            `${op.container} has no ${op.probe} to tune (adding probes is not a fix)`,
          );
        } else {
          allowed.push(out);
        }
        break;
      }
      case 'set-replicas': {
        const c = Math.min(
          bounds.maxReplicas,
          Math.max(bounds.minReplicas, op.replicas),
        );
        if (c !== op.replicas) clamped.push(`replicas ${op.replicas} → ${c}`);
        allowed.push({ op: 'set-replicas', replicas: c });
        break;
      }
      default:
        break;
    }
  }
  return {
    patch: allowed.length ? { target, operations: allowed } : undefined,
    refused,
    clamped,
  };
}
