import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createRulesDiagnoser } from '@openluffy/plugin-luffy-node';
import path from 'node:path';
import { DatabaseLuffyStore } from '../../database/DatabaseLuffyStore';
import { luffyTestDatabaseIds } from '../../tests/databases';
import { createAuditLog } from '../AuditLog';
import { createLuffyEvents } from '../LuffyEvents';
import { crashingPod, entity, fakes } from './__testUtils__/fakes';
import { readHealingSettings } from './createHealing';
import { HealingEngine } from './HealingEngine';
import { HealingStore } from './HealingStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: luffyTestDatabaseIds });

describe.each(databases.eachSupportedId())(
  'two replicas on one database (%s)',
  databaseId => {
    it('50 failures: every incident once, every PR once', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: path.resolve(__dirname, '../../../migrations'),
      });
      const names = Array.from({ length: 50 }, (_, i) => `svc${i}`);
      const pods = names.map(n => crashingPod(n, 'OOMKilled'));
      const f = fakes({ pods, logs: ['FATAL: out of memory'] });
      const logger = mockServices.logger.mock();
      const auditStore = await DatabaseLuffyStore.create({
        database: {
          getClient: async () => knex,
          migrations: { skip: true },
        } as any,
      });
      const replica = () =>
        new HealingEngine({
          store: HealingStore.fromKnex(knex),
          auditLog: createAuditLog({ store: auditStore, logger }),
          events: createLuffyEvents({ logger }),
          clients: f.clients,
          gitopsRepo: async () => f.repo,
          entities: async () => names.map(n => entity(n, 'propose')),
          diagnoser: createRulesDiagnoser(),
          settings: readHealingSettings(
            new ConfigReader({
              luffy: { healing: { maxPullRequestsPerHour: 1000 } },
            }),
          ),
          logger,
        });
      const [a, b] = [replica(), replica()];
      await Promise.all([a.sweep(), b.sweep(), a.sweep(), b.sweep()]);

      const store = HealingStore.fromKnex(knex);
      const incidents = await store.listByStatus(['awaiting-approval']);
      expect(incidents).toHaveLength(50);
      expect(new Set(incidents.map(i => i.workload)).size).toBe(50);
      const [{ n }] = await knex('luffy_incidents').count({ n: '*' });
      expect(Number(n)).toBe(50);
      expect(f.prs).toHaveLength(50);
      expect(new Set(f.prs.map(p => p.branch)).size).toBe(50);
    });
  },
);
