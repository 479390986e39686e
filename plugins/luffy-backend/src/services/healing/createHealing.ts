import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type AuthService,
  type DatabaseService,
  type LifecycleService,
  type LoggerService,
  type RootConfigService,
  type SchedulerService,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { readDurationFromConfig, type Config } from '@backstage/config';
import { ForwardedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { durationToMilliseconds, type HumanDuration } from '@backstage/types';
import { parseAutonomy } from '@openluffy/plugin-luffy-common';
import {
  DEFAULT_PATCH_BOUNDS,
  createGitopsRepo,
  createRulesDiagnoser,
  parseRepoSlugOrThrow,
  type HealingDiagnoser,
  type LuffyClients,
  type LuffyDetector,
  type LuffyNotifier,
} from './nodeImports';
import type { AuditLog } from '../AuditLog';
import type { LuffyEvents } from '../LuffyEvents';
import {
  createAnthropicDiagnoser,
  DEFAULT_ANTHROPIC_MODEL,
} from './diagnosers/anthropic';
import { HealingEngine, type HealingSettings } from './HealingEngine';
import { HealingStore } from './HealingStore';
import { HealingWatcher } from './HealingWatcher';
import {
  createInvestigations,
  setInvestigations,
  type Investigations,
} from './investigations';
import { createWebhookNotifier } from './notifications';

function ms(config: Config, key: string, fallback: HumanDuration): number {
  return durationToMilliseconds(
    config.has(key) ? readDurationFromConfig(config, { key }) : fallback,
  );
}

/** Reads `luffy.healing.*` into engine settings. */
export function readHealingSettings(config: Config): HealingSettings {
  const h = config.getOptionalConfig('luffy.healing');
  const get = <T>(fn: (c: Config) => T | undefined, fallback: T): T =>
    h ? fn(h) ?? fallback : fallback;
  const rawAutonomy = h?.getOptionalString('autonomy');
  const autonomy =
    rawAutonomy === undefined ? 'propose' : parseAutonomy(rawAutonomy);
  if (!autonomy) {
    throw new Error(
      `luffy.healing.autonomy must be observe, propose or auto, got "${rawAutonomy}"`,
    );
  }
  const knownSecrets = [
    config.getOptionalString('luffy.anthropic.apiKey'),
    config.getOptionalString('luffy.github.webhookSecret'),
    ...(config.getOptionalConfigArray('integrations.github') ?? []).map(c =>
      c.getOptionalString('token'),
    ),
    ...(
      config.getOptionalConfigArray('argocd.appLocatorMethods') ?? []
    ).flatMap(m =>
      (m.getOptionalConfigArray('instances') ?? []).flatMap(i => [
        i.getOptionalString('token'),
        i.getOptionalString('password'),
      ]),
    ),
    ...(
      config.getOptionalConfigArray('luffy.notifications.webhooks') ?? []
    ).map(w => w.getOptionalString('url')),
  ].filter((s): s is string => !!s);
  return {
    autonomy,
    gitopsRepo: config.getOptionalString('luffy.gitops.repo'),
    maxAttempts: get(c => c.getOptionalNumber('maxAttempts'), 3),
    windowMs: ms(config, 'luffy.healing.window', { hours: 24 }),
    maxPullRequestsPerHour: get(
      c => c.getOptionalNumber('maxPullRequestsPerHour'),
      10,
    ),
    verifyTimeoutMs: ms(config, 'luffy.healing.verifyTimeout', { minutes: 10 }),
    autoMerge: {
      minHeals: get(c => c.getOptionalNumber('autoMerge.minHeals'), 3),
      minSuccessRate: get(
        c => c.getOptionalNumber('autoMerge.minSuccessRate'),
        0.8,
      ),
    },
    detection: {
      restartThreshold: get(
        c => c.getOptionalNumber('detection.restartThreshold'),
        5,
      ),
      restartWindowMs: ms(config, 'luffy.healing.detection.restartWindow', {
        minutes: 10,
      }),
      readinessGraceMs: ms(config, 'luffy.healing.detection.readinessGrace', {
        seconds: 60,
      }),
    },
    bounds: {
      ...DEFAULT_PATCH_BOUNDS,
      maxMemory: get(
        c => c.getOptionalString('bounds.maxMemory'),
        DEFAULT_PATCH_BOUNDS.maxMemory,
      ),
      maxCpu: get(
        c => c.getOptionalString('bounds.maxCpu'),
        DEFAULT_PATCH_BOUNDS.maxCpu,
      ),
      maxFactor: get(
        c => c.getOptionalNumber('bounds.maxFactor'),
        DEFAULT_PATCH_BOUNDS.maxFactor,
      ),
      maxReplicas: get(
        c => c.getOptionalNumber('bounds.maxReplicas'),
        DEFAULT_PATCH_BOUNDS.maxReplicas,
      ),
    },
    appBaseUrl: config.getOptionalString('app.baseUrl'),
    prometheusUrl: config.getOptionalString('luffy.healing.prometheus.url'),
    knownSecrets,
  };
}

/**
 * The diagnoser from `luffy.diagnoser.provider`: `anthropic` (needs `luffy.anthropic.apiKey`)
 * or `rules`; without a provider, anthropic when a key is configured, else rules.
 */
export function createDiagnoserFromConfig(
  config: Config,
  options: {
    onRequest?: Parameters<typeof createAnthropicDiagnoser>[0]['onRequest'];
  } = {},
): HealingDiagnoser {
  const provider = config.getOptionalString('luffy.diagnoser.provider');
  const apiKey = config.getOptionalString('luffy.anthropic.apiKey');
  const settings = readHealingSettings(config);
  if (provider === 'rules' || (!provider && !apiKey)) {
    return createRulesDiagnoser({ bounds: settings.bounds });
  }
  if (provider && provider !== 'anthropic') {
    throw new Error(
      `luffy.diagnoser.provider must be anthropic or rules, got "${provider}"`,
    );
  }
  if (!apiKey) {
    throw new Error(
      'luffy.diagnoser.provider is anthropic but luffy.anthropic.apiKey is not set',
    );
  }
  return createAnthropicDiagnoser({
    apiKey,
    baseUrl: config.getOptionalString('luffy.anthropic.baseUrl'),
    model:
      config.getOptionalString('luffy.diagnoser.model') ??
      DEFAULT_ANTHROPIC_MODEL,
    budget: {
      maxCalls: config.getOptionalNumber('luffy.diagnoser.budget.maxCalls'),
      maxTokens: config.getOptionalNumber('luffy.diagnoser.budget.maxTokens'),
    },
    onRequest: options.onRequest,
  });
}

/**
 * Builds the healing engine and, when `luffy.healing.enabled`, schedules its sweep under the
 * Backstage scheduler with global scope (one worker across replicas).
 */
export async function createHealing(options: {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  scheduler: SchedulerService;
  /** Starts the watch streams after the backend started and stops them at shutdown. */
  lifecycle?: LifecycleService;
  auth: AuthService;
  catalog: CatalogService;
  clients: LuffyClients;
  auditLog: AuditLog;
  events: LuffyEvents;
  notifications?: NotificationService;
  detectors?: LuffyDetector[];
  notifiers?: LuffyNotifier[];
  diagnoser?: HealingDiagnoser;
}): Promise<{
  engine: HealingEngine;
  store: HealingStore;
  /** Watch-driven detection (when healing and `luffy.healing.watch` are enabled). */
  watcher?: HealingWatcher;
  /** Read-only investigations ("why is X slow/broken?"), also used by the `investigate` operation. */
  investigations: Investigations;
  enabled: boolean;
  diagnoserId: string;
}> {
  const { config, logger, clients, auditLog } = options;
  const logger2 = logger.child({ service: 'healing' });
  const store = await HealingStore.create({ database: options.database });
  const settings = readHealingSettings(config);
  const diagnoser =
    options.diagnoser ??
    createDiagnoserFromConfig(config, {
      // the audit copy of exactly what is sent to the model (already redacted)
      onRequest: async ({ incidentId, body }) => {
        await auditLog.record({
          actor: 'luffy',
          action: 'incident.prompt',
          target: incidentId,
          input: body,
          outcome: 'succeeded',
        });
      },
    });
  const webhooks = (
    config.getOptionalConfigArray('luffy.notifications.webhooks') ?? []
  ).map(w => ({
    url: w.getString('url'),
    type:
      (w.getOptionalString('type') as 'slack' | 'discord' | undefined) ??
      'slack',
  }));
  const notifiers = [
    ...(webhooks.length
      ? [createWebhookNotifier({ webhooks, logger: logger2 })]
      : []),
    ...(options.notifiers ?? []),
  ];
  const entities = async (): Promise<Entity[]> => {
    const { items } = await options.catalog.getEntities(
      { filter: { kind: 'Component' } },
      { credentials: await options.auth.getOwnServiceCredentials() },
    );
    return items;
  };
  const defaultBranches = new Map<string, string>();
  const engine = new HealingEngine({
    store,
    auditLog,
    events: options.events,
    clients,
    gitopsRepo: async repo => {
      const { owner, repo: name } = parseRepoSlugOrThrow(repo);
      // One GET repo per repository and process for its default branch, not one per PR.
      return createGitopsRepo({
        github: await clients.github.forRepo({ owner, repo: name }),
        owner,
        repo: name,
        defaultBranches,
      });
    },
    entities,
    diagnoser,
    detectors: options.detectors,
    notifiers,
    notifyOwner: options.notifications
      ? async (owner, incident, title, text) => {
          await options.notifications!.send({
            recipients: { type: 'entity', entityRef: owner },
            payload: {
              title,
              description: text,
              link: `/luffy?incident=${incident.id}`,
              severity:
                incident.status === 'escalated' || incident.status === 'failed'
                  ? 'high'
                  : 'normal',
              topic: 'openluffy-healing',
            },
          });
        }
      : undefined,
    settings,
    logger: logger2,
  });

  const enabled = config.getOptionalBoolean('luffy.healing.enabled') ?? false;
  if (enabled) {
    const schedule: SchedulerServiceTaskScheduleDefinition = config.has(
      'luffy.healing.schedule',
    )
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          config.getConfig('luffy.healing.schedule'),
        )
      : {
          frequency: { seconds: 10 },
          timeout: { minutes: 2 },
          initialDelay: { seconds: 5 },
        };
    await options.scheduler.scheduleTask({
      id: 'luffy-healing-sweep',
      ...schedule,
      scope: 'global',
      fn: async () => {
        try {
          await engine.sweep();
        } catch (e) {
          throw new ForwardedError('Healing sweep failed', e);
        }
      },
    });
    logger2.info(
      `Healing enabled (diagnoser ${diagnoser.id}, autonomy ${settings.autonomy})`,
    );
  }
  let watcher: HealingWatcher | undefined;
  if (enabled && (config.getOptionalBoolean('luffy.healing.watch') ?? true)) {
    const w = new HealingWatcher({
      kubernetes: clients.kubernetes,
      engine,
      detection: settings.detection,
      logger: logger2,
    });
    const start = () =>
      w
        .start()
        .catch(e =>
          logger2.warn(
            `Healing watch streams did not start (the sweep still runs): ${
              e?.message ?? e
            }`,
          ),
        );
    if (options.lifecycle) {
      options.lifecycle.addStartupHook(start);
      options.lifecycle.addShutdownHook(() => w.stop());
    } else {
      start();
    }
    watcher = w;
  }
  const investigations = createInvestigations({
    config,
    catalog: options.catalog,
    auth: options.auth,
    clients,
    auditLog,
    knownSecrets: settings.knownSecrets,
  });
  setInvestigations(investigations);
  return {
    engine,
    store,
    watcher,
    investigations,
    enabled,
    diagnoserId: diagnoser.id,
  };
}
