export {
  luffyApiRef,
  type LuffyApi,
  type EntityName,
  type LuffyEventStream,
} from './LuffyApi';
export { LuffyClient } from './LuffyClient';
