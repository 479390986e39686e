import fs from 'node:fs';
import path from 'node:path';

// The sandbox stands in for GitHub, Kubernetes, Argo CD and Anthropic; production code must
// reach it only through the real clients and configurable URLs, never by importing it.
const repoRoot = path.resolve(
  path.dirname(require.resolve('@openluffy/sandbox/package.json')),
  '../..',
);
const productionDirs = ['packages/app', 'packages/backend', 'plugins'];
const isTest = (f: string) =>
  /\.test\.[jt]sx?$/.test(f) ||
  /[\\/](__tests__|__fixtures__|testUtils?)[\\/]/.test(f);

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      return ['node_modules', 'dist', 'dist-types'].includes(e.name)
        ? []
        : sourceFiles(p);
    }
    return /\.(ts|tsx|js|jsx|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

describe('sandbox isolation', () => {
  it('no production package depends on @openluffy/sandbox', () => {
    const offenders: string[] = [];
    for (const base of productionDirs) {
      const pkgs =
        base === 'plugins'
          ? fs
              .readdirSync(path.join(repoRoot, base))
              .map(d => path.join(base, d))
          : [base];
      for (const pkg of pkgs) {
        const file = path.join(repoRoot, pkg, 'package.json');
        if (!fs.existsSync(file)) continue;
        const json = JSON.parse(fs.readFileSync(file, 'utf8'));
        for (const section of [
          'dependencies',
          'peerDependencies',
          'optionalDependencies',
        ]) {
          if (json[section]?.['@openluffy/sandbox'])
            offenders.push(`${pkg} ${section}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no production source file imports the sandbox, by name or by path', () => {
    const offenders: string[] = [];
    for (const base of productionDirs) {
      for (const file of sourceFiles(path.join(repoRoot, base))) {
        if (isTest(file)) continue;
        const text = fs.readFileSync(file, 'utf8');
        if (
          /from\s+['"]@openluffy\/sandbox|require\(\s*['"]@openluffy\/sandbox|import\(\s*['"]@openluffy\/sandbox/.test(
            text,
          ) ||
          /['"](\.\.\/)+(packages\/)?sandbox\//.test(text)
        ) {
          offenders.push(path.relative(repoRoot, file));
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('detects an offending import (the check can fail)', () => {
    const sample = "import { startSandbox } from '@openluffy/sandbox';";
    expect(/from\s+['"]@openluffy\/sandbox/.test(sample)).toBe(true);
  });
});
