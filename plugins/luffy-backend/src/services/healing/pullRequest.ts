import type {
  Diagnosis,
  Incident,
  ProposedPatch,
} from '@openluffy/plugin-luffy-common';
import { createHash } from 'node:crypto';

/** The label of every healing pull request. */
export const HEALING_LABEL = 'openluffy/healing';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Branch of an incident's fix: `luffy/heal-<workload>-<incident>`. */
export function healBranch(
  incident: Pick<Incident, 'workload' | 'id'>,
): string {
  const workload = incident.workload
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40);
  return `luffy/heal-${workload}-${incident.id.slice(0, 8)}`;
}

/**
 * Fingerprint of a failure: what makes two incidents "the same failure" for the diagnosis
 * cache and the never-twice rule. Pod names, counts and times are left out.
 */
export function failureFingerprint(input: {
  cluster: string;
  namespace: string;
  workload: string;
  reason: string;
  findings?: string[];
}): string {
  const normalised = (input.findings ?? [])
    .map(f =>
      f
        .replace(/\b[a-z0-9-]+-[a-z0-9]{5,10}-[a-z0-9]{5}\b/g, '<pod>')
        .replace(/\d+/g, '#'),
    )
    .sort();
  return sha(
    JSON.stringify([
      input.cluster,
      input.namespace,
      input.workload,
      input.reason,
      [...new Set(normalised)],
    ]),
  ).slice(0, 32);
}

/** Hash of a patch (order-insensitive per operation). */
export function patchHash(
  patch: ProposedPatch | undefined,
  extra = '',
): string {
  const stable = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stable);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map(k => [k, stable((v as any)[k])]),
      );
    }
    return v;
  };
  return sha(JSON.stringify(stable(patch ?? null)) + extra).slice(0, 32);
}

/** Title and body of the healing pull request (markdown, from redacted material only). */
export function pullRequestText(options: {
  incident: Incident;
  diagnosis: Diagnosis;
  diff: string;
  entityUrl?: string;
  incidentUrl?: string;
}): { title: string; body: string } {
  const { incident, diagnosis, diff, entityUrl, incidentUrl } = options;
  const title = `Heal ${incident.workload} (${
    incident.env ?? incident.namespace
  }): ${incident.reason}`;
  const fence = diff.includes('```') ? '~~~~' : '```';
  const body = [
    `OpenLuffy detected **${incident.reason}** on \`${incident.namespace}/${incident.workload}\` (cluster \`${incident.cluster}\`) and proposes this fix.`,
    '',
    '### Root cause',
    diagnosis.rootCause,
    '',
    `Diagnosed by \`${diagnosis.provider}\` with confidence ${Math.round(
      diagnosis.confidence * 100,
    )}%.`,
    '',
    '### Evidence',
    ...diagnosis.evidence
      .slice(0, 12)
      .map(e => `- \`${e.replace(/`/g, "'").slice(0, 300)}\``),
    '',
    '### Change',
    `${fence}diff`,
    diff.trim(),
    fence,
    ...(diagnosis.policy?.clamped.length
      ? ['', `Clamped by policy: ${diagnosis.policy.clamped.join('; ')}`]
      : []),
    ...(diagnosis.policy?.refused.length
      ? [
          '',
          `Refused by policy (not applied): ${diagnosis.policy.refused.join(
            '; ',
          )}`,
        ]
      : []),
    '',
    '### Runbook',
    diagnosis.runbook,
    '',
    '---',
    [
      entityUrl
        ? `Service: [${incident.entityRef}](${entityUrl})`
        : `Service: \`${incident.entityRef}\``,
      incidentUrl
        ? `Incident: [${incident.id}](${incidentUrl})`
        : `Incident: \`${incident.id}\``,
    ].join(' · '),
    '',
    '_Approve in Backstage (Healing tab or /luffy) or merge here; OpenLuffy then follows Argo CD until the service is healthy._',
  ].join('\n');
  return { title, body };
}
