/**
 * OpenLuffy frontend plugin.
 *
 * @packageDocumentation
 */
export { luffyPlugin as default } from './plugin';
export {
  luffyApiRef,
  LuffyClient,
  type LuffyApi,
  type EntityName,
} from './api';
export {
  legacyLuffyPlugin,
  legacyRootRouteRef,
  LuffyPendingApprovalsPage,
  EntityLuffyPullRequestsContent,
  EntityLuffyHealingContent,
  EntityLuffyOverviewCard,
} from './legacy';
