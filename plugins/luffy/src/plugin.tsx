import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';
import HealingIcon from '@material-ui/icons/Healing';
import { luffyApiRef, LuffyClient } from './api';
import { rootRouteRef } from './routes';

/** Service components get the suite's entity tabs. */
export function isServiceEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    (entity.spec as { type?: string } | undefined)?.type === 'service'
  );
}

/** Services whose source repository is annotated get the Pull requests tab. */
export function hasGithubSlug(entity: Entity): boolean {
  return (
    isServiceEntity(entity) &&
    Boolean(entity.metadata.annotations?.['github.com/project-slug'])
  );
}

export const luffyApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: luffyApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new LuffyClient({ discoveryApi, fetchApi }),
    }),
});

export const pullRequestsEntityContent = EntityContentBlueprint.make({
  name: 'pull-requests',
  params: {
    path: '/pull-requests',
    title: 'Pull requests',
    filter: hasGithubSlug,
    loader: () =>
      import('./components/PullRequestsContent').then(m => (
        <m.PullRequestsContent />
      )),
  },
});

export const healingEntityContent = EntityContentBlueprint.make({
  name: 'healing',
  params: {
    path: '/healing',
    title: 'Healing',
    filter: isServiceEntity,
    loader: () =>
      import('./components/HealingContent').then(m => <m.HealingContent />),
  },
});

export const luffyOverviewCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    type: 'info',
    filter: isServiceEntity,
    loader: () =>
      import('./components/LuffyOverviewCard').then(m => (
        <m.LuffyOverviewCard />
      )),
  },
});

export const luffyAuditTrailCard = EntityCardBlueprint.make({
  name: 'audit-trail',
  params: {
    filter: isServiceEntity,
    loader: () =>
      import('./components/Operations').then(m => <m.EntityAuditTrailCard />),
  },
});

export const pendingApprovalsPage = PageBlueprint.make({
  params: {
    path: '/luffy',
    routeRef: rootRouteRef,
    title: 'Pending approvals',
    icon: <HealingIcon />,
    loader: () =>
      import('./components/PendingApprovalsPage').then(m => (
        <m.PendingApprovalsPage />
      )),
  },
});

/**
 * OpenLuffy's frontend plugin (new frontend system): entity tabs "Pull requests" and
 * "Healing" on service components, and the Pending approvals page at /luffy.
 *
 * @public
 */
export const luffyPlugin = createFrontendPlugin({
  pluginId: 'luffy',
  info: { packageJson: () => import('../package.json') },
  extensions: [
    luffyApi,
    pullRequestsEntityContent,
    healingEntityContent,
    luffyOverviewCard,
    luffyAuditTrailCard,
    pendingApprovalsPage,
  ],
  routes: {
    root: rootRouteRef,
  },
});
