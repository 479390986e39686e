import {
  REDACTED,
  Redactor,
  isSecretName,
  redactEnv,
  redactText,
} from './redact';

/** Fake credentials of the right shape (none is real). */
const SECRETS = {
  awsKey: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  dbPassword: 'hunter2-s3cr3t',
  pemBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  bearer: 'abcDEF123456ghiJKL789',
  ghToken: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
};

const pem = `-----BEGIN RSA PRIVATE KEY-----\n${SECRETS.pemBody}\nAnotherLineOfBase64==\n-----END RSA PRIVATE KEY-----`;

describe('Redactor', () => {
  it('removes AWS keys, JWTs, connection-string passwords, PEM blocks, bearer headers and tokens', () => {
    const lines = [
      `error: s3 upload failed with key ${SECRETS.awsKey}`,
      `aws_secret_access_key=${SECRETS.awsSecret}`,
      `auth header was ${SECRETS.jwt}`,
      `connecting to postgres://checkout:${SECRETS.dbPassword}@postgres.acme-dev.svc:5432/checkout`,
      `Server=db;User Id=sa;Password=${SECRETS.dbPassword};`,
      ...pem.split('\n'),
      `GET /api with Authorization: Bearer ${SECRETS.bearer}`,
      `using token ${SECRETS.ghToken}`,
      'info: GET /healthz 200 3ms',
    ];
    const r = new Redactor();
    const out = r.lines(lines).join('\n');
    for (const s of Object.values(SECRETS)) expect(out).not.toContain(s);
    expect(out).not.toContain('AnotherLineOfBase64');
    expect(out).toContain(
      'postgres://checkout:[REDACTED]@postgres.acme-dev.svc:5432/checkout',
    );
    expect(out).toContain('info: GET /healthz 200 3ms');
    expect(r.stats.count).toBeGreaterThanOrEqual(8);
  });

  it('leaves ordinary log lines alone', () => {
    const line =
      'info: checkout listening on http://0.0.0.0:3000 (DATABASE_URL set)';
    expect(redactText(line)).toBe(line);
  });

  it('removes known secret values wherever they appear', () => {
    expect(redactText('hello my-very-own-value!', ['my-very-own-value'])).toBe(
      `hello ${REDACTED}!`,
    );
  });

  it('drops values under secret-looking keys of JSON values', () => {
    const r = new Redactor();
    expect(
      r.value({
        apiKey: 'abcdef',
        nested: [{ message: `key ${SECRETS.awsKey}` }],
        n: 1,
      }),
    ).toEqual({
      apiKey: REDACTED,
      nested: [{ message: `key ${REDACTED}(aws-key)` }],
      n: 1,
    });
  });
});

describe('redactEnv', () => {
  it('never shows secretKeyRef values or secret-looking names, and scrubs the rest', () => {
    const env = redactEnv([
      { name: 'DB_PASSWORD', value: SECRETS.dbPassword },
      {
        name: 'API_TOKEN',
        valueFrom: { secretKeyRef: { name: 'api', key: 'token' } },
      },
      {
        name: 'DATABASE_URL',
        value: `postgres://u:${SECRETS.dbPassword}@db:5432/x`,
      },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(JSON.stringify(env)).not.toContain(SECRETS.dbPassword);
    expect(env[1]).toEqual({
      name: 'API_TOKEN',
      valueFrom: { secretKeyRef: { name: 'api', key: 'token' } },
    });
    expect(env[3]).toEqual({ name: 'LOG_LEVEL', value: 'info' });
  });

  it('knows secret-looking names', () => {
    expect(isSecretName('STRIPE_SECRET_KEY')).toBe(true);
    expect(isSecretName('PAYMENT_PROVIDER_URL')).toBe(false);
    expect(isSecretName('DEMO_MEMORY_DEMAND')).toBe(false);
  });
});
