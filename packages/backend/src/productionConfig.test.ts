import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// What the image runs with: app-config.yaml overlaid by app-config.production.yaml.
const repoRoot = path.resolve(__dirname, '../../..');
const read = (file: string) => ({
  context: file,
  data: parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')),
});
const config = ConfigReader.fromConfigs([
  read('app-config.yaml'),
  read('app-config.production.yaml'),
]);

/** Every string value of the merged config with its path. */
function strings(
  value: unknown = config.get(),
  at = '',
): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value))
    return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      strings(v, at ? `${at}.${k}` : k),
    );
  }
  return [];
}

describe('production config', () => {
  it('has no guest sign-in, only GitHub', () => {
    expect(config.getString('auth.environment')).toBe('production');
    expect(config.getOptional('auth.providers.guest')).toBeUndefined();
    expect(config.getConfig('auth.providers').keys()).toEqual(['github']);
    expect(config.getConfig('auth.providers.github').keys()).toEqual([
      'production',
    ]);
  });

  it('limits luffy writes to configured groups', () => {
    expect(
      config.getStringArray('luffy.permissions.writerGroups').length,
    ).toBeGreaterThan(0);
  });

  it('points nothing at the sandbox', () => {
    const sandbox = strings().filter(([, v]) =>
      /127\.0\.0\.1:1808\d|localhost:1808\d|sandbox-/.test(v),
    );
    expect(sandbox).toEqual([]);
  });

  it('takes secrets from the environment, not from the file', () => {
    for (const key of [
      'integrations.github[0].token',
      'auth.providers.github.production.clientSecret',
      'luffy.anthropic.apiKey',
      'luffy.github.webhookSecret',
      'backend.database.connection.password',
    ]) {
      const value = strings().find(([k]) => k === key)?.[1];
      expect([key, value]).toEqual([
        key,
        expect.stringMatching(/^\$\{[A-Z_]+\}$/),
      ]);
    }
  });
});
