import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { luffyPlugin } from './plugin';

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

  it('lists incidents and audit events from its database (empty at first)', async () => {
    const { server } = await startTestBackend({ features: [luffyPlugin] });
    const auth = mockCredentials.user.header();
    const all = await request(server)
      .get('/api/luffy/incidents')
      .set('Authorization', auth);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ items: [], totalCount: 0 });

    const entity = await request(server)
      .get('/api/luffy/entity/default/component/checkout/incidents')
      .set('Authorization', auth);
    expect(entity.body).toEqual({ items: [], totalCount: 0 });

    const audit = await request(server)
      .get('/api/luffy/audit?limit=5')
      .set('Authorization', auth);
    expect(audit.body).toEqual({ items: [], totalCount: 0 });
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
