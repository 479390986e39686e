import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import type { AuditEvent } from '@openluffy/plugin-luffy-common';
import {
  createLuffyClients,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import {
  DEFAULT_TOKENS,
  startSandbox,
  waitFor,
  type Sandbox,
} from '@openluffy/sandbox';
import { createAuditLog, type AuditLog } from '../services/AuditLog';

/**
 * The backend config that points Backstage's GitHub integration, Argo CD and Kubernetes
 * config at a sandbox (the bot token; `luffy` merged in).
 */
export function sandboxConfig(
  sandbox: Sandbox,
  luffy: Record<string, unknown> = {},
): ConfigReader {
  return new ConfigReader({
    app: { baseUrl: 'http://localhost:3000' },
    integrations: {
      github: [
        {
          host: new URL(sandbox.urls.github).host,
          apiBaseUrl: `${sandbox.urls.github}/api/v3`,
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
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'sandbox',
              url: sandbox.urls.kubernetes,
              authProvider: 'serviceAccount',
              serviceAccountToken: DEFAULT_TOKENS.kubernetes,
              skipTLSVerify: true,
            },
          ],
        },
      ],
    },
    luffy: { gitops: { repo: 'acme/gitops' }, ...luffy },
  });
}

/** Waits until the nine demo Applications are Synced and Healthy (before a test breaks one). */
export async function waitForDemoApps(
  clients: Pick<LuffyClients, 'argocd'>,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    async () => {
      const apps = await clients.argocd.listApplications();
      return (
        apps.length >= 9 &&
        apps.every(
          a =>
            a.status?.health?.status === 'Healthy' &&
            a.status?.sync?.status === 'Synced',
        )
      );
    },
    'the demo apps to be Synced and Healthy',
    { timeoutMs, intervalMs: 250 },
  );
}

/**
 * A permissions service that answers every request with `allow` (flip it in a test) and
 * records what it was asked (`requests`: permission and resourceRef).
 */
export type SwitchablePermissions = PermissionsService & {
  allow: boolean;
  requests: AuthorizePermissionRequest[];
};

export function switchablePermissions(): SwitchablePermissions {
  const permissions = {
    allow: true,
    requests: [] as AuthorizePermissionRequest[],
    async authorize(requests: AuthorizePermissionRequest[]) {
      permissions.requests.push(...requests);
      return requests.map(() => ({
        result: permissions.allow
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      }));
    },
    async authorizeConditional() {
      return [];
    },
  };
  return permissions as unknown as SwitchablePermissions;
}

/** An audit log whose rows land in `rows` (the AuditLog service over an in-memory store). */
export function memoryAuditLog(logger: LoggerService): {
  auditLog: AuditLog;
  rows: AuditEvent[];
} {
  const rows: AuditEvent[] = [];
  let id = 0;
  const auditLog = createAuditLog({
    logger,
    store: {
      appendAudit: async e => {
        const stored = {
          ...e,
          id: String(++id),
          createdAt: new Date().toISOString(),
        } as AuditEvent;
        rows.push(stored);
        return stored;
      },
    },
  });
  return { auditLog, rows };
}

export type LuffySandbox = {
  sandbox: Sandbox;
  config: ConfigReader;
  clients: LuffyClients;
  logger: LoggerService;
  stop(): Promise<void>;
};

/**
 * A sandbox on ephemeral ports and the shared luffy clients over it (the backend's
 * integration tests: operations, pull requests). `waitForDemoApps` waits until the demo's
 * Argo CD applications are Synced and Healthy.
 */
export async function startLuffySandbox(
  options: {
    name?: string;
    luffy?: Record<string, unknown>;
    timeScale?: number;
    waitForDemoApps?: boolean;
    /** Default: `mockServices.logger.mock()` (needs Jest; benchmarks pass their own). */
    logger?: LoggerService;
    /** More options of the sandbox (ports are ephemeral by default). */
    sandbox?: Partial<Parameters<typeof startSandbox>[0]>;
  } = {},
): Promise<LuffySandbox> {
  const dataDir = fs.mkdtempSync(
    path.join(os.tmpdir(), `luffy-${options.name ?? 'test'}-`),
  );
  const sandbox = await startSandbox({
    dataDir,
    ports: { github: 0, kubernetes: 0, argocd: 0, anthropic: 0 },
    timeScale: options.timeScale ?? 20,
    logger: { info() {}, warn() {}, error() {} },
    ...options.sandbox,
  });
  const config = sandboxConfig(sandbox, options.luffy);
  const logger = options.logger ?? mockServices.logger.mock();
  const clients = createLuffyClients({ config, logger });
  if (options.waitForDemoApps) await waitForDemoApps(clients);
  return {
    sandbox,
    config,
    clients,
    logger,
    stop: () => sandbox.stop(),
  };
}
