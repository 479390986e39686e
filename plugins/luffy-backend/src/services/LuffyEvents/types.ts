import type {
  LuffyEvent,
  LuffyEventType,
} from '@openluffy/plugin-luffy-common';

/** What a publisher gives; the bus adds `id` and `createdAt`. */
export type LuffyEventInput<TPayload = unknown> = {
  type: LuffyEventType;
  /** Catalog entity ref; normalised to lower case. */
  entityRef: string;
  payload: TPayload;
};

/** Which events a subscriber wants; every given field must match. */
export type LuffyEventFilter = {
  /** Only events of this entity (compared in lower case). */
  entityRef?: string;
  /**
   * Only these types. An entry ending in `.*` or without a dot is a family:
   * `incident` and `incident.*` both match `incident.updated`.
   */
  types?: string[];
};

/** Stops a subscription. Idempotent. */
export type LuffyEventSubscription = { unsubscribe(): void };

/**
 * The bus of pull request, incident and operation changes. Services publish; `GET /events`
 * (Server-Sent Events) and in-process listeners subscribe.
 */
export interface LuffyEvents {
  publish<TPayload>(
    event: LuffyEventInput<TPayload>,
  ): Promise<LuffyEvent<TPayload>>;
  subscribe(
    filter: LuffyEventFilter,
    listener: (event: LuffyEvent) => void,
  ): LuffyEventSubscription;
}
