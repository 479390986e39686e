import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotImplementedError } from '@backstage/errors';
import type { GithubClientFactory, GithubClientOptions } from './types';

/**
 * Builds the shared GitHub client factory from `integrations.github`.
 * @public
 */
export function createGithubClients(options: {
  config: Config;
  logger: LoggerService;
  options?: GithubClientOptions;
}): GithubClientFactory {
  void options;
  const ni = (): never => {
    throw new NotImplementedError('createGithubClients: not implemented yet');
  };
  return {
    hosts: [],
    forRepo: async () => ni(),
    forHost: async () => ni(),
    asUser: () => ni(),
    rateLimit: () => ni(),
    cacheStats: () => ni(),
  };
}
