/*
 * The Pull requests tab's backend cost over the sandbox: GitHub requests per tab view (goal 1)
 * and on a repeat (goal 0: served from the shared cache), and the latency of
 * GET .../pull-requests with 50 open pull requests, cold (cache cleared before each view, so
 * GitHub is asked every time) and warm, as p50/p95. Figures only, never pass/fail.
 * (The 10,000-line diff render time in Chromium is not measured here yet.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createLuffyClients } from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, startSandbox } from '@openluffy/sandbox';
import { createLuffyEvents } from '../plugins/luffy-backend/src/services/LuffyEvents';
import { createPullRequestService } from '../plugins/luffy-backend/src/services/pullRequests';

const OPEN_PRS = 50;
const VIEWS = 40;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function run() {
  const dataDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'openluffy-bench-prs-'),
  );
  const sandbox = await startSandbox({
    dataDir,
    timeScale: 50,
    ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
    logger: { info() {}, warn() {}, error: console.error },
    ...({ kubernetesHttpsPort: 0 } as {}),
  });
  try {
    const api = `${sandbox.urls.github}/api/v3`;
    const gh = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${api}${p}`, {
        method,
        headers: {
          authorization: `token ${DEFAULT_TOKENS.githubBot}`,
          'content-type': 'application/json',
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status}`);
      return res.json() as Promise<any>;
    };
    const counters = async () => {
      const res = await fetch(
        `${sandbox.urls.github}/_sandbox/counters?family=github`,
      );
      const body = (await res.json()) as any;
      const c: Record<string, number> = body.counters ?? body;
      return Object.values(c).reduce((a, b) => a + Number(b), 0);
    };

    // 50 open pull requests on acme/checkout (one file each).
    const main = await gh('GET', '/repos/acme/checkout/git/ref/heads/main');
    const open = (
      await gh('GET', '/repos/acme/checkout/pulls?state=open&per_page=100')
    ).length;
    for (let i = open; i < OPEN_PRS; i++) {
      const branch = `bench/pr-${i}`;
      await gh('POST', '/repos/acme/checkout/git/refs', {
        ref: `refs/heads/${branch}`,
        sha: main.object.sha,
      });
      await gh('PUT', `/repos/acme/checkout/contents/notes/bench-${i}.md`, {
        message: `bench note ${i}`,
        content: Buffer.from(`note ${i}\n`).toString('base64'),
        branch,
      });
      await gh('POST', '/repos/acme/checkout/pulls', {
        title: `Bench change ${i}`,
        head: branch,
        base: 'main',
      });
    }

    const config = new ConfigReader({
      integrations: {
        github: [
          {
            host: new URL(sandbox.urls.github).host,
            apiBaseUrl: api,
            token: DEFAULT_TOKENS.githubBot,
          },
        ],
      },
      argocd: {
        appLocatorMethods: [
          {
            type: 'config',
            instances: [
              {
                name: 'sandbox',
                url: sandbox.urls.argocd,
                token: DEFAULT_TOKENS.argocd,
              },
            ],
          },
        ],
      },
    });
    const logger: any = {
      info() {},
      warn() {},
      error: console.error,
      debug() {},
      child() {
        return logger;
      },
    };
    const clients = createLuffyClients({ config, logger });
    const service = createPullRequestService({
      logger,
      auth: mockServices.auth(),
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'checkout',
              namespace: 'default',
              annotations: {
                'github.com/project-slug': 'acme/checkout',
                'openluffy.io/gitops-repo': 'acme/gitops',
                'openluffy.io/gitops-path': 'apps/checkout/{env}',
              },
            },
            spec: { type: 'service' },
          },
        ],
      }),
      permissions: mockServices.permissions(),
      github: clients.github,
      argocd: clients.argocd,
      auditLog: { record: async () => ({} as any), track: (_m, fn) => fn() },
      events: createLuffyEvents({ logger }),
    });
    const ref = { namespace: 'default', kind: 'Component', name: 'checkout' };
    const credentials = mockCredentials.user();

    // Warm up the host capability probe and merge-settings memo once.
    await service.list(ref, { credentials });
    service.invalidate('acme/checkout');

    const c0 = await counters();
    const first = await service.list(ref, { credentials });
    const c1 = await counters();
    await service.list(ref, { credentials });
    const c2 = await counters();

    const cold: number[] = [];
    for (let i = 0; i < VIEWS; i++) {
      service.invalidate('acme/checkout');
      const t = performance.now();
      await service.list(ref, { credentials });
      cold.push(performance.now() - t);
    }
    const warm: number[] = [];
    for (let i = 0; i < VIEWS; i++) {
      const t = performance.now();
      await service.list(ref, { credentials });
      warm.push(performance.now() - t);
    }

    console.log(`open pull requests listed: ${first.items.length}`);
    console.log(`GitHub requests per tab view (cache cleared): ${c1 - c0}`);
    console.log(`GitHub requests on a repeat view: ${c2 - c1}`);
    console.log(
      `GET pull-requests, cold (asks GitHub): p50 ${pct(cold, 50).toFixed(
        1,
      )} ms, p95 ${pct(cold, 95).toFixed(1)} ms`,
    );
    console.log(
      `GET pull-requests, warm (shared cache): p50 ${pct(warm, 50).toFixed(
        2,
      )} ms, p95 ${pct(warm, 95).toFixed(2)} ms`,
    );
  } finally {
    await sandbox.stop();
  }
}
