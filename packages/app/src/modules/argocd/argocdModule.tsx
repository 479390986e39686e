import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { compatWrapper } from '@backstage/core-compat-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isArgocdAvailable } from '@roadiehq/backstage-plugin-argo-cd';

/**
 * Replaces the ArgoCD entity tab of Roadie's plugin (its `./alpha` export, 2.12.5): that tab
 * renders its cards through nested `<Routes>` matching "/", which match nothing under the new
 * frontend system's entity-content path, so the tab stays blank. Same extension id, same
 * cards, rendered directly; shown for entities with an argocd/app-name or app-selector.
 */
export const argocdModule = createFrontendModule({
  pluginId: 'argocd',
  extensions: [
    EntityContentBlueprint.make({
      name: 'ArgoCdPage',
      params: {
        path: '/argocd',
        title: 'ArgoCD',
        filter: isArgocdAvailable,
        loader: () =>
          import('./ArgoCdContent').then(m =>
            compatWrapper(<m.ArgoCdContent />),
          ),
      },
    }),
  ],
});
