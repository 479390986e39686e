export { luffyApiRef, type LuffyApi, type EntityName } from './LuffyApi';
export { LuffyClient } from './LuffyClient';
