import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { luffyPermissions } from '@openluffy/plugin-luffy-common';
import { DatabaseLuffyStore } from './database/DatabaseLuffyStore';
import { createRouter } from './router';
import { createAuditRouter } from './routes/audit';
import { createEventsRouter } from './routes/events';
import { createIncidentsRouter } from './routes/incidents';
import { createAuditLog } from './services/AuditLog';
import { createLuffyEvents } from './services/LuffyEvents';

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
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        logger,
        lifecycle,
        httpAuth,
        httpRouter,
        database,
        permissionsRegistry,
      }) {
        permissionsRegistry.addPermissions(luffyPermissions);

        // Shared services: every feature service gets what it needs from here.
        const store = await DatabaseLuffyStore.create({ database });
        const auditLog = createAuditLog({ store, logger });
        const events = createLuffyEvents({ logger });

        // Feature services (pull requests, healing, operations) are built here from
        // store, auditLog, events and the deps above.
        void auditLog; // (used by the feature services as they land)

        httpRouter.use(
          await createRouter({
            // One line per feature router (see README "Adding a feature").
            routers: [
              createIncidentsRouter({ httpAuth, store }),
              createAuditRouter({ httpAuth, store }),
              createEventsRouter({ httpAuth, events, lifecycle }),
            ],
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
