import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { luffyTestDatabaseIds } from './databases';

jest.setTimeout(60_000);

const migrationsDir = resolvePackagePath(
  '@openluffy/plugin-luffy-backend',
  'migrations',
);

const databases = TestDatabases.create({ ids: luffyTestDatabaseIds });

describe.each(databases.eachSupportedId())('migrations (%s)', databaseId => {
  it('20261129_init goes up with usable tables and down without leftovers', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.up({
      directory: migrationsDir,
      name: '20261129_init.js',
    });

    await knex('luffy_incidents').insert({
      id: 'i-1',
      entity_ref: 'component:default/checkout',
      incident_key: 'sandbox/acme-dev/checkout/OOMKilled',
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload: 'checkout',
      reason: 'OOMKilled',
      status: 'detected',
      created_at: new Date(),
      updated_at: new Date(),
    });
    await knex('luffy_audit_events').insert({
      id: 'a-1',
      actor: 'user:default/alice',
      action: 'x',
      target: 'y',
      outcome: 'succeeded',
      created_at: new Date(),
    });
    // The audit id is unique: a second event with the same id is refused.
    const duplicate = await knex('luffy_audit_events')
      .insert({
        id: 'a-1',
        actor: 'a',
        action: 'x',
        target: 'y',
        outcome: 'succeeded',
        created_at: new Date(),
      })
      .then(
        () => 'inserted',
        (e: Error) => e.message,
      );
    expect(duplicate).toMatch(/unique|duplicate/i);
    const [{ n }] = await knex('luffy_incidents').count({ n: '*' });
    expect(Number(n)).toBe(1);
    expect(
      await knex('luffy_incidents')
        .where({ id: 'i-1' })
        .first('entity_ref', 'incident_key', 'status', 'summary'),
    ).toEqual({
      entity_ref: 'component:default/checkout',
      incident_key: 'sandbox/acme-dev/checkout/OOMKilled',
      status: 'detected',
      summary: null,
    });
    // The audit sequence orders events: a second event gets a higher seq.
    await knex('luffy_audit_events').insert({
      id: 'a-2',
      actor: 'a',
      action: 'x',
      target: 'y',
      outcome: 'failed',
      created_at: new Date(),
    });
    const seqs = await knex('luffy_audit_events').orderBy('seq').pluck('id');
    expect(seqs).toEqual(['a-1', 'a-2']);

    await knex.migrate.down({ directory: migrationsDir });
    expect(await knex.schema.hasTable('luffy_incidents')).toBe(false);
    expect(await knex.schema.hasTable('luffy_audit_events')).toBe(false);
  });
});
