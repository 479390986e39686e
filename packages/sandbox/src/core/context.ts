import { EventEmitter } from 'node:events';
import type express from 'express';
import { Clock } from './clock';
import { FaultRegistry, type Family } from './faults';
import { RequestCounters } from './counters';
import { GitRepos } from './git';
import { StatePersistence } from './persist';
import type { ClusterStore } from './cluster';

export type SandboxLogger = {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
};

export const DEFAULT_PORTS: Record<Family, number> = {
  kubernetes: 18081,
  argocd: 18082,
  github: 18083,
  anthropic: 18084,
};

/**
 * The Kubernetes API over HTTPS (for kubectl, which sends no token over plain HTTP); the
 * plain-HTTP port stays for the clients configured with it.
 */
export const DEFAULT_KUBERNETES_HTTPS_PORT = 18443;

/** Credentials the sandbox accepts; the same values are in app-config.yaml. Not secrets. */
export const DEFAULT_TOKENS = {
  /** The GitHub bot user `luffy-bot`'s token (integrations.github[].token). */
  githubBot: 'sandbox-bot-token',
  /** The human GitHub user `alice`'s personal token. */
  githubAlice: 'sandbox-alice-token',
  kubernetes: 'sandbox-kube-token',
  argocd: 'sandbox-argocd-token',
  anthropic: 'sandbox-anthropic-key',
  oauthClientId: 'sandbox-client-id',
  oauthClientSecret: 'sandbox-client-secret',
  webhookSecret: 'sandbox-webhook-secret',
};

export type SandboxOptions = {
  /** Folder for git repos and state (default: <repo>/data/sandbox). */
  dataDir: string;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Per-family ports; 0 picks a free port (tests). */
  ports?: Partial<Record<Family, number>>;
  /**
   * HTTPS port of the Kubernetes API (default 18443, or 0 — a free port — when
   * `ports.kubernetes` is 0). Its CA, certificate and a kubeconfig are kept in `dataDir`.
   */
  kubernetesHttpsPort?: number;
  /** Simulated time runs this many times faster (default 1; tests use 20–100). */
  timeScale?: number;
  /** Drop saved state and start from the seed. */
  reset?: boolean;
  /** Seed the demo (org acme, three services, GitOps repo, apps). Default true. */
  seed?: boolean;
  logger?: SandboxLogger;
  /**
   * Serve the control API (`/_sandbox/*`: tokens, faults, chaos) to every client, not only
   * loopback ones (CLI `--unsafe-control-api-on-all-interfaces`). Default false.
   */
  unsafeControlApiOnAllInterfaces?: boolean;
};

/**
 * What every family, the simulator and the control API share. Created once per sandbox by
 * `startSandbox`; families hang their own state off their modules, not off this object,
 * except the cluster store, which several parts use.
 */
export class SandboxContext {
  readonly clock: Clock;
  readonly faults = new FaultRegistry();
  readonly counters = new RequestCounters();
  readonly events = new EventEmitter();
  readonly git: GitRepos;
  readonly persistence: StatePersistence;
  readonly logger: SandboxLogger;
  readonly tokens = DEFAULT_TOKENS;
  /** Filled in by startSandbox once each family listens. */
  readonly urls = {} as Record<Family, string>;
  /** The families also served over HTTPS (kubernetes), filled in by startSandbox. */
  readonly httpsUrls: Partial<Record<Family, string>> = {};
  /** Extra control-API routes (mounted under /_sandbox on every port). */
  readonly controlRoutes: Array<(router: express.Router) => void> = [];
  cluster!: ClusterStore;
  ready = false;

  constructor(readonly options: SandboxOptions) {
    this.clock = new Clock({ timeScale: options.timeScale });
    this.git = new GitRepos(`${options.dataDir}/git`);
    this.persistence = new StatePersistence(options.dataDir);
    this.logger = options.logger ?? consoleLogger();
    this.events.setMaxListeners(0);
  }
}

function consoleLogger(): SandboxLogger {
  const line = (
    level: string,
    message: string,
    meta?: Record<string, unknown>,
  ) =>
    `${new Date().toISOString()} sandbox ${level} ${message}${
      meta ? ` ${JSON.stringify(meta)}` : ''
    }`;
  return {
    info: (m, meta) => console.log(line('info', m, meta)),
    warn: (m, meta) => console.warn(line('warn', m, meta)),
    error: (m, meta) => console.error(line('error', m, meta)),
  };
}
