import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { GithubClientFactory } from './github/types';
import type { ArgoCdClient } from './argocd/types';
import type { KubernetesAccess } from './kubernetes/types';
import { createGithubClients } from './github/createGithubClients';
import { createArgoCdClient } from './argocd/createArgoCdClient';
import { createKubernetesAccess } from './kubernetes/createKubernetesAccess';

/** The shared GitHub, Argo CD and Kubernetes clients. @public */
export type LuffyClients = {
  github: GithubClientFactory;
  argocd: ArgoCdClient;
  kubernetes: KubernetesAccess;
};

/**
 * Root-scoped: luffy-backend and the scaffolder module (any plugin) get the SAME instances,
 * so rate-limit state, pacing and the ETag cache are shared.
 * @public
 */
export const luffyClientsServiceRef = createServiceRef<LuffyClients>({
  id: 'luffy.clients',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: { config: coreServices.rootConfig, logger: coreServices.rootLogger },
      factory({ config, logger }) {
        return createLuffyClients({ config, logger });
      },
    }),
});

/** Builds the three clients from Backstage config (`integrations.github`, `argocd`, `kubernetes`). @public */
export function createLuffyClients(options: {
  config: import('@backstage/config').Config;
  logger: import('@backstage/backend-plugin-api').LoggerService;
}): LuffyClients {
  const logger = options.logger.child({ service: 'luffy-clients' });
  return {
    github: createGithubClients({ config: options.config, logger }),
    argocd: createArgoCdClient({ config: options.config, logger }),
    kubernetes: createKubernetesAccess({ config: options.config, logger }),
  };
}
