import type { SandboxContext } from '../core/context';
import { getGithubService, type GithubService } from './service';
import type { Account } from './state';
import YAML from 'yaml';
import {
  DEMO_SERVICES,
  catalogComponent,
  sourceRepo,
  type DemoService,
} from '../seed/demoWorld';

/** Sandboxes waiting for acme/gitops content, and the per-sandbox gitops PR queue. */
const waiting = new WeakSet<SandboxContext>();
const queue = new WeakMap<SandboxContext, Promise<boolean>>();

/** A demo service (from the one description of the demo world) and its repo's own files. */
type ServiceSpec = DemoService & { files: Record<string, string> };

/**
 * The catalog-info.yaml of a service repo: the same Component as in catalog/acme.yaml (both
 * come from demoWorld.ts), plus the repo's source location.
 */
export const catalogInfo = (s: DemoService, base: string) =>
  YAML.stringify(
    catalogComponent(s, {
      'backstage.io/source-location': `url:${base}/${sourceRepo(
        s.name,
      )}/tree/main/`,
    }),
  );

/** acme/checkout's package.json, with express at `expressRange` (the seed PR bumps it). */
const checkoutPackageJson = (expressRange: string) =>
  `${JSON.stringify(
    {
      name: 'checkout',
      version: '1.4.0',
      private: true,
      main: 'src/index.js',
      scripts: { start: 'node src/index.js', test: 'node --test' },
      dependencies: { express: expressRange },
    },
    null,
    2,
  )}\n`;

/** The repo files of each demo service (everything else comes from the demo world). */
const SERVICE_FILES: Array<{ name: string; files: Record<string, string> }> = [
  {
    name: 'checkout',
    files: {
      'package.json': checkoutPackageJson('^4.18.2'),
      'src/index.js': `const express = require('express');

const app = express();
app.get('/healthz', (_req, res) => res.send('ok'));
app.post('/checkout', (_req, res) => res.status(201).json({ status: 'accepted' }));

const port = process.env.PORT || 8080;
app.listen(port, () => console.log(\`checkout listening on \${port}\`));
`,
      Dockerfile: `FROM node:22-alpine
WORKDIR /app
COPY package.json ./
RUN npm install --omit=dev
COPY src ./src
EXPOSE 8080
CMD ["node", "src/index.js"]
`,
      '.github/workflows/ci.yaml': `name: CI
on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
    inputs:
      reason:
        description: Why the run was started
        required: false
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      - run: npm install
      - run: npm test
`,
    },
  },
  {
    name: 'recommender',
    files: {
      'requirements.txt': 'flask==3.0.3\ngunicorn==22.0.0\n',
      'app/main.py': `from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/recommendations/<user_id>")
def recommendations(user_id: str):
    return jsonify({"user": user_id, "items": ["sku-1", "sku-2", "sku-3"]})
`,
      'gunicorn.conf.py': 'bind = "0.0.0.0:8080"\nworkers = 2\ntimeout = 30\n',
      Dockerfile: `FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app.main:app"]
`,
      '.github/workflows/ci.yaml': `name: CI
on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt
`,
    },
  },
  {
    name: 'inventory',
    files: {
      'go.mod': 'module github.com/acme/inventory\n\ngo 1.22\n',
      'main.go': `package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	http.HandleFunc("/stock", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, \`{"sku-1": 12}\`) })
	log.Fatal(http.ListenAndServe(":8080", nil))
}
`,
      Dockerfile: `FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /inventory

FROM gcr.io/distroless/static
COPY --from=build /inventory /inventory
ENTRYPOINT ["/inventory"]
`,
      '.github/workflows/ci.yaml': `name: CI
on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
      - run: go build ./...
`,
    },
  },
];

const SERVICES: ServiceSpec[] = DEMO_SERVICES.map(d => ({
  ...d,
  files: SERVICE_FILES.find(f => f.name === d.name)?.files ?? {},
}));

/** Creates the demo accounts (idempotent): org acme, bot luffy-bot, alice, guest. */
export function seedGithubAccounts(svc: GithubService) {
  const bot = svc.ensureAccount('luffy-bot', 'Bot', {
    name: 'Luffy Bot',
    email: 'luffy-bot@users.noreply.sandbox.local',
  });
  const alice = svc.ensureAccount('alice', 'User', {
    name: 'Alice Martin',
    email: 'alice@acme.example',
  });
  const guest = svc.ensureAccount('guest', 'User', {
    name: 'Guest User',
    email: 'guest@example.com',
  });
  const acme = svc.ensureAccount('acme', 'Organization', {
    name: 'Acme',
    email: null,
  });
  acme.members = {
    ...(acme.members ?? {}),
    'luffy-bot': 'admin',
    alice: 'member',
  };
  return { bot, alice, guest, acme };
}

async function ensurePr(
  svc: GithubService,
  owner: string,
  repo: string,
  author: Account,
  o: {
    branch: string;
    title: string;
    body: string;
    message: string;
    files: Record<string, string | null>;
  },
) {
  const rec = svc.repo(owner, repo)!;
  if (svc.pulls(owner, repo).some(p => p.head === o.branch)) return;
  if (!(await svc.ctx.git.resolve(owner, repo, `refs/heads/${o.branch}`))) {
    await svc.ctx.git.commitFiles(owner, repo, {
      branch: o.branch,
      base: `refs/heads/${rec.default_branch}`,
      message: o.message,
      author: svc.gitAuthor(author),
      files: o.files,
      pusher: author.login,
    });
  }
  await svc.createPull(rec, author, {
    title: o.title,
    body: o.body,
    head: o.branch,
    base: rec.default_branch,
  });
}

/**
 * Seeds the demo's GitHub side (idempotent): accounts, source repos acme/checkout (node),
 * acme/recommender (python), acme/inventory (go) with README, catalog-info.yaml, Dockerfile and
 * a CI workflow; an empty acme/gitops (src/seed fills it); open PRs with passing and failing
 * checks; and, once acme/gitops has a main branch, a luffy-bot PR there.
 */
export async function seedGithubDemo(ctx: SandboxContext): Promise<void> {
  const svc = getGithubService(ctx);
  const { bot, alice, acme } = seedGithubAccounts(svc);
  const base = svc.urls().base;
  for (const s of SERVICES) {
    let rec = svc.repo('acme', s.name);
    if (!rec) {
      rec = await svc.createRepo(
        acme,
        s.name,
        { description: s.description, topics: [s.stack, 'acme-shop'] },
        bot,
      );
    }
    if (!(await ctx.git.resolve('acme', s.name, 'refs/heads/main'))) {
      await ctx.git.commitFiles('acme', s.name, {
        branch: 'main',
        message: `Initial ${s.name} service`,
        author: svc.gitAuthor(bot),
        files: {
          'README.md': `# ${s.name}\n\n${s.description}.\n\nDeployed by Argo CD from \`acme/gitops\` (apps/${s.name}/<env>).\n`,
          'catalog-info.yaml': catalogInfo(s, base),
          ...s.files,
        },
        pusher: bot.login,
      });
    }
  }
  if (!svc.repo('acme', 'gitops')) {
    await svc.createRepo(
      acme,
      'gitops',
      {
        description: 'GitOps manifests of the acme services (Argo CD source)',
        topics: ['gitops'],
      },
      bot,
    );
  }

  // The OpenLuffy backend's webhook receiver (luffy.github.webhookSecret = the sandbox secret).
  const hookUrl =
    process.env.SANDBOX_GITHUB_WEBHOOK_URL ??
    'http://127.0.0.1:7007/api/luffy/webhooks/github';
  if (
    hookUrl &&
    !svc.data.hooks.some(
      x => x.owner === 'acme' && !x.repo && x.config.url === hookUrl,
    )
  ) {
    const now = svc.now();
    svc.data.hooks.push({
      id: svc.nextId(),
      owner: 'acme',
      name: 'web',
      active: true,
      events: ['*'],
      config: {
        url: hookUrl,
        content_type: 'json',
        secret: ctx.tokens.webhookSecret,
        insecure_ssl: '0',
      },
      created_at: now,
      updated_at: now,
      last_response: { code: null, status: 'unused', message: null },
    });
  }

  await ensurePr(svc, 'acme', 'checkout', alice, {
    branch: 'bump-express',
    title: 'Bump express from 4.18.2 to 4.21.2',
    body: 'Keeps express on the latest 4.x release.',
    message: 'Bump express from 4.18.2 to 4.21.2',
    files: {
      'package.json': checkoutPackageJson('^4.21.2'),
    },
  });
  await ensurePr(svc, 'acme', 'recommender', alice, {
    branch: 'tune-workers',
    title: 'Tune gunicorn workers',
    body: 'Raises the worker count to 8 to absorb the evening peak.',
    message: 'Tune gunicorn workers',
    files: {
      'gunicorn.conf.py': 'bind = "0.0.0.0:8080"\nworkers = 8\ntimeout = 30\n',
      '.sandbox/ci-fail':
        'The sandbox CI fails commits containing this file.\n',
    },
  });

  await seedGitopsPullRequest(ctx).catch(() => undefined);
  if (
    !(await ctx.git.resolve('acme', 'gitops', 'refs/heads/main')) &&
    !waiting.has(ctx)
  ) {
    waiting.add(ctx);
    // acme/gitops is filled by src/seed after us: open the bot's PR once main exists.
    let timer: NodeJS.Timeout | undefined;
    const onPush = (e: { owner: string; repo: string; ref: string }) => {
      if (
        e.owner !== 'acme' ||
        e.repo !== 'gitops' ||
        e.ref !== 'refs/heads/main'
      )
        return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        seedGitopsPullRequest(ctx)
          .then(done => {
            if (done) {
              ctx.git.off('push', onPush);
              waiting.delete(ctx);
            }
          })
          .catch(err =>
            ctx.logger.warn('github gitops PR seed failed', {
              error: String(err),
            }),
          );
      }, 1500);
      timer.unref?.();
    };
    ctx.git.on('push', onPush);
    ctx.events.once('stop', () => {
      ctx.git.off('push', onPush);
      if (timer) clearTimeout(timer);
    });
  }
}

/**
 * Opens luffy-bot's demo PR on acme/gitops (raises checkout's dev replicas, or adds a note when
 * that manifest is missing). Returns false while acme/gitops has no main branch.
 */
export async function seedGitopsPullRequest(
  ctx: SandboxContext,
): Promise<boolean> {
  // one at a time per sandbox
  const previous = queue.get(ctx) ?? Promise.resolve(true);
  const next = previous.catch(() => true).then(() => openGitopsPr(ctx));
  queue.set(ctx, next);
  return next;
}

async function openGitopsPr(ctx: SandboxContext): Promise<boolean> {
  const svc = getGithubService(ctx);
  const { bot } = seedGithubAccounts(svc);
  const main = await ctx.git.resolve('acme', 'gitops', 'refs/heads/main');
  if (!main || !svc.repo('acme', 'gitops')) return false;
  if (
    svc
      .pulls('acme', 'gitops')
      .some(p => p.head === 'luffy/checkout-dev-replicas')
  )
    return true;
  const path = 'apps/checkout/dev/deployment.yaml';
  const current = (
    await ctx.git.readFile('acme', 'gitops', main, path)
  )?.toString('utf8');
  const changed =
    current && /replicas:\s*\d+/.test(current)
      ? current.replace(
          /replicas:\s*(\d+)/,
          (_m, n) => `replicas: ${Number(n) + 1}`,
        )
      : undefined;
  await ensurePr(svc, 'acme', 'gitops', bot, {
    branch: 'luffy/checkout-dev-replicas',
    title: 'checkout (dev): add one replica',
    body: 'Proposed by OpenLuffy: checkout in dev is close to its CPU limit; one more replica spreads the load.',
    message: 'checkout (dev): add one replica',
    files:
      changed && changed !== current
        ? { [path]: changed }
        : {
            'apps/checkout/dev/NOTES.md':
              'checkout dev: scale-out proposed by luffy-bot.\n',
          },
  });
  return true;
}
