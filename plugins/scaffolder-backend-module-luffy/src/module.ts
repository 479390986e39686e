import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createLuffyActions } from './actions';

/**
 * Adds OpenLuffy's onboarding actions to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleLuffy = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'luffy',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
      },
      async init({ scaffolderActions }) {
        scaffolderActions.addActions(...createLuffyActions());
      },
    });
  },
});
