import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { ConfigReader } from '@backstage/config';
import {
  createLuffyClients,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import { startSandbox, type Sandbox } from '@openluffy/sandbox';
import type { Knex } from 'knex';
import { parseAllDocuments } from 'yaml';
import {
  sandboxConfig,
  waitForDemoApps,
} from '../../../__testUtils__/luffySandbox';
import { DatabaseLuffyStore } from '../../../database/DatabaseLuffyStore';
import { createAuditLog } from '../../AuditLog';
import { createLuffyEvents } from '../../LuffyEvents';
import {
  createDiagnoserFromConfig,
  readHealingSettings,
} from '../createHealing';
import { HealingEngine } from '../HealingEngine';
import { HealingStore } from '../HealingStore';
import {
  createGitopsRepo,
  type HealingDiagnoser,
} from '@openluffy/plugin-luffy-node';

/** The demo catalog's entities (catalog/acme.yaml), optionally with other autonomy annotations. */
export function demoEntities(autonomy: Record<string, string> = {}): Entity[] {
  const file = path.resolve(__dirname, '../../../../../../catalog/acme.yaml');
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS() as Entity)
    .filter(e => e?.kind === 'Component')
    .map(e =>
      autonomy[e.metadata.name]
        ? {
            ...e,
            metadata: {
              ...e.metadata,
              annotations: {
                ...e.metadata.annotations,
                'openluffy.io/autonomy': autonomy[e.metadata.name],
              },
            },
          }
        : e,
    );
}

export type HealingSandbox = {
  sandbox: Sandbox;
  config: ConfigReader;
  clients: LuffyClients;
  store: HealingStore;
  engine: HealingEngine;
  octokit: Awaited<ReturnType<LuffyClients['github']['forHost']>>['octokit'];
  auditStore: DatabaseLuffyStore;
  logger: LoggerService;
  /** Stops and starts the sandbox on the same ports and data (its watch history is lost: 410 Gone). */
  restart(): Promise<void>;
  control<T = any>(
    p: string,
    init?: { method?: string; body?: unknown; family?: keyof Sandbox['urls'] },
  ): Promise<T>;
  stop(): Promise<void>;
};

/** A sandbox on ephemeral ports plus a healing engine over the real shared clients. */
export async function startHealingSandbox(options: {
  knex: Knex;
  entities?: () => Promise<Entity[]>;
  luffy?: Record<string, unknown>;
  diagnoser?: HealingDiagnoser;
  timeScale?: number;
  logger?: LoggerService;
}): Promise<HealingSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-healing-sbx-'));
  const start = (ports: Record<keyof Sandbox['urls'], number>) =>
    startSandbox({
      dataDir,
      ports,
      kubernetesHttpsPort: 0, // never the dev stack's fixed 18443
      timeScale: options.timeScale ?? 20,
      logger: { info() {}, warn() {}, error() {} },
    });
  let sandbox = await start({
    github: 0,
    kubernetes: 0,
    argocd: 0,
    anthropic: 0,
  });
  const urls = sandbox.urls;
  const config = sandboxConfig(sandbox, {
    anthropic: {
      apiKey: 'sandbox-anthropic-key',
      baseUrl: sandbox.urls.anthropic,
    },
    diagnoser: { provider: 'rules' },
    ...options.luffy,
    healing: {
      enabled: true,
      verifyTimeout: { minutes: 2 },
      detection: { readinessGrace: { seconds: 3 } },
      ...(options.luffy?.healing as object),
    },
  });
  const noop: LoggerService = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child: () => noop,
  };
  const logger = options.logger ?? noop;
  const clients = createLuffyClients({ config, logger });
  await options.knex.migrate.latest({
    directory: path.resolve(__dirname, '../../../../migrations'),
  });
  const database = {
    getClient: async () => options.knex,
    migrations: { skip: true },
  } as any;
  const auditStore = await DatabaseLuffyStore.create({ database });
  const auditLog = createAuditLog({ store: auditStore, logger });
  const events = createLuffyEvents({ logger });
  const store = HealingStore.fromKnex(options.knex);
  const defaultBranches = new Map<string, string>(); // as createHealing does
  const engine = new HealingEngine({
    store,
    auditLog,
    events,
    clients,
    gitopsRepo: async repo => {
      const [owner, name] = repo.split('/');
      return createGitopsRepo({
        github: await clients.github.forRepo({ owner, repo: name }),
        owner,
        repo: name,
        defaultBranches,
      });
    },
    entities: options.entities ?? (async () => demoEntities()),
    diagnoser:
      options.diagnoser ??
      createDiagnoserFromConfig(config, {
        onRequest: async ({ incidentId, body }) => {
          await auditLog.record({
            actor: 'luffy',
            action: 'incident.prompt',
            target: incidentId,
            input: body,
            outcome: 'succeeded',
          });
        },
      }),
    settings: readHealingSettings(config),
    logger,
  });
  const control = async (
    p: string,
    init: {
      method?: string;
      body?: unknown;
      family?: keyof Sandbox['urls'];
    } = {},
  ) => {
    const res = await fetch(
      `${urls[init.family ?? 'kubernetes']}/_sandbox/${p}`,
      {
        method: init.method ?? 'GET',
        headers: init.body ? { 'content-type': 'application/json' } : undefined,
        body: init.body ? JSON.stringify(init.body) : undefined,
      },
    );
    if (!res.ok)
      throw new Error(`control ${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  const octokit = (await clients.github.forHost()).octokit;
  // every demo app Synced and Healthy before a test breaks one
  await waitForDemoApps(clients, 60_000);
  return {
    get sandbox() {
      return sandbox;
    },
    config,
    clients,
    store,
    engine,
    octokit,
    auditStore,
    logger,
    control,
    async restart() {
      await sandbox.stop();
      sandbox = await start(
        Object.fromEntries(
          Object.entries(urls).map(([f, u]) => [f, Number(new URL(u).port)]),
        ) as Record<keyof Sandbox['urls'], number>,
      );
    },
    async stop() {
      await sandbox.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
