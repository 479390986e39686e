import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { luffyClientsServiceRef } from '@openluffy/plugin-luffy-node';
import { createLuffyActions } from './actions';

/**
 * Adds OpenLuffy's onboarding actions to the scaffolder, built on the shared GitHub, Argo CD
 * and Kubernetes clients of `@openluffy/plugin-luffy-node`.
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
        config: coreServices.rootConfig,
        clients: luffyClientsServiceRef,
      },
      async init({ scaffolderActions, config, clients }) {
        scaffolderActions.addActions(...createLuffyActions({ config, clients }));
      },
    });
  },
});
