import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { DEFAULT_TOKENS, startSandbox, type Sandbox } from '@openluffy/sandbox';

export type TestSandbox = {
  sandbox: Sandbox;
  urls: Sandbox['urls'];
  /** Backstage config pointing integrations.github, argocd and kubernetes at the sandbox. */
  config: ConfigReader;
  githubHost: string;
  logger: ReturnType<typeof mockServices.logger.mock>;
  /** Calls the control API of a family: `/_sandbox/<path>`. */
  control<T = any>(path: string, init?: { method?: string; body?: unknown; family?: keyof Sandbox['urls'] }): Promise<T>;
  /** GitHub request counters (sum over keys matching `filter`). */
  githubCalls(filter?: (key: string) => boolean): Promise<{ total: number; counters: Record<string, number> }>;
  /** Stops and starts the sandbox again on the same ports and data (like a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/** A full sandbox on ephemeral ports with the demo seed, in a temp dir. */
export async function startTestSandbox(options: { timeScale?: number } = {}): Promise<TestSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-node-sbx-'));
  const start = (ports: Record<string, number>) =>
    startSandbox({
      dataDir,
      ports,
      timeScale: options.timeScale ?? 20,
      logger: { info() {}, warn() {}, error() {} },
      // never the dev stack's default HTTPS port (the option is newer than some sandboxes)
      ...({ kubernetesHttpsPort: 0 } as {}),
    });
  let sandbox = await start({ github: 0, kubernetes: 0, argocd: 0, anthropic: 0 });
  const urls = { ...sandbox.urls };
  const githubHost = new URL(urls.github).host;
  const config = new ConfigReader({
    integrations: {
      github: [
        {
          host: githubHost,
          apiBaseUrl: `${urls.github}/api/v3`,
          token: DEFAULT_TOKENS.githubBot,
        },
      ],
    },
    argocd: {
      appLocatorMethods: [
        {
          type: 'config',
          instances: [{ name: 'sandbox', url: urls.argocd, token: DEFAULT_TOKENS.argocd }],
        },
      ],
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'sandbox',
              url: urls.kubernetes,
              authProvider: 'serviceAccount',
              serviceAccountToken: DEFAULT_TOKENS.kubernetes,
              skipTLSVerify: true,
            },
          ],
        },
      ],
    },
  });
  const control = async (p: string, init: { method?: string; body?: unknown; family?: keyof Sandbox['urls'] } = {}) => {
    const res = await fetch(`${urls[init.family ?? 'github']}/_sandbox/${p}`, {
      method: init.method ?? 'GET',
      headers: init.body ? { 'content-type': 'application/json' } : undefined,
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    if (!res.ok) throw new Error(`control ${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    get sandbox() {
      return sandbox;
    },
    urls,
    config,
    githubHost,
    logger: mockServices.logger.mock(),
    control,
    async githubCalls(filter = () => true) {
      const { counters } = await control('counters?family=github');
      const picked = Object.fromEntries(
        Object.entries(counters as Record<string, number>).filter(([k]) => !k.includes('/_sandbox') && filter(k)),
      );
      return { total: Object.values(picked).reduce((a, b) => a + b, 0), counters: picked };
    },
    async restart() {
      await sandbox.stop();
      sandbox = await start(
        Object.fromEntries(
          Object.entries(urls).map(([f, u]) => [f, Number(new URL(u).port)]),
        ),
      );
    },
    async stop() {
      await sandbox.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
