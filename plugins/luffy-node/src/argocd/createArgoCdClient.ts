import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotImplementedError } from '@backstage/errors';
import type { ArgoCdClient } from './types';

/**
 * The shared Argo CD client over every instance of `argocd.appLocatorMethods`.
 * @public
 */
export function createArgoCdClient(options: {
  config: Config;
  logger: LoggerService;
  fetch?: typeof fetch;
}): ArgoCdClient {
  void options;
  return new Proxy({} as ArgoCdClient, {
    get() {
      return () => {
        throw new NotImplementedError('ArgoCdClient: not implemented yet');
      };
    },
  });
}
