#!/usr/bin/env node
// `yarn test:all`: every check, in order, each stage timed:
//   install (yarn install --immutable) → type-check (tsc) → lint → unit + integration tests
//   (Jest via backstage-cli; database tests on SQLite and PostgreSQL) → browser e2e
//   (Playwright + Debian's Chromium against the started sandbox, backend and frontend).
// It runs every stage even when one fails, then prints the stage table and, as its very last
// line, the sum of every test it ran: `N passed, N failed, N skipped`.
//
// Options: --skip-e2e, --only=<stage,...> (install,tsc,release,lint,config,jest,e2e)
import './lib/require-node.mjs';
import { waitForUrl } from './lib/wait-for-url.mjs';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args
  .find(a => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = stage =>
  (!only || only.includes(stage)) &&
  !(stage === 'e2e' && args.includes('--skip-e2e'));
const yarnJs = path.join(root, '.yarn/releases/yarn-4.13.0.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'openluffy-test-'));

// PostgreSQL for the database tests (TestDatabases), unless the environment names one.
process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??=
  'postgresql://postgres@127.0.0.1:5432';

const stages = [];
const failures = [];
const suites = { unit: zero(), integration: zero(), e2e: zero() };
function zero() {
  return { passed: 0, failed: 0, skipped: 0 };
}

function fmt(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60
    ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
    : `${s}s`;
}

function banner(text) {
  console.log(`\n\u001b[1m=== ${text} ===\u001b[0m`);
}

function runStep(name, command, commandArgs, options = {}) {
  banner(name);
  const t0 = Date.now();
  const r = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...options.env },
  });
  const ok = r.status === 0;
  stages.push({ name, ok, ms: Date.now() - t0 });
  console.log(
    `--- ${name}: ${
      ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`
    } in ${fmt(Date.now() - t0)}`,
  );
  return ok;
}

const yarn = (name, yarnArgs, options) =>
  runStep(name, process.execPath, [yarnJs, ...yarnArgs], options);

// 1. install
if (want('install')) {
  const ok = yarn('install', [
    'install',
    ...(process.env.CI ? ['--immutable'] : []),
  ]);
  if (!ok) finish();
}

// 2. type-check
if (want('tsc')) yarn('type-check (tsc)', ['tsc']);

// 2b. release hygiene of the published plugins: API reports and knip (unused and unlisted
// dependencies) reports match the committed ones (regenerate with `yarn build:api-reports` /
// `yarn build:knip-reports`), and each changed published package has a changeset.
// The API reports read the declarations the tsc stage just wrote (dist-types).
if (want('release')) {
  yarn('API reports', ['check:api-reports']);
  yarn('knip reports', ['check:knip-reports']);
  yarn('changesets', ['check:changesets']);
}

// 3. lint
if (want('lint')) yarn('lint', ['lint:all']);

// 3b. config: app-config.yaml alone (the embedded default) and with the production overlay,
// validated against every package's config schema (placeholder values for its env vars)
if (want('config')) {
  const productionEnv = Object.fromEntries(
    [
      ...fs
        .readFileSync(path.join(root, 'app-config.production.yaml'), 'utf8')
        .matchAll(/\$\{([A-Z0-9_]+)\}/g),
    ].map(m => [m[1], `placeholder-${m[1].toLowerCase()}`]),
  );
  yarn('config check', [
    'backstage-cli',
    'config:check',
    '--strict',
    '--config',
    'app-config.yaml',
  ]);
  yarn(
    'config check (production)',
    [
      'backstage-cli',
      'config:check',
      '--strict',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.production.yaml',
    ],
    { env: productionEnv },
  );
}

// 4. unit + integration tests (one Jest run; files named *.integration.test.* or
// *.contract.test.* count as integration tests, the rest as unit tests)
if (want('jest')) {
  const out = path.join(tmp, 'jest.json');
  yarn(
    'unit + integration tests (jest)',
    ['backstage-cli', 'repo', 'test', '--json', `--outputFile=${out}`],
    {
      env: { CI: 'true' },
    },
  );
  if (fs.existsSync(out)) {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const file of report.testResults) {
      const kind = /\.(integration|contract)\.test\.[jt]sx?$/.test(file.name)
        ? 'integration'
        : 'unit';
      for (const t of file.assertionResults) {
        if (t.status === 'passed') suites[kind].passed++;
        else if (t.status === 'failed') {
          suites[kind].failed++;
          failures.push(`${path.relative(root, file.name)} › ${t.fullName}`);
        } else suites[kind].skipped++;
      }
      // A file that failed to run at all (syntax error, import error) has no assertions.
      if (file.status === 'failed' && file.assertionResults.length === 0)
        suites[kind].failed++;
    }
  } else {
    suites.unit.failed++;
  }
}

// 5. e2e against the started stack
if (want('e2e')) await e2e();

finish();

async function portBusy(port) {
  return new Promise(resolve => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function e2e() {
  banner('e2e (playwright + chromium)');
  const t0 = Date.now();
  const name = 'e2e (playwright + chromium)';
  const busy = [];
  for (const port of [3000, 7007, 18081, 18082, 18083, 18084])
    if (await portBusy(port)) busy.push(port);
  if (busy.length) {
    console.error(
      `ports ${busy.join(
        ', ',
      )} are in use: stop the running \`yarn start\` first`,
    );
    stages.push({ name, ok: false, ms: 0 });
    suites.e2e.failed++;
    return;
  }
  fs.mkdirSync(path.join(root, 'e2e/artifacts'), { recursive: true });
  const logFile = path.join(root, 'e2e/artifacts/stack.log');
  const log = fs.openSync(logFile, 'w');
  const stack = spawn(
    process.execPath,
    [path.join(root, 'scripts/start.mjs'), '--reset'],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, BROWSER: 'none' },
    },
  );
  let alive = true;
  stack.on('exit', () => (alive = false));
  let ok = false;
  try {
    const abort = () =>
      alive ? undefined : 'the stack exited before it was ready';
    await waitForUrl('http://localhost:7007/api/luffy/health', {
      timeoutMs: 420_000,
      intervalMs: 1000,
      abort,
    });
    await waitForUrl('http://localhost:3000', {
      timeoutMs: 300_000,
      intervalMs: 1000,
      abort,
    });
    console.log(
      `stack ready in ${fmt(Date.now() - t0)} (log: e2e/artifacts/stack.log)`,
    );
    const out = path.join(tmp, 'e2e.json');
    const r = spawnSync(
      process.execPath,
      [yarnJs, 'playwright', 'test', '--reporter=list,json'],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
      },
    );
    ok = r.status === 0;
    if (fs.existsSync(out)) {
      const s = JSON.parse(fs.readFileSync(out, 'utf8')).stats ?? {};
      suites.e2e.passed += (s.expected ?? 0) + (s.flaky ?? 0);
      suites.e2e.failed += s.unexpected ?? 0;
      suites.e2e.skipped += s.skipped ?? 0;
    } else {
      suites.e2e.failed++;
    }
  } catch (e) {
    console.error(`e2e: ${e.message}; last lines of the stack log:`);
    console.error(
      fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'),
    );
    suites.e2e.failed++;
  } finally {
    try {
      process.kill(-stack.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 20 && alive; i++) await sleep(500);
    if (alive) {
      try {
        process.kill(-stack.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  stages.push({ name, ok, ms: Date.now() - t0 });
  console.log(
    `--- ${name}: ${ok ? 'ok' : 'FAILED'} in ${fmt(Date.now() - t0)}`,
  );
}

function finish() {
  banner('summary');
  if (failures.length) {
    console.log('failed tests:');
    for (const f of failures.slice(0, 30)) console.log(`  ✕ ${f}`);
  }
  for (const s of stages) {
    console.log(
      `${s.ok ? 'ok    ' : 'FAILED'}  ${s.name.padEnd(34)} ${fmt(s.ms).padStart(
        8,
      )}`,
    );
  }
  const total = zero();
  const parts = [];
  for (const [kind, n] of Object.entries(suites)) {
    total.passed += n.passed;
    total.failed += n.failed;
    total.skipped += n.skipped;
    parts.push(`${kind} ${n.passed}/${n.passed + n.failed + n.skipped}`);
  }
  const stagesOk = stages.every(s => s.ok);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(
    `tests (${parts.join(', ')}): ${total.passed} passed, ${
      total.failed
    } failed, ${total.skipped} skipped`,
  );
  process.exit(stagesOk && total.failed === 0 && total.passed > 0 ? 0 : 1);
}
