import type { SandboxContext } from '../core/context';
import type { MemoryClusterStore } from '../kubernetes/store';
import { simulatorState } from './state';

/**
 * Creates `count` synthetic services × `envs` directly in the cluster store: namespaces
 * `load-<env>`, one healthy Deployment (1 replica, pods start already running) and one Service
 * per service and environment, labelled like the demo workloads.
 */
export function bulkSeed(
  ctx: SandboxContext,
  options: { count: number; envs: string[]; prefix?: string },
) {
  const store = ctx.cluster as MemoryClusterStore;
  const state = simulatorState(ctx);
  const prefix = options.prefix ?? 'svc';
  const started = Date.now();
  let created = 0;
  const namespaces: string[] = [];
  for (const env of options.envs) {
    const ns = `load-${env}`;
    namespaces.push(ns);
    if (!store.getRaw('v1/namespaces', undefined, ns))
      store.create('v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { 'openluffy.io/env': env } },
      });
    for (let i = 0; i < options.count; i++) {
      const service = `${prefix}-${String(i).padStart(4, '0')}`;
      const labels = {
        'app.kubernetes.io/name': service,
        'backstage.io/kubernetes-id': service,
        'app.kubernetes.io/instance': `${service}-${env}`,
        'openluffy.io/env': env,
        'openluffy.io/customer': 'load',
      };
      if (store.getRaw('apps/v1/deployments', ns, service)) continue;
      state.instant.add(`${ns}/${service}`);
      store.create(
        'apps/v1/deployments',
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: service, namespace: ns, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: { 'app.kubernetes.io/name': service } },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: 'app',
                    image: `registry.acme.example/${service}:1.0.0`,
                    ports: [{ containerPort: 8080, name: 'http' }],
                    env: [{ name: 'DEMO_MEMORY_DEMAND', value: '64Mi' }],
                    resources: {
                      requests: { cpu: '10m', memory: '64Mi' },
                      limits: { memory: '128Mi' },
                    },
                  },
                ],
              },
            },
          },
        },
        { validate: false },
      );
      store.create(
        'v1/services',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: service, namespace: ns, labels },
          spec: {
            selector: { 'app.kubernetes.io/name': service },
            ports: [{ name: 'http', port: 80, targetPort: 'http' }],
          },
        },
        { validate: false },
      );
      created++;
    }
  }
  return {
    services: options.count,
    envs: options.envs,
    namespaces,
    deploymentsCreated: created,
    ms: Date.now() - started,
  };
}
