import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { DatabaseLuffyStore } from './database/DatabaseLuffyStore';
import { luffyPlugin } from './plugin';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('luffy backend plugin', () => {
  it('answers /health without credentials', async () => {
    const { server } = await startTestBackend({ features: [luffyPlugin] });
    const res = await request(server).get('/api/luffy/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('requires credentials for everything else', async () => {
    const { server } = await startTestBackend({ features: [luffyPlugin] });
    const res = await request(server)
      .get('/api/luffy/incidents')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('serves incidents and audit events stored in its database through the routes', async () => {
    const knex = await databases.init('SQLITE_3');
    const { server } = await startTestBackend({
      features: [luffyPlugin, mockServices.database.factory({ knex })],
    });
    const auth = mockCredentials.user.header();
    const empty = await request(server)
      .get('/api/luffy/incidents')
      .set('Authorization', auth);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ items: [], totalCount: 0 });

    // The plugin migrated the database at start; write through a second store on it.
    const store = await DatabaseLuffyStore.create({
      database: mockServices.database({ knex }),
      skipMigrations: true,
    });
    const checkout = await store.insertIncident({
      entityRef: 'component:default/checkout',
      key: 'sandbox/acme-dev/checkout/OOMKilled',
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload: 'checkout',
      reason: 'OOMKilled',
      status: 'awaiting-approval',
      summary: 'memory limit 128Mi below demand',
    });
    await store.insertIncident({
      entityRef: 'component:default/inventory',
      key: 'sandbox/acme-dev/inventory/CrashLoopBackOff',
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload: 'inventory',
      reason: 'CrashLoopBackOff',
      status: 'healed',
    });
    await store.appendAudit({
      actor: 'user:default/alice',
      action: 'operation.restart',
      target: 'component:default/checkout',
      input: { env: 'dev' },
      outcome: 'succeeded',
      durationMs: 12,
    });

    const all = await request(server)
      .get('/api/luffy/incidents')
      .set('Authorization', auth);
    expect(all.body.totalCount).toBe(2);
    expect(
      all.body.items.map((i: { workload: string }) => i.workload).sort(),
    ).toEqual(['checkout', 'inventory']);

    const awaiting = await request(server)
      .get('/api/luffy/incidents?status=awaiting-approval')
      .set('Authorization', auth);
    expect(awaiting.body).toEqual({ items: [checkout], totalCount: 1 });

    const entity = await request(server)
      .get('/api/luffy/entity/default/Component/checkout/incidents')
      .set('Authorization', auth);
    expect(entity.body).toEqual({ items: [checkout], totalCount: 1 });

    const audit = await request(server)
      .get('/api/luffy/audit?actor=user:default/alice&limit=5')
      .set('Authorization', auth);
    expect(audit.body.totalCount).toBe(1);
    expect(audit.body.items[0]).toMatchObject({
      action: 'operation.restart',
      target: 'component:default/checkout',
      input: { env: 'dev' },
      outcome: 'succeeded',
      durationMs: 12,
    });
  });

  it('rejects bad filters with a clear InputError', async () => {
    const { server } = await startTestBackend({ features: [luffyPlugin] });
    const res = await request(server)
      .get('/api/luffy/incidents?status=exploded&limit=0')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(/status must be among/);
    expect(res.body.error.message).toMatch(/limit/);
  });

  it('registers the suite permissions with the permissions registry', async () => {
    const { server } = await startTestBackend({
      features: [luffyPlugin, mockServices.rootConfig.factory({ data: {} })],
    });
    const res = await request(server).get(
      '/api/luffy/.well-known/backstage/permissions/metadata',
    );
    expect(res.status).toBe(200);
    expect(res.body.permissions.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'luffy.pullRequest.merge',
        'luffy.incident.decide',
        'luffy.operation.run',
      ]),
    );
  });
});
