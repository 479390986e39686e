import type { AuditEvent, AuditOutcome } from '@openluffy/plugin-luffy-common';

/** What an action is, for the audit trail. */
export type AuditMeta = {
  /** Who asked: a user or service entity ref, or `plugin:luffy` for the healing loop. */
  actor: string;
  /** Dotted verb, e.g. `pullRequest.merge`, `operation.restart`, `incident.approve`. */
  action: string;
  /** What it acts on: usually an entity ref, or a repo/PR, workload… */
  target: string;
  /** The request as given. Secret-looking keys are redacted before storage. */
  input?: unknown;
};

/** One audit record. */
export type AuditRecord = AuditMeta & {
  outcome: AuditOutcome;
  durationMs?: number;
};

/** Options of {@link AuditLog.track}. */
export type TrackOptions = {
  /** Record `dry-run` instead of `succeeded` when fn resolves. */
  dryRun?: boolean;
};

/**
 * The audit trail of every action the suite takes or is asked to take.
 */
export interface AuditLog {
  /** Stores one event (input redacted) and returns it as stored. */
  record(event: AuditRecord): Promise<AuditEvent>;
  /**
   * Runs `fn`, timing it, and records `succeeded` (or `dry-run`), `denied` when it throws a
   * NotAllowedError, else `failed`; rethrows what fn threw. An audit write failure is logged,
   * never hides fn's result or error.
   */
  track<T>(
    meta: AuditMeta,
    fn: () => Promise<T>,
    options?: TrackOptions,
  ): Promise<T>;
}
