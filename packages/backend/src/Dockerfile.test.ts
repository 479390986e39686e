import fs from 'node:fs';
import path from 'node:path';

// The image `yarn build-image` builds: every COPY source must exist in the build context (the
// repository root) after `yarn build:backend`, and the build outputs it copies must be the
// files backstage-cli's backend build writes.

const packageDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const dockerfile = fs.readFileSync(path.join(packageDir, 'Dockerfile'), 'utf8');

/** The sources of each COPY instruction (flags and the destination dropped). */
function copySources(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(l => /^COPY\s/i.test(l))
    .flatMap(l => {
      const args = l.split(/\s+/).slice(1);
      if (args.some(a => a.startsWith('--from'))) return [];
      const paths = args.filter(a => !a.startsWith('--'));
      return paths.slice(0, -1);
    });
}

/** The file names backstage-cli's `package build` writes for a backend package. */
function backendBuildOutputs(): string[] {
  const file = require.resolve(
    '@backstage/cli-module-build/dist/lib/buildBackend.cjs.js',
    { paths: [require.resolve('@backstage/cli')] },
  );
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/_FILE = "([^"]+)"/g)].map(m => m[1]);
}

function matches(pattern: string): string[] {
  if (!pattern.includes('*')) {
    return fs.existsSync(path.join(repoRoot, pattern)) ? [pattern] : [];
  }
  const dir = path.dirname(pattern);
  const re = new RegExp(
    `^${path
      .basename(pattern)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return fs
    .readdirSync(path.join(repoRoot, dir))
    .filter(f => re.test(f))
    .map(f => path.join(dir, f));
}

const ignored = fs
  .readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map(l => l.trim())
  .filter(l => l && !l.startsWith('#'));

describe('packages/backend/Dockerfile', () => {
  const sources = copySources(dockerfile);
  const buildOutputs = sources.filter(s =>
    s.startsWith('packages/backend/dist/'),
  );
  const repoFiles = sources.filter(s => !buildOutputs.includes(s));

  it('copies the backend build outputs backstage-cli writes', () => {
    expect(buildOutputs.map(s => path.basename(s)).sort()).toEqual(
      backendBuildOutputs().sort(),
    );
  });

  it('copies only files that exist in the repository', () => {
    expect(repoFiles).toEqual(
      expect.arrayContaining(['yarn.lock', 'package.json', 'app-config*.yaml']),
    );
    const missing = repoFiles.filter(s => matches(s).length === 0);
    expect(missing).toEqual([]);
  });

  it('copies nothing the .dockerignore leaves out of the context', () => {
    const excluded = repoFiles.filter(s =>
      ignored.some(i => s === i || s.startsWith(`${i}/`)),
    );
    expect(excluded).toEqual([]);
  });

  it('starts the backend with the production config, which exists', () => {
    const cmd = dockerfile.match(/^CMD (\[.*\])$/m);
    expect(cmd).not.toBeNull();
    const args: string[] = JSON.parse(cmd![1]);
    const configs = args.filter((_a, i) => args[i - 1] === '--config');
    expect(configs).toEqual(['app-config.yaml', 'app-config.production.yaml']);
    for (const c of configs) {
      expect(fs.existsSync(path.join(repoRoot, c))).toBe(true);
    }
  });

  it('is what `yarn build-image` builds', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
    );
    expect(pkg.scripts['build-image']).toBe(
      'docker build ../.. -f Dockerfile --tag openluffy-backend',
    );
  });
});
