/*
 * The legacy frontend system (createPlugin + routable extensions), for apps not yet on the
 * new frontend system. Same components and API client as the new-system plugin.
 */
import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { luffyApiRef, LuffyClient } from './api';

/** @public */
export const legacyRootRouteRef = createRouteRef({ id: 'luffy' });

/**
 * OpenLuffy for the legacy frontend system.
 * @public
 */
export const legacyLuffyPlugin = createPlugin({
  id: 'luffy',
  apis: [
    createApiFactory({
      api: luffyApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new LuffyClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: legacyRootRouteRef },
});

/** The Pending approvals page (mount it at /luffy). @public */
export const LuffyPendingApprovalsPage = legacyLuffyPlugin.provide(
  createRoutableExtension({
    name: 'LuffyPendingApprovalsPage',
    component: () =>
      import('./components/PendingApprovalsPage').then(
        m => m.PendingApprovalsPage,
      ),
    mountPoint: legacyRootRouteRef,
  }),
);

/** The "Pull requests" entity tab content. @public */
export const EntityLuffyPullRequestsContent = legacyLuffyPlugin.provide(
  createComponentExtension({
    name: 'EntityLuffyPullRequestsContent',
    component: {
      lazy: () =>
        import('./components/PullRequestsContent').then(
          m => m.PullRequestsContent,
        ),
    },
  }),
);

/** The "Healing" entity tab content. @public */
export const EntityLuffyHealingContent = legacyLuffyPlugin.provide(
  createComponentExtension({
    name: 'EntityLuffyHealingContent',
    component: {
      lazy: () =>
        import('./components/HealingContent').then(m => m.HealingContent),
    },
  }),
);

/** The entity overview card. @public */
export const EntityLuffyOverviewCard = legacyLuffyPlugin.provide(
  createComponentExtension({
    name: 'EntityLuffyOverviewCard',
    component: {
      lazy: () =>
        import('./components/LuffyOverviewCard').then(m => m.LuffyOverviewCard),
    },
  }),
);
