import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { luffyPermissions } from '@openluffy/plugin-luffy-common';
import { LuffyStore } from './database/LuffyStore';
import { createRouter } from './router';

/**
 * The OpenLuffy backend plugin, served under /api/luffy.
 *
 * @public
 */
export const luffyPlugin = createBackendPlugin({
  pluginId: 'luffy',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        logger,
        httpAuth,
        httpRouter,
        database,
        permissionsRegistry,
      }) {
        const store = await LuffyStore.create({ database });
        permissionsRegistry.addPermissions(luffyPermissions);
        httpRouter.use(await createRouter({ httpAuth, logger, store }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
