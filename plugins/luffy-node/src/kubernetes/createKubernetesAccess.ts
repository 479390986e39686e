import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotImplementedError } from '@backstage/errors';
import type { KubernetesAccess } from './types';

/**
 * The shared Kubernetes access layer over every cluster of `kubernetes.clusterLocatorMethods`
 * (type config).
 * @public
 */
export function createKubernetesAccess(options: {
  config: Config;
  logger: LoggerService;
}): KubernetesAccess {
  void options;
  return new Proxy({} as KubernetesAccess, {
    get() {
      return () => {
        throw new NotImplementedError('KubernetesAccess: not implemented yet');
      };
    },
  });
}
