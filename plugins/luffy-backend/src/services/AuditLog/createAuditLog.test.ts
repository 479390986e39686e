import { mockServices } from '@backstage/backend-test-utils';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { AuditEvent } from '@openluffy/plugin-luffy-common';
import type { NewAuditEvent } from '../../database/types';
import { createAuditLog } from './createAuditLog';
import { REDACTED, redactSecrets } from './redact';

function memoryStore() {
  const rows: NewAuditEvent[] = [];
  return {
    rows,
    appendAudit: async (event: NewAuditEvent): Promise<AuditEvent> => {
      rows.push(event);
      return { ...event, id: String(rows.length), createdAt: 'now' };
    },
  };
}

describe('redactSecrets', () => {
  it('redacts secret-looking keys at any depth and keeps the rest', () => {
    const input = {
      repo: 'acme/checkout',
      token: 'abc',
      accessToken: 'abc',
      github_token: 'abc',
      'X-Api-Key': 'abc',
      apiKey: 'abc',
      client_secret: 'abc',
      webhookSecret: 'abc',
      password: 'abc',
      headers: { Authorization: 'whatever', accept: 'application/json' },
      'private key': 'abc',
      privateKey: 'abc',
      nested: [{ env: [{ name: 'DB_PASSWORD', password: 'hunter2' }] }],
      replicas: 3,
    };
    expect(redactSecrets(input)).toEqual({
      repo: 'acme/checkout',
      token: REDACTED,
      accessToken: REDACTED,
      github_token: REDACTED,
      'X-Api-Key': REDACTED,
      apiKey: REDACTED,
      client_secret: REDACTED,
      webhookSecret: REDACTED,
      password: REDACTED,
      headers: { Authorization: REDACTED, accept: 'application/json' },
      'private key': REDACTED,
      privateKey: REDACTED,
      nested: [{ env: [{ name: 'DB_PASSWORD', password: REDACTED }] }],
      replicas: 3,
    });
  });

  it('masks token and private-key values whatever their key', () => {
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----';
    const out = JSON.stringify(
      redactSecrets({
        note: `use ghp_${'a'.repeat(36)} please`,
        header: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
        key: pem,
        anthropic: `sk-ant-api03-${'x'.repeat(20)}`,
        message: 'token validation failed',
      }),
    );
    expect(out).not.toMatch(/ghp_a|eyJhbGci|MIIEabc|sk-ant-api03/);
    expect(out).toContain('token validation failed');
  });

  it('copes with cycles and does not touch the original', () => {
    const input: Record<string, unknown> = { password: 'p' };
    input.self = input;
    expect(redactSecrets(input)).toEqual({
      password: REDACTED,
      self: '[Circular]',
    });
    expect(input.password).toBe('p');
  });
});

describe('createAuditLog', () => {
  const meta = {
    actor: 'user:default/alice',
    action: 'operation.scale',
    target: 'component:default/checkout',
    input: { replicas: 2, githubToken: 'ghs_secret', options: { secret: 's' } },
  };

  it('stores records with their input redacted', async () => {
    const store = memoryStore();
    const audit = createAuditLog({ store, logger: mockServices.logger.mock() });
    await audit.record({ ...meta, outcome: 'succeeded', durationMs: 3.4 });
    expect(store.rows).toEqual([
      {
        ...meta,
        input: {
          replicas: 2,
          githubToken: REDACTED,
          options: { secret: REDACTED },
        },
        outcome: 'succeeded',
        durationMs: 3,
      },
    ]);
    expect(JSON.stringify(store.rows)).not.toContain('ghs_secret');
  });

  it('track records succeeded, dry-run, failed and denied with a duration', async () => {
    const store = memoryStore();
    const audit = createAuditLog({ store, logger: mockServices.logger.mock() });

    await expect(audit.track(meta, async () => 'done')).resolves.toBe('done');
    await audit.track(meta, async () => 'planned', { dryRun: true });
    await expect(
      audit.track(meta, async () => {
        throw new InputError('replicas must be ≤ 10');
      }),
    ).rejects.toThrow('replicas must be ≤ 10');
    await expect(
      audit.track(meta, async () => {
        throw new NotAllowedError('not a luffy writer');
      }),
    ).rejects.toBeInstanceOf(NotAllowedError);

    expect(store.rows.map(r => r.outcome)).toEqual([
      'succeeded',
      'dry-run',
      'failed',
      'denied',
    ]);
    for (const row of store.rows) {
      expect(row.durationMs).toEqual(expect.any(Number));
      expect(row.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(row.input)).not.toContain('ghs_secret');
    }
  });

  it("track returns fn's result even when the audit write fails, and logs it", async () => {
    const logger = mockServices.logger.mock();
    const audit = createAuditLog({
      store: {
        appendAudit: async () => {
          throw new Error('database is down');
        },
      },
      logger,
    });
    await expect(audit.track(meta, async () => 42)).resolves.toBe(42);
    expect(logger.error).toHaveBeenCalledWith(
      'Could not write the audit event',
      expect.objectContaining({ error: 'database is down' }),
    );
  });
});
