import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The sandbox stands in for GitHub, Kubernetes, Argo CD and Anthropic; production code must
// reach it only through the real clients and configurable URLs, never by importing it.
const repoRoot = path.resolve(
  path.dirname(require.resolve('@openluffy/sandbox/package.json')),
  '../..',
);
const productionDirs = ['packages/app', 'packages/backend', 'plugins'];
// Test files as Backstage's ESLint config counts them (the lint rule lets these import it).
const isTest = (f: string) =>
  /\.(test|stories)\.[jt]sx?$/.test(f) ||
  /[\\/]setupTests\.[jt]sx?$/.test(f) ||
  /[\\/](__testUtils__|__mocks__|__fixtures__)[\\/]/.test(f);

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
});

// The lint rule every production package's .eslintrc.js gets from
// scripts/eslint/productionPackage.js, checked against each package's real ESLint config.
// (ESLint runs in a child process: the React plugins' dependencies do not load under Jest.)
const productionPackages = [
  'packages/app',
  'packages/backend',
  ...fs
    .readdirSync(path.join(repoRoot, 'plugins'), { withFileTypes: true })
    .filter(d => d.isDirectory())
    .map(d => `plugins/${d.name}`),
].filter(p => fs.existsSync(path.join(repoRoot, p, 'package.json')));

const probes = {
  byName: {
    file: 'src/isolationProbe.ts',
    code: "import { startSandbox } from '@openluffy/sandbox';\nexport const s = startSandbox;\n",
  },
  bySubpath: {
    file: 'src/isolationProbe.ts',
    code: "import { waitFor } from '@openluffy/sandbox/src/testing/waitFor';\nexport const w = waitFor;\n",
  },
  byPath: {
    file: 'src/deep/isolationProbe.ts',
    code: "import { startSandbox } from '../../../../packages/sandbox/src';\nexport const s = startSandbox;\n",
  },
  inTest: {
    file: 'src/isolationProbe.test.ts',
    code: "import { startSandbox } from '@openluffy/sandbox';\nexport const s = startSandbox;\n",
  },
  unrelated: {
    file: 'src/isolationProbe.ts',
    code: "import { z } from 'zod';\nexport const s = z;\n",
  },
};
type Probe = keyof typeof probes;

/** For each package and probe, the no-restricted-imports messages ESLint reports. */
function lintProbes(): Record<string, Record<Probe, string[]>> {
  const script = `
    const { ESLint } = require('eslint');
    const path = require('path');
    const [packages, probes] = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = {};
      for (const pkg of packages) {
        out[pkg] = {};
        for (const [id, probe] of Object.entries(probes)) {
          const [result] = await eslint.lintText(probe.code, {
            filePath: path.join(process.cwd(), pkg, probe.file),
          });
          out[pkg][id] = result.messages
            .filter(m => m.ruleId === 'no-restricted-imports' || m.fatal)
            .map(m => m.message);
        }
      }
      process.stdout.write(JSON.stringify(out));
    })().catch(e => { console.error(e); process.exit(1); });
  `;
  return JSON.parse(
    execFileSync(
      process.execPath,
      ['-e', script, JSON.stringify([productionPackages, probes])],
      { cwd: repoRoot, encoding: 'utf8', maxBuffer: 10_000_000 },
    ),
  );
}

describe('the no-sandbox-import lint rule (real ESLint config of each package)', () => {
  jest.setTimeout(180_000);
  let results: ReturnType<typeof lintProbes>;
  beforeAll(() => {
    results = lintProbes();
  });

  it('covers every production package', () => {
    expect(productionPackages).toEqual(
      expect.arrayContaining([
        'packages/app',
        'packages/backend',
        'plugins/luffy',
        'plugins/luffy-backend',
        'plugins/luffy-common',
        'plugins/luffy-node',
        'plugins/scaffolder-backend-module-luffy',
      ]),
    );
  });

  it.each(productionPackages)(
    '%s: source files may not import the sandbox by name, subpath or path; tests may',
    pkg => {
      expect(results[pkg]).toEqual({
        byName: [
          expect.stringContaining(
            'Production code must not import the sandbox',
          ),
        ],
        bySubpath: [expect.stringContaining('@openluffy/sandbox/src/testing')],
        byPath: [expect.stringContaining('packages/sandbox/src')],
        inTest: [],
        unrelated: [],
      });
    },
  );
});
