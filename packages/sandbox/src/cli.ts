import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox';
import {
  DEFAULT_KUBERNETES_HTTPS_PORT,
  DEFAULT_PORTS,
} from './core/context';

const { values } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    host: { type: 'string', default: process.env.SANDBOX_HOST ?? '127.0.0.1' },
    'time-scale': {
      type: 'string',
      default: process.env.SANDBOX_TIME_SCALE ?? '1',
    },
    'github-port': { type: 'string', default: process.env.SANDBOX_GITHUB_PORT },
    'kubernetes-port': {
      type: 'string',
      default: process.env.SANDBOX_KUBERNETES_PORT,
    },
    'kubernetes-https-port': {
      type: 'string',
      default: process.env.SANDBOX_KUBERNETES_HTTPS_PORT,
    },
    'argocd-port': { type: 'string', default: process.env.SANDBOX_ARGOCD_PORT },
    'anthropic-port': {
      type: 'string',
      default: process.env.SANDBOX_ANTHROPIC_PORT,
    },
    'unsafe-control-api-on-all-interfaces': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`Usage: yarn sandbox [--reset] [--data-dir DIR] [--time-scale N] [--host H]
       [--github-port ${DEFAULT_PORTS.github}] [--kubernetes-port ${DEFAULT_PORTS.kubernetes}]
       [--kubernetes-https-port ${DEFAULT_KUBERNETES_HTTPS_PORT}]
       [--argocd-port ${DEFAULT_PORTS.argocd}] [--anthropic-port ${DEFAULT_PORTS.anthropic}]
       [--unsafe-control-api-on-all-interfaces]
The control API (/_sandbox/*: tokens, faults, chaos) answers loopback clients only, also with
--host 0.0.0.0, unless --unsafe-control-api-on-all-interfaces is given.
Environment: SANDBOX_DATA_DIR, SANDBOX_TIME_SCALE, SANDBOX_HOST, SANDBOX_<FAMILY>_PORT,
SANDBOX_KUBERNETES_HTTPS_PORT. kubectl: kubectl --kubeconfig <data-dir>/kubeconfig get pods -A`);
  process.exit(0);
}

// The monorepo root: packages/sandbox/../..
const repoRoot = path.resolve(
  path.dirname(require.resolve('@openluffy/sandbox/package.json')),
  '../..',
);
const port = (v: string | undefined, d: number) => (v ? Number(v) : d);

async function main() {
  const dataDir = path.resolve(
    values['data-dir'] ??
      process.env.SANDBOX_DATA_DIR ??
      path.join(repoRoot, 'data/sandbox'),
  );
  const sandbox = await startSandbox({
    dataDir,
    reset: values.reset,
    host: values.host,
    timeScale: Number(values['time-scale']),
    unsafeControlApiOnAllInterfaces:
      values['unsafe-control-api-on-all-interfaces'],
    ports: {
      github: port(values['github-port'], DEFAULT_PORTS.github),
      kubernetes: port(values['kubernetes-port'], DEFAULT_PORTS.kubernetes),
      argocd: port(values['argocd-port'], DEFAULT_PORTS.argocd),
      anthropic: port(values['anthropic-port'], DEFAULT_PORTS.anthropic),
    },
    kubernetesHttpsPort: port(
      values['kubernetes-https-port'],
      DEFAULT_KUBERNETES_HTTPS_PORT,
    ),
  });
  for (const [family, url] of Object.entries(sandbox.urls)) {
    console.log(`sandbox ${family.padEnd(10)} ${url}`);
  }
  if (sandbox.httpsUrls.kubernetes)
    console.log(
      `sandbox ${'kubernetes'.padEnd(10)} ${
        sandbox.httpsUrls.kubernetes
      } (kubectl --kubeconfig ${path.relative(
        process.cwd(),
        path.join(dataDir, 'kubeconfig'),
      )})`,
    );
  console.log('sandbox ready (GET /_sandbox/ready on any port)');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(e => {
  console.error(`sandbox failed to start: ${e?.stack ?? e}`);
  process.exit(1);
});
