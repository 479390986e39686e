import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  createRulesDiagnoser,
  type KubernetesAccess,
} from '@openluffy/plugin-luffy-node';
import path from 'node:path';
import { DatabaseLuffyStore } from '../../database/DatabaseLuffyStore';
import { createAuditLog } from '../AuditLog';
import { createLuffyEvents } from '../LuffyEvents';
import { entity, fakes } from './__testUtils__/fakes';
import { readHealingSettings } from './createHealing';
import {
  FLUX_NOT_READY,
  FluxKustomizations,
  kustomizationFailures,
} from './flux';
import { HealingEngine } from './HealingEngine';
import { HealingStore } from './HealingStore';

const kustomization = (
  name: string,
  ready: { status: string; reason?: string; message?: string },
) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: {
    name,
    namespace: 'flux-system',
    labels: { 'backstage.io/kubernetes-id': name },
  },
  spec: { targetNamespace: 'acme-dev', path: `./apps/${name}/dev` },
  status: {
    conditions: [{ type: 'Ready', ...ready }],
    lastAttemptedRevision: 'main@sha1:abc',
  },
});

describe('kustomizationFailures', () => {
  it('reports Ready=False, not Ready=True or Unknown (still reconciling)', () => {
    const failures = kustomizationFailures(
      'c1',
      [
        kustomization('checkout', {
          status: 'False',
          reason: 'BuildFailed',
          message: 'kustomize build failed: missing resource',
        }),
        kustomization('inventory', { status: 'True' }),
        kustomization('recommender', {
          status: 'Unknown',
          reason: 'Progressing',
        }),
      ],
      new Date('2026-12-04T00:00:00Z'),
    );
    expect(failures).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        namespace: 'acme-dev',
        workload: 'checkout',
        workloadKind: 'Kustomization',
        reason: FLUX_NOT_READY,
        message:
          'Flux Kustomization flux-system/checkout is not Ready: BuildFailed: kustomize build failed: missing resource',
      }),
    ]);
    expect(failures[0].details).toMatchObject({
      env: 'dev',
      labels: { 'backstage.io/kubernetes-id': 'checkout' },
    });
  });
});

describe('FluxKustomizations', () => {
  const access = (answers: Record<string, () => any>) => {
    const list = jest.fn(async (_kind: any, opts: { clusters: string[] }) =>
      opts.clusters.map(cluster => ({
        cluster,
        items: [],
        ...answers[cluster](),
      })),
    );
    return {
      list,
      k8s: {
        clusters: () => Object.keys(answers).map(name => ({ name, url: 'x' })),
        list,
      } as unknown as KubernetesAccess,
    };
  };

  it('skips clusters without the Flux CRD cleanly and does not ask them again for a while', async () => {
    const { k8s, list } = access({
      withFlux: () => ({
        items: [kustomization('checkout', { status: 'True' })],
      }),
      noFlux: () => ({
        error: new NotFoundError(
          'Kubernetes noFlux: list kustomizations failed: 404',
        ),
      }),
      broken: () => ({
        error: new ServiceUnavailableError(
          'Kubernetes broken: list kustomizations failed: 503',
        ),
      }),
    });
    const flux = new FluxKustomizations(k8s, 60_000);
    const first = await flux.list(1_000);
    expect(Object.keys(first.byCluster)).toEqual(['withFlux']);
    expect(first.errors).toEqual([
      'broken: Kubernetes broken: list kustomizations failed: 503',
    ]);
    expect(flux.absent(1_000)).toEqual(['noFlux']);
    await flux.list(2_000);
    expect(list.mock.calls[1][1].clusters).toEqual(['withFlux', 'broken']);
    await flux.list(62_000); // recheck after the period
    expect(list.mock.calls[2][1].clusters).toEqual([
      'withFlux',
      'noFlux',
      'broken',
    ]);
  });
});

describe('HealingEngine with Flux', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function engineWith(kustomizations: () => any) {
    const knex = await databases.init('SQLITE_3');
    await knex.migrate.latest({
      directory: path.resolve(__dirname, '../../../migrations'),
    });
    const logger = mockServices.logger.mock();
    const auditStore = await DatabaseLuffyStore.create({
      database: {
        getClient: async () => knex,
        migrations: { skip: true },
      } as any,
    });
    const store = HealingStore.fromKnex(knex);
    const f = fakes({ pods: [], logs: [] });
    (f.clients.kubernetes.list as jest.Mock).mockImplementation(
      async (kind: { plural: string }) => [
        kind.plural === 'kustomizations'
          ? { cluster: 'sandbox', items: [], ...kustomizations() }
          : { cluster: 'sandbox', items: [] },
      ],
    );
    const engine = new HealingEngine({
      store,
      auditLog: createAuditLog({ store: auditStore, logger }),
      events: createLuffyEvents({ logger }),
      clients: f.clients,
      gitopsRepo: async () => f.repo,
      entities: async () => [entity('checkout', 'observe')],
      diagnoser: createRulesDiagnoser(),
      settings: readHealingSettings(new ConfigReader({})),
      logger,
    });
    return { engine, store, list: f.clients.kubernetes.list as jest.Mock };
  }

  it('opens an incident for a Kustomization with Ready=False', async () => {
    const { engine, store } = await engineWith(() => ({
      items: [
        kustomization('checkout', {
          status: 'False',
          reason: 'HealthCheckFailed',
          message: 'Deployment/acme-dev/checkout not ready',
        }),
      ],
    }));
    const r = await engine.sweep({ process: false });
    expect(r.clusterErrors).toEqual([]);
    expect(r.opened).toHaveLength(1);
    const [incident] = await store.listByStatus(['detected']);
    expect(incident).toMatchObject({
      workload: 'checkout',
      namespace: 'acme-dev',
      reason: FLUX_NOT_READY,
      entityRef: 'component:default/checkout',
    });
  });

  it('without Flux (404 on the CRD): no error, no incident, not asked on the next sweep', async () => {
    const { engine, list } = await engineWith(() => ({
      error: new NotFoundError(
        'Kubernetes sandbox: list kustomizations failed: 404 page not found',
      ),
    }));
    const first = await engine.sweep({ process: false });
    expect(first.clusterErrors).toEqual([]);
    expect(first.failures).toBe(0);
    const fluxCalls = () =>
      list.mock.calls.filter(([kind]) => kind.plural === 'kustomizations')
        .length;
    expect(fluxCalls()).toBe(1);
    await engine.sweep({ process: false });
    expect(fluxCalls()).toBe(1);
  });
});
