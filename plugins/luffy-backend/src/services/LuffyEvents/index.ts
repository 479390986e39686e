export { createLuffyEvents, matchesFilter } from './createLuffyEvents';
export type {
  LuffyEventFilter,
  LuffyEventInput,
  LuffyEvents,
  LuffyEventSubscription,
} from './types';
