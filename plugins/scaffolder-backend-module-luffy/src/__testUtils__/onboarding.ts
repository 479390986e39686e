import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createLuffyClients } from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, startSandbox, type Sandbox } from '@openluffy/sandbox';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';

/** Template root (skeletons) as the scaffolder sees it. */
export const TEMPLATE_DIR = path.resolve(__dirname, '../../../../templates/customer-onboarding');

/** A sandbox on ephemeral ports with the demo seed, plus Backstage config and shared clients. */
export async function startOnboardingSandbox(options: { timeScale?: number } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-onboarding-'));
  const sandbox: Sandbox = await startSandbox({
    dataDir,
    ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
    timeScale: options.timeScale ?? 20,
    logger: { info() {}, warn() {}, error() {} },
    ...({ kubernetesHttpsPort: 0 } as {}),
  });
  const urls = sandbox.urls;
  const githubHost = new URL(urls.github).host;
  const config = new ConfigReader({
    integrations: {
      github: [{ host: githubHost, apiBaseUrl: `${urls.github}/api/v3`, token: DEFAULT_TOKENS.githubBot }],
    },
    argocd: {
      appLocatorMethods: [
        { type: 'config', instances: [{ name: 'sandbox', url: urls.argocd, token: DEFAULT_TOKENS.argocd }] },
      ],
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            { name: 'sandbox', url: urls.kubernetes, authProvider: 'serviceAccount', serviceAccountToken: DEFAULT_TOKENS.kubernetes, skipTLSVerify: true },
          ],
        },
      ],
    },
    luffy: {
      gitops: { repo: 'acme/gitops' },
      onboarding: {
        defaults: { repoOwner: 'acme', registry: 'registry.acme.example', ingress: { clusterIssuer: 'letsencrypt-staging' } },
        environments: { prod: { replicas: 2 } },
      },
    },
  });
  const quiet: any = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
  const clients = createLuffyClients({ config, logger: quiet });
  const control = async <T = any>(p: string, family: keyof Sandbox['urls'] = 'github'): Promise<T> => {
    const res = await fetch(`${urls[family]}/_sandbox/${p}`);
    if (!res.ok) throw new Error(`control ${p}: ${res.status}`);
    return res.json() as Promise<T>;
  };
  return {
    sandbox,
    urls,
    githubHost,
    config,
    clients,
    dataDir,
    /** GitHub API request counters (the sandbox's), summed. */
    async githubCalls() {
      const { counters } = await control<{ counters: Record<string, number> }>('counters?family=github');
      const api = Object.entries(counters).filter(([k]) => !k.includes('/_sandbox'));
      const total = api.reduce((a, [, n]) => a + n, 0);
      const content = api
        .filter(([k]) => / (POST|PUT|PATCH|DELETE) /.test(k))
        .reduce((a, [, n]) => a + n, 0);
      return { total, content, counters: Object.fromEntries(api) };
    },
    async stop() {
      await sandbox.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An action context whose outputs and log lines are collected. */
export function actionContext<I extends Record<string, any>>(input: I, extra: { isDryRun?: boolean; workspacePath?: string; secrets?: Record<string, string>; templateInfo?: any } = {}): { ctx: any; outputs: Record<string, any>; lines: string[] } {
  const lines: string[] = [];
  const logger = mockServices.logger.mock();
  for (const level of ['info', 'warn', 'error', 'debug'] as const) {
    logger[level].mockImplementation((m: unknown) => {
      lines.push(String(m));
    });
  }
  const ctx = createMockActionContext<any>({
    input,
    logger: logger as any,
    ...(extra.workspacePath ? { workspacePath: extra.workspacePath } : {}),
    ...(extra.secrets ? { secrets: extra.secrets } : {}),
    ...(extra.templateInfo ? { templateInfo: extra.templateInfo } : {}),
  });
  (ctx as any).isDryRun = !!extra.isDryRun;
  const outputs: Record<string, any> = {};
  (ctx.output as jest.Mock).mockImplementation((k: string, v: unknown) => {
    outputs[k] = v;
  });
  return { ctx, outputs, lines };
}
