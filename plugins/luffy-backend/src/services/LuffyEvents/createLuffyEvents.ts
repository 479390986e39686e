import type { LoggerService } from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';
import type { LuffyEvent } from '@openluffy/plugin-luffy-common';
import type {
  LuffyEventFilter,
  LuffyEventInput,
  LuffyEvents,
  LuffyEventSubscription,
} from './types';

/** Whether `event` passes `filter`. */
export function matchesFilter(
  filter: LuffyEventFilter,
  event: Pick<LuffyEvent, 'type' | 'entityRef'>,
): boolean {
  if (
    filter.entityRef &&
    filter.entityRef.toLocaleLowerCase('en-US') !== event.entityRef
  ) {
    return false;
  }
  if (filter.types?.length) {
    return filter.types.some(t => {
      const family = t.endsWith('.*') ? t.slice(0, -2) : t;
      return t.includes('.') && !t.endsWith('.*')
        ? event.type === t
        : event.type.startsWith(`${family}.`);
    });
  }
  return true;
}

/**
 * An in-process event bus: listeners of this backend instance see what this instance
 * publishes. A listener that throws is logged and does not stop the others.
 *
 * (For several replicas, swap this for one over Backstage's EventsService behind the same
 * {@link LuffyEvents} interface.)
 */
export function createLuffyEvents(options: {
  logger: LoggerService;
}): LuffyEvents {
  const { logger } = options;
  const listeners = new Set<{
    filter: LuffyEventFilter;
    listener: (event: LuffyEvent) => void;
  }>();
  let seq = 0;

  return {
    async publish<TPayload>(input: LuffyEventInput<TPayload>) {
      seq += 1;
      const event: LuffyEvent<TPayload> = {
        id: String(seq),
        type: input.type,
        entityRef: input.entityRef.toLocaleLowerCase('en-US'),
        payload: input.payload,
        createdAt: new Date().toISOString(),
      };
      for (const entry of [...listeners]) {
        if (!matchesFilter(entry.filter, event)) continue;
        try {
          entry.listener(event);
        } catch (e) {
          logger.warn('A luffy event listener failed', {
            type: event.type,
            error: toError(e).message,
          });
        }
      }
      return event;
    },

    subscribe(filter, listener): LuffyEventSubscription {
      const entry = { filter, listener };
      listeners.add(entry);
      return { unsubscribe: () => void listeners.delete(entry) };
    },
  };
}
