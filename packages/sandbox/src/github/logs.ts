import crypto from 'node:crypto';
import { zipSync, strToU8 } from 'fflate';
import type { JobRecord, JobStep } from './actions-store';

/** How long a signed log download URL stays valid (GitHub: about a minute). */
export const LOG_URL_TTL_MS = 60_000;

const ts = (iso: string | null) =>
  (iso ?? new Date(0).toISOString()).replace(/(\.\d+)?Z$/, '.0000000Z');

/** Log lines of one step, in the runner's format (timestamp, `##[group]`, `##[error]`). */
export function stepLog(job: JobRecord, s: JobStep): string[] {
  const t = ts(s.started_at);
  if (s.number === 1)
    return [
      `${t} Current runner version: '2.321.0'`,
      `${t} ##[group]Runner Image`,
      `${t} Image: ubuntu-24.04 (sandbox)`,
      `${t} ##[endgroup]`,
      `${t} Job is about to start running on the hosted runner: sandbox`,
    ];
  if (s.number === job.steps.length)
    return [`${ts(s.completed_at)} Cleaning up orphan processes`];
  if (s.conclusion === 'skipped') return [];
  const lines = [`${t} ##[group]${s.name}`];
  for (const l of (s.run ?? '').split('\n').filter(Boolean))
    lines.push(`${t} ${l}`);
  lines.push(`${t} ##[endgroup]`);
  if (s.conclusion === 'failure') {
    lines.push(`${ts(s.completed_at)} Error: simulated failure in "${s.name}"`);
    lines.push(
      `${ts(s.completed_at)} ##[error]Process completed with exit code 1.`,
    );
  } else if (s.conclusion === 'cancelled') {
    lines.push(`${ts(s.completed_at)} ##[error]The operation was canceled.`);
  } else {
    lines.push(`${ts(s.completed_at)} ${s.name} passed`);
  }
  return lines;
}

/** The plain-text log of a job (what `GET …/actions/jobs/:id/logs` downloads). */
export function jobLog(job: JobRecord): string {
  return `${job.steps.flatMap(s => stepLog(job, s)).join('\n')}\n`;
}

const safe = (name: string) => name.replace(/[/\\:*?"<>|]/g, '_');

/**
 * The zip archive of a run's logs, laid out as GitHub's: `<n>_<job>.txt` with each job's full
 * log, and a folder per job with `<step number>_<step name>.txt`.
 */
export function runLogsZip(jobs: JobRecord[]): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  jobs.forEach((j, i) => {
    files[`${i}_${safe(j.name)}.txt`] = strToU8(jobLog(j));
    for (const s of j.steps) {
      files[`${safe(j.name)}/${s.number}_${safe(s.name)}.txt`] = strToU8(
        `${stepLog(j, s).join('\n')}\n`,
      );
    }
  });
  return zipSync(files);
}

/** HMAC signature of a log download path with its expiry. */
export function signLogPath(key: string, path: string, expires: number) {
  return crypto
    .createHmac('sha256', key)
    .update(`${path}\n${expires}`)
    .digest('base64url');
}

export function checkLogSignature(
  key: string,
  path: string,
  expires: number,
  sig: string,
  now = Date.now(),
): boolean {
  if (!Number.isFinite(expires) || expires < now) return false;
  const want = Buffer.from(signLogPath(key, path, expires));
  const got = Buffer.from(sig);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}
