import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds } from '@backstage/types';
import { luffyPermissions } from '@openluffy/plugin-luffy-common';
import { luffyClientsServiceRef } from '@openluffy/plugin-luffy-node';
import { DatabaseLuffyStore } from './database/DatabaseLuffyStore';
import { createRouter } from './router';
import { createAuditRouter } from './routes/audit';
import { createEventsRouter } from './routes/events';
import { createIncidentsRouter } from './routes/incidents';
import { createMetricsRouter } from './routes/metrics';
import { createIncidentsHealingRouter } from './routes/incidentsHealing';
import { createInvestigateRouter } from './routes/investigate';
import { createHealing } from './services/healing/createHealing';
import { notificationService } from '@backstage/plugin-notifications-node';
import { createDeploymentsRouter } from './routes/deployments';
import { createPullRequestsRouter } from './routes/pullRequests';
import { createWebhooksRouter } from './routes/webhooks';
import { createOperationsRouter } from './routes/operations';
import {
  createOperations,
  registerOperationActions,
} from './services/operations';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { createAuditLog } from './services/AuditLog';
import { createLuffyEvents } from './services/LuffyEvents';
import {
  createGithubDeliveryHandler,
  createPullRequestService,
} from './services/pullRequests';

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
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        clients: luffyClientsServiceRef,
        notifications: notificationService,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init({
        logger,
        lifecycle,
        httpAuth,
        httpRouter,
        database,
        permissionsRegistry,
        config,
        permissions,
        auth,
        catalog,
        clients,
        scheduler,
        notifications,
        actionsRegistry,
      }) {
        permissionsRegistry.addPermissions(luffyPermissions);

        // Shared services: every feature service gets what it needs from here.
        const store = await DatabaseLuffyStore.create({ database });
        const auditLog = createAuditLog({ store, logger });
        const events = createLuffyEvents({ logger });

        // Feature services (pull requests, healing, operations) are built here from
        // store, auditLog, events and the deps above.

        const pullRequests = createPullRequestService({
          logger,
          auth,
          catalog,
          permissions,
          github: clients.github,
          argocd: clients.argocd,
          auditLog,
          events,
          gitopsRepo: config.getOptionalString('luffy.gitops.repo'),
          actAs:
            config.getOptionalString('luffy.pullRequests.actAs') ===
            'integration'
              ? 'integration'
              : 'user',
          cacheTtlMs: config.has('luffy.pullRequests.cacheTtl')
            ? durationToMilliseconds(
                readDurationFromConfig(config, {
                  key: 'luffy.pullRequests.cacheTtl',
                }),
              )
            : undefined,
        });

        const healing = await createHealing({
          config,
          logger,
          database,
          scheduler,
          lifecycle,
          auth,
          catalog,
          clients,
          auditLog,
          events,
          notifications,
        });

        const operations = createOperations({
          config,
          logger,
          auth,
          permissions,
          catalog,
          clients,
          auditLog,
          events,
        });
        registerOperationActions(actionsRegistry, operations);

        httpRouter.use(
          await createRouter({
            // One line per feature router (see README "Adding a feature").
            routers: [
              createIncidentsRouter({ httpAuth, store }),
              createMetricsRouter({ httpAuth, store }),
              createIncidentsHealingRouter({
                httpAuth,
                permissions,
                auditLog,
                engine: healing.engine,
                store: healing.store,
                enabled: healing.enabled,
                diagnoser: healing.diagnoserId,
              }),
              createInvestigateRouter({
                httpAuth,
                permissions,
                auditLog,
                investigations: healing.investigations,
              }),
              createAuditRouter({ httpAuth, store }),
              createEventsRouter({ httpAuth, events, lifecycle }),
              createPullRequestsRouter({ httpAuth, pullRequests }),
              createDeploymentsRouter({ httpAuth, pullRequests }),
              createOperationsRouter({ httpAuth, operations }),
              createWebhooksRouter({
                logger,
                secret: config.getOptionalString('luffy.github.webhookSecret'),
                onDelivery: createGithubDeliveryHandler({
                  pullRequests,
                  events,
                  logger,
                }),
              }),
            ],
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // GitHub signs its deliveries (X-Hub-Signature-256), it has no Backstage token.
        httpRouter.addAuthPolicy({
          path: '/webhooks/github',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
