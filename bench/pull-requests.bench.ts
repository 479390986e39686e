/*
 * The Pull requests tab over the sandbox, figures beside their goals (never pass/fail):
 * - GitHub requests per tab view (goal 1) and the rate-limit cost of a repeat (goal 0), counted
 *   by the sandbox (`/_sandbox/counters`, 304s included);
 * - backend p50/p95 of GET /api/luffy/entity/.../pull-requests (the real router over HTTP) with
 *   50 open pull requests: cold (cache cleared before each view, GitHub asked every time) and
 *   warm (the shared cache), goal p95 <= 150 ms;
 * - time until a 10,000-line diff is rendered and scrollable in Chromium (the plugin's DiffView
 *   bundled with esbuild; goal <= 1 s).
 * Starts its own sandbox on ephemeral ports (in a worker thread: GitHub answers from another
 * event loop) and its own headless Chromium: no dev stack needed.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createLuffyClients } from '@openluffy/plugin-luffy-node';
import { Worker } from 'node:worker_threads';
import { DEFAULT_TOKENS } from '@openluffy/sandbox';
import { build } from 'esbuild';
import express from 'express';
import { chromium } from 'playwright-core';
import { createRouter } from '../plugins/luffy-backend/src/router';
import { createPullRequestsRouter } from '../plugins/luffy-backend/src/routes/pullRequests';
import { createLuffyEvents } from '../plugins/luffy-backend/src/services/LuffyEvents';
import { createPullRequestService } from '../plugins/luffy-backend/src/services/pullRequests';

const OPEN_PRS = 50;
const VIEWS = 40;
const DIFF_FILES = 20;
const DIFF_LINES_PER_FILE = 500; // 10,000 lines; each file under the 1,000-line "large" fold
const RENDERS = 5;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The sandbox in a worker thread: "GitHub" answers from another event loop, as the real one
 * does from another machine, so the backend's latencies are not the fake GitHub's work.
 */
async function startSandboxThread(dataDir: string): Promise<{
  urls: { github: string; argocd: string };
  stop(): Promise<void>;
}> {
  const worker = new Worker(
    `
    require('@backstage/cli-node/config/nodeTransform.cjs');
    const { parentPort, workerData } = require('node:worker_threads');
    const { startSandbox } = require('@openluffy/sandbox');
    startSandbox({
      dataDir: workerData.dataDir,
      timeScale: 50,
      ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
      kubernetesHttpsPort: 0,
      logger: { info() {}, warn() {}, error: console.error },
    }).then(sandbox => {
      parentPort.postMessage({ urls: sandbox.urls });
      parentPort.on('message', async () => {
        await sandbox.stop();
        parentPort.postMessage({ stopped: true });
      });
    }, e => parentPort.postMessage({ error: String(e && e.stack || e) }));
    `,
    { eval: true, workerData: { dataDir } },
  );
  const first = await new Promise<any>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (first.error) throw new Error(first.error);
  return {
    urls: first.urls,
    stop: async () => {
      const stopped = new Promise(resolve => worker.once('message', resolve));
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

// Load when measured: the figures scale with it on a shared machine.
const load = () => os.loadavg()[0].toFixed(1);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function run() {
  const dataDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'openluffy-bench-prs-'),
  );
  const sandbox = await startSandboxThread(dataDir);
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
    const makeService = (cacheTtlMs?: number) =>
      createPullRequestService({
        cacheTtlMs,
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
    const service = makeService();
    // TTL 0: every view finds the list expired (answered from it, refreshed behind).
    const expiring = makeService(0);
    const credentials = mockCredentials.user();
    const httpAuth = {
      credentials: async () => credentials,
    } as unknown as HttpAuthService;
    const app = express();
    app.use(
      '/api/luffy',
      await createRouter({
        routers: [
          createPullRequestsRouter({ httpAuth, pullRequests: service }),
        ],
      }),
    );
    app.use(
      '/expiring/api/luffy',
      await createRouter({
        routers: [
          createPullRequestsRouter({ httpAuth, pullRequests: expiring }),
        ],
      }),
    );
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger,
      }).error(),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise(resolve => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const path_ = '/api/luffy/entity/default/component/checkout/pull-requests';
    const view = async (prefix = '') => {
      const res = await fetch(`${base}${prefix}${path_}`);
      if (!res.ok) throw new Error(`GET pull-requests: HTTP ${res.status}`);
      return (await res.json()) as { items: unknown[] };
    };

    try {
      // One view to load the entity and open the connections, then measure from a cold cache.
      await view();
      service.invalidate('acme/checkout');

      const c0 = await counters();
      const first = await view();
      const c1 = await counters();
      await view();
      await view();
      const c2 = await counters();

      const cold: number[] = [];
      for (let i = 0; i < VIEWS; i++) {
        service.invalidate('acme/checkout');
        const t = performance.now();
        await view();
        cold.push(performance.now() - t);
      }
      const warm: number[] = [];
      for (let i = 0; i < VIEWS; i++) {
        const t = performance.now();
        await view();
        warm.push(performance.now() - t);
      }
      await view('/expiring');
      const stale: number[] = [];
      const s0 = await counters();
      for (let i = 0; i < VIEWS; i++) {
        const t = performance.now();
        await view('/expiring');
        stale.push(performance.now() - t);
      }
      // The stale views started one refresh behind them; count it once it has answered.
      const deadline = Date.now() + 120_000;
      while ((await counters()) === s0 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      const s1 = await counters();
      await expiring.refresh('acme/checkout'); // settle before the sandbox stops

      console.log(
        `open pull requests listed: ${
          first.items.length
        } (load average ${load()} on ${os.cpus().length} CPUs)`,
      );
      console.log(
        `GitHub requests per tab view (cache cleared): ${c1 - c0} (goal 1)`,
      );
      console.log(
        `GitHub requests and rate-limit cost of two repeat views: ${
          c2 - c1
        } (goal 0)`,
      );
      console.log(
        `GET pull-requests, cold (asks GitHub): p50 ${pct(cold, 50).toFixed(
          1,
        )} ms, p95 ${pct(cold, 95).toFixed(
          1,
        )} ms (only the first view after a start or a merge waits for GitHub)`,
      );
      console.log(
        `GET pull-requests, warm (shared cache): p50 ${pct(warm, 50).toFixed(
          2,
        )} ms, p95 ${pct(warm, 95).toFixed(2)} ms (goal p95 <= 150 ms)`,
      );
      console.log(
        `GET pull-requests, TTL expired (last list served, refreshed behind): p50 ${pct(
          stale,
          50,
        ).toFixed(2)} ms, p95 ${pct(stale, 95).toFixed(
          2,
        )} ms (goal p95 <= 150 ms; ${
          s1 - s0
        } GitHub request(s) behind ${VIEWS} views)`,
      );
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  } finally {
    await sandbox.stop();
  }
  await diffRender();
}

/** A 10,000-line pull request: DIFF_FILES TypeScript files of DIFF_LINES_PER_FILE lines. */
function bigDiff(): { diff: string; first: string; last: string } {
  const out: string[] = [];
  for (let f = 0; f < DIFF_FILES; f++) {
    const name = `src/generated/module${f}.ts`;
    out.push(
      `diff --git a/${name} b/${name}`,
      `index 1111111..2222222 100644`,
      `--- a/${name}`,
      `+++ b/${name}`,
      `@@ -1,${DIFF_LINES_PER_FILE / 2} +1,${DIFF_LINES_PER_FILE / 2} @@`,
    );
    for (let i = 0; i < DIFF_LINES_PER_FILE / 2; i++) {
      out.push(
        `-export const value${f}_${i} = computeOld(${i}, 'module ${f}'); // line ${i}`,
        `+export const value${f}_${i} = computeNew(${i}, 'module ${f}'); // line ${i}`,
      );
    }
  }
  const lastLine = DIFF_LINES_PER_FILE / 2 - 1;
  return {
    diff: `${out.join('\n')}\n`,
    first: `value0_0 = computeOld`,
    last: `value${DIFF_FILES - 1}_${lastLine} = computeNew`,
  };
}

/** Time until the 10,000-line diff is rendered and scrollable in headless Chromium. */
export async function diffRender() {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`diff render: skipped, no Chromium at ${CHROMIUM}`);
    return;
  }
  const bundle = await build({
    entryPoints: [path.join(__dirname, 'diff-render', 'entry.tsx')],
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'iife',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.css': 'css' },
    logLevel: 'error',
  });
  const js = bundle.outputFiles.find(f => f.path.endsWith('.js'))!.text;
  const css = bundle.outputFiles.find(f => f.path.endsWith('.css'))?.text;
  const { diff, first, last } = bigDiff();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
    ],
  });
  try {
    const results: Array<{
      firstLinesMs: number;
      scrolledMiddleMs: number;
      scrolledEndMs: number;
      renderedRows: number;
      totalRows: number;
    }> = [];
    for (let i = 0; i < RENDERS; i++) {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 1000 },
      });
      await page.setContent(
        `<!doctype html><html><head><style>${
          css ?? ''
        }</style></head><body><div id="root"></div></body></html>`,
      );
      await page.addScriptTag({ content: js });
      results.push(
        await page.evaluate(([d, m]) => (window as any).renderDiff(d, m), [
          diff,
          { first, last },
        ] as const),
      );
      await page.close();
    }
    const r = results[0];
    const ms = (k: 'firstLinesMs' | 'scrolledMiddleMs' | 'scrolledEndMs') =>
      `p50 ${pct(
        results.map(x => x[k]),
        50,
      ).toFixed(0)} ms, max ${Math.max(...results.map(x => x[k])).toFixed(
        0,
      )} ms`;
    console.log(
      `10,000-line diff in Chromium (${r.totalRows} lines, ${DIFF_FILES} files, ${RENDERS} renders; ${r.renderedRows} rows in the DOM at the end):`,
    );
    console.log(`  first screenful rendered: ${ms('firstLinesMs')}`);
    console.log(
      `  rendered and scrolled to the middle, lines shown: ${ms(
        'scrolledMiddleMs',
      )}`,
    );
    console.log(
      `  rendered and scrolled to the end, last line shown: ${ms(
        'scrolledEndMs',
      )} (goal <= 1 s)`,
    );
  } finally {
    await browser.close();
  }
}
