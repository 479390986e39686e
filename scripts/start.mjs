#!/usr/bin/env node
// `yarn start`: the sandbox (local GitHub, Kubernetes, Argo CD), then Backstage's own
// `backstage-cli repo start` (backend :7007 + frontend :3000) once the sandbox is ready.
// Each child runs in its own process group; Ctrl-C (or SIGTERM) stops every group, and if one
// child dies the others are stopped too, so nothing is left running in the background.
//
// Flags: --no-sandbox   start only Backstage (e.g. with app-config.production.yaml)
//        --reset        start the sandbox from its seed, dropping its saved state
//        anything else  passed to `backstage-cli repo start`
import './lib/require-node.mjs';
import { waitForUrl } from './lib/wait-for-url.mjs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const withSandbox = !args.includes('--no-sandbox');
const sandboxArgs = args.includes('--reset') ? ['--reset'] : [];
const backstageArgs = args.filter(a => a !== '--no-sandbox' && a !== '--reset');
// Any sandbox port answers /_sandbox/ready; follow a GitHub port override (SANDBOX_GITHUB_PORT).
const sandboxReadyUrl =
  process.env.SANDBOX_READY_URL ??
  `http://127.0.0.1:${process.env.SANDBOX_GITHUB_PORT ?? 18083}/_sandbox/ready`;

const children = [];
let stopping = false;

function run(name, command, commandArgs, opts = {}) {
  const child = spawn(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
    detached: true, // own process group, so we can stop its whole tree
    ...opts,
  });
  children.push({ name, child });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(
        `[start] ${name} exited (${signal ?? code}); stopping everything`,
      );
      stop(code || 1);
    }
  });
  return child;
}

function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const hard = setTimeout(() => {
    for (const { child } of children) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.exit(exitCode);
  }, 8000);
  hard.unref();
  Promise.all(
    children.map(
      ({ child }) =>
        new Promise(resolve =>
          child.exitCode !== null || child.signalCode !== null
            ? resolve()
            : child.once('exit', resolve),
        ),
    ),
  ).then(() => process.exit(exitCode));
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));

if (withSandbox) {
  run('sandbox', process.execPath, [
    path.join(root, 'packages/sandbox/bin/sandbox'),
    ...sandboxArgs,
  ]);
  const t0 = Date.now();
  try {
    await waitForUrl(sandboxReadyUrl, {
      timeoutMs: 120_000,
      intervalMs: 300,
      abort: () => (stopping ? 'stopping' : undefined),
    });
  } catch (e) {
    if (!stopping) console.error(`[start] ${e.message}`);
    stop(1);
  }
  if (!stopping) {
    console.log(`[start] sandbox ready in ${Date.now() - t0} ms`);
  }
}
if (!stopping) {
  run('backstage', process.execPath, [
    path.join(root, 'node_modules/@backstage/cli/bin/backstage-cli'),
    'repo',
    'start',
    ...backstageArgs,
  ]);
}
