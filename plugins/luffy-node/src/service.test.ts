import {
  createBackendModule,
  createBackendPlugin,
  coreServices,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { luffyClientsServiceRef, type LuffyClients } from './service';
import {
  luffyDetectorsExtensionPoint,
  luffyDiagnosersExtensionPoint,
  luffyNotifiersExtensionPoint,
} from './extensions';

describe('luffyClientsServiceRef', () => {
  it('gives every plugin the same clients, built from Backstage config', async () => {
    const seen: LuffyClients[] = [];
    const plugin = (pluginId: string) =>
      createBackendPlugin({
        pluginId,
        register(env) {
          env.registerInit({
            deps: { clients: luffyClientsServiceRef, http: coreServices.httpRouter },
            async init({ clients }) {
              seen.push(clients);
            },
          });
        },
      });
    await startTestBackend({
      features: [
        plugin('luffy'),
        plugin('scaffolder'),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              github: [{ host: 'ghe.example.com', apiBaseUrl: 'https://ghe.example.com/api/v3', token: 't' }],
            },
            argocd: {
              appLocatorMethods: [{ type: 'config', instances: [{ name: 'main', url: 'https://argo.example.com', token: 'a' }] }],
            },
            kubernetes: {
              clusterLocatorMethods: [
                { type: 'config', clusters: [{ name: 'prod', url: 'https://k8s.example.com', authProvider: 'serviceAccount', serviceAccountToken: 'k' }] },
              ],
            },
          },
        }),
      ],
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0].github.hosts[0]).toBe('ghe.example.com');
    expect(seen[0].argocd.instances()).toEqual([{ name: 'main', url: 'https://argo.example.com' }]);
    expect(seen[0].kubernetes.clusters()).toEqual([{ name: 'prod', url: 'https://k8s.example.com' }]);
  });
});

describe('extension points', () => {
  it('have the ids modules use', () => {
    expect(luffyDiagnosersExtensionPoint.id).toBe('luffy.diagnosers');
    expect(luffyDetectorsExtensionPoint.id).toBe('luffy.detectors');
    expect(luffyNotifiersExtensionPoint.id).toBe('luffy.notifiers');
  });

  it('can be used by a module of the luffy plugin', async () => {
    const added: string[] = [];
    const module = createBackendModule({
      pluginId: 'luffy',
      moduleId: 'test',
      register(env) {
        env.registerInit({
          deps: { diagnosers: luffyDiagnosersExtensionPoint },
          async init({ diagnosers }) {
            diagnosers.addDiagnoser({
              id: 'test',
              diagnose: async () => ({ rootCause: 'x', confidence: 1, evidence: [], provider: 'test' }),
            });
          },
        });
      },
    });
    await startTestBackend({
      extensionPoints: [[luffyDiagnosersExtensionPoint, { addDiagnoser: (...d: { id: string }[]) => added.push(...d.map(x => x.id)) }]],
      features: [module],
    });
    expect(added).toEqual(['test']);
  });
});
