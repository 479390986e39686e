import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { luffyPlugin } from '../plugin';
import { HealingStore } from '../services/healing/HealingStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const failure = {
  entityRef: 'component:default/checkout',
  cluster: 'sandbox',
  namespace: 'acme-dev',
  workload: 'checkout',
  reason: 'OOMKilled',
  fingerprint: 'fp',
  autonomy: 'propose' as const,
  summary: 'OOMKilled',
  failure: {
    cluster: 'sandbox',
    namespace: 'acme-dev',
    workload: 'checkout',
    reason: 'OOMKilled',
  },
};

async function backend(options: { allow: boolean }) {
  const knex = await databases.init('SQLITE_3');
  const scheduler = mockServices.scheduler.mock();
  const { server } = await startTestBackend({
    features: [
      luffyPlugin,
      mockServices.database.factory({ knex }),
      scheduler.factory,
      mockServices.rootConfig.factory({
        data: {
          luffy: {
            healing: { enabled: true },
            diagnoser: { provider: 'rules' },
          },
        },
      }),
      mockServices.permissions.factory({
        result: options.allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      }),
    ],
  });
  return { server, scheduler, store: HealingStore.fromKnex(knex), knex };
}

describe('healing routes', () => {
  it('schedules the sweep with global scope and reports its status', async () => {
    const { server, scheduler } = await backend({ allow: true });
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'luffy-healing-sweep', scope: 'global' }),
    );
    const res = await request(server)
      .get('/api/luffy/healing/status')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enabled: true,
      diagnoser: 'rules',
      autonomy: 'propose',
      entitiesWithErrors: [],
    });
  });

  it('serves an incident with its timeline, and 400/404 for bad ids', async () => {
    const { server, store } = await backend({ allow: true });
    const { incident } = await store.openIncident(failure);
    const auth = mockCredentials.user.header();
    const res = await request(server)
      .get(`/api/luffy/incidents/${incident.id}`)
      .set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: incident.id,
      status: 'detected',
      timeline: [{ to: 'detected', actor: 'luffy' }],
    });
    expect(
      (
        await request(server)
          .get('/api/luffy/incidents/nope')
          .set('Authorization', auth)
      ).status,
    ).toBe(400);
    expect(
      (
        await request(server)
          .get('/api/luffy/incidents/00000000-0000-4000-8000-000000000000')
          .set('Authorization', auth)
      ).status,
    ).toBe(404);
  });

  it('dismisses with luffy.incident.decide, refuses (and audits) without it', async () => {
    const allowed = await backend({ allow: true });
    const { incident } = await allowed.store.openIncident(failure);
    const ok = await request(allowed.server)
      .post(`/api/luffy/incidents/${incident.id}/dismiss`)
      .set('Authorization', mockCredentials.user.header())
      .send({ reason: 'known issue' });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('dismissed');
    expect(ok.body.timeline.at(-1)).toMatchObject({
      to: 'dismissed',
      actor: 'user:default/mock',
      reason: 'known issue',
    });
    const again = await request(allowed.server)
      .post(`/api/luffy/incidents/${incident.id}/dismiss`)
      .set('Authorization', mockCredentials.user.header())
      .send({});
    expect(again.status).toBe(409);

    const denied = await backend({ allow: false });
    const other = await denied.store.openIncident(failure);
    const res = await request(denied.server)
      .post(`/api/luffy/incidents/${other.incident.id}/approve`)
      .set('Authorization', mockCredentials.user.header())
      .send({});
    expect(res.status).toBe(403);
    const audit = await denied
      .knex('luffy_audit_events')
      .where({ action: 'incident.approve' });
    expect(audit.map(a => a.outcome)).toEqual(['denied']);
    expect((await denied.store.getIncident(other.incident.id)).status).toBe(
      'detected',
    );
  });
});
