import type { AuthService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { InvestigationReport } from '@openluffy/plugin-luffy-common';
import {
  readEntitySettings,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import type { AuditLog } from '../AuditLog';
import { createAnthropicInvestigator } from './diagnosers/anthropicInvestigator';
import { DEFAULT_ANTHROPIC_MODEL } from './diagnosers/anthropic';
import {
  DEFAULT_INVESTIGATION_LIMITS,
  createRulesInvestigator,
  runInvestigation,
  type InvestigationLimits,
  type InvestigationRequest,
  type InvestigationSubject,
  type Investigator,
} from './investigate';

/**
 * The investigator of `luffy.diagnoser.provider`: `anthropic` (agentic, needs
 * `luffy.anthropic.apiKey`) or `rules`; without a provider, anthropic when a key is set.
 */
export function createInvestigatorFromConfig(
  config: Config,
  options: {
    onRequest?: (r: {
      entityRef: string;
      body: unknown;
    }) => Promise<void> | void;
  } = {},
): Investigator {
  const provider = config.getOptionalString('luffy.diagnoser.provider');
  const apiKey = config.getOptionalString('luffy.anthropic.apiKey');
  if (provider === 'rules' || !apiKey) return createRulesInvestigator();
  return createAnthropicInvestigator({
    apiKey,
    baseUrl: config.getOptionalString('luffy.anthropic.baseUrl'),
    model:
      config.getOptionalString('luffy.diagnoser.model') ??
      DEFAULT_ANTHROPIC_MODEL,
    onRequest: options.onRequest,
  });
}

/** `luffy.investigate.{maxSteps,maxRepeats}`. */
export function readInvestigationLimits(config: Config): InvestigationLimits {
  return {
    maxSteps:
      config.getOptionalNumber('luffy.investigate.maxSteps') ??
      DEFAULT_INVESTIGATION_LIMITS.maxSteps,
    maxRepeats:
      config.getOptionalNumber('luffy.investigate.maxRepeats') ??
      DEFAULT_INVESTIGATION_LIMITS.maxRepeats,
  };
}

/** Investigations of catalog services ("why is X slow/broken?"). */
export type Investigations = {
  readonly investigatorId: string;
  /** Investigates a service; `entity` skips the catalog lookup (the operation has it). */
  investigate(
    request: InvestigationRequest,
    options?: { entity?: Entity; clients?: LuffyClients },
  ): Promise<InvestigationReport>;
};

/** Builds the investigation service over the shared clients and the catalog. */
export function createInvestigations(options: {
  config: Config;
  catalog: CatalogService;
  auth: AuthService;
  clients: LuffyClients;
  auditLog?: AuditLog;
  investigator?: Investigator;
  knownSecrets?: string[];
}): Investigations {
  const { config, catalog, auth, clients } = options;
  const investigator =
    options.investigator ??
    createInvestigatorFromConfig(config, {
      // the audit copy of exactly what is sent to the model (tool outputs already redacted)
      onRequest: async ({ entityRef, body }) => {
        await options.auditLog?.record({
          actor: 'luffy',
          action: 'investigation.prompt',
          target: entityRef,
          input: body,
          outcome: 'succeeded',
        });
      },
    });
  const limits = readInvestigationLimits(config);
  const gitopsRepo = config.getOptionalString('luffy.gitops.repo');
  return {
    investigatorId: investigator.id,
    async investigate(request, opts = {}) {
      const entity =
        opts.entity ??
        (await catalog.getEntityByRef(request.entityRef, {
          credentials: await auth.getOwnServiceCredentials(),
        }));
      if (!entity) {
        throw new NotFoundError(
          `No entity ${request.entityRef} in the catalog`,
        );
      }
      const subject: InvestigationSubject = {
        entity,
        entityRef: request.entityRef,
        settings: readEntitySettings(entity, { gitopsRepo }),
        clients: opts.clients ?? clients,
      };
      return runInvestigation({
        request,
        subject,
        investigator,
        limits,
        knownSecrets: options.knownSecrets,
      });
    },
  };
}

let current: Investigations | undefined;

/** Set by the plugin at start-up, so that the `investigate` operation uses the configured investigator. */
export function setInvestigations(investigations: Investigations | undefined) {
  current = investigations;
}

/** The configured investigations, if the plugin set them (the operation falls back to rules). */
export function configuredInvestigations(): Investigations | undefined {
  return current;
}
