import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotAllowedError, toError } from '@backstage/errors';
import type { LuffyStore } from '../../database/types';
import { redactSecrets } from './redact';
import type { AuditLog, AuditMeta, AuditRecord, TrackOptions } from './types';

/**
 * The audit log over the plugin store. Every stored input passes through
 * {@link redactSecrets} first.
 */
export function createAuditLog(options: {
  store: Pick<LuffyStore, 'appendAudit'>;
  logger: LoggerService;
}): AuditLog {
  const { store, logger } = options;

  const record = async (event: AuditRecord) => {
    const stored = await store.appendAudit({
      actor: event.actor,
      action: event.action,
      target: event.target,
      input: event.input === undefined ? undefined : redactSecrets(event.input),
      outcome: event.outcome,
      durationMs:
        event.durationMs === undefined
          ? undefined
          : Math.round(event.durationMs),
    });
    logger.info(`audit ${event.action} ${event.outcome}`, {
      actor: event.actor,
      target: event.target,
      outcome: event.outcome,
      durationMs: stored.durationMs,
    });
    return stored;
  };

  const safeRecord = async (event: AuditRecord) => {
    try {
      await record(event);
    } catch (e) {
      logger.error('Could not write the audit event', {
        action: event.action,
        target: event.target,
        error: toError(e).message,
      });
    }
  };

  return {
    record,
    async track<T>(
      meta: AuditMeta,
      fn: () => Promise<T>,
      trackOptions: TrackOptions = {},
    ): Promise<T> {
      const started = performance.now();
      let result: T;
      try {
        result = await fn();
      } catch (e) {
        await safeRecord({
          ...meta,
          outcome:
            toError(e).name === NotAllowedError.name ? 'denied' : 'failed',
          durationMs: performance.now() - started,
        });
        throw e;
      }
      await safeRecord({
        ...meta,
        outcome: trackOptions.dryRun ? 'dry-run' : 'succeeded',
        durationMs: performance.now() - started,
      });
      return result;
    },
  };
}
