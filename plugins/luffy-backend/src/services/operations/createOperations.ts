import type {
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  luffyOperationRunPermission,
  type OperationRequest,
  type OperationResult,
} from '@openluffy/plugin-luffy-common';
import {
  createGitopsRepo,
  readEntitySettings,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import { z } from 'zod/v3';
import { actorOf, type AuditLog } from '../AuditLog';
import type { LuffyEvents } from '../LuffyEvents';
import {
  ConfirmationRequiredError,
  TooManyOperationsError,
  createConfirmationTokens,
  createRateLimiter,
} from './guardrails';
import { OPERATIONS } from './registry';
import type { OperationContext, OperationsService } from './types';
import { listWorkloads } from './workloads';
import { workflowRunStatus } from './ops/workflows';

/** Settings under `luffy.operations`. */
export type OperationsSettings = {
  maxReplicas: number;
  perUser: { limit: number; windowMs: number };
  perEntity: { limit: number; windowMs: number };
  confirmationTtlMs: number;
  confirmationSecret?: string;
};

export function readOperationsSettings(config: Config): OperationsSettings {
  const c = config.getOptionalConfig('luffy.operations');
  return {
    maxReplicas: c?.getOptionalNumber('maxReplicas') ?? 20,
    perUser: {
      limit: c?.getOptionalNumber('rateLimit.perUser') ?? 30,
      windowMs: 60_000,
    },
    perEntity: {
      limit: c?.getOptionalNumber('rateLimit.perEntity') ?? 20,
      windowMs: 60_000,
    },
    confirmationTtlMs:
      (c?.getOptionalNumber('confirmationTtlSeconds') ?? 300) * 1000,
    confirmationSecret: c?.getOptionalString('confirmationSecret'),
  };
}

/**
 * The operations service: looks the entity up (as the caller), then per call
 * permission → input → rate limits → confirmation → run, with one audit row and one
 * `operation.finished` / `operation.failed` event.
 */
export function createOperations(options: {
  config: Config;
  logger: LoggerService;
  auth: AuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  clients: LuffyClients;
  auditLog: AuditLog;
  events: LuffyEvents;
  settings?: Partial<OperationsSettings>;
}): OperationsService {
  const settings = {
    ...readOperationsSettings(options.config),
    ...options.settings,
  };
  const tokens = createConfirmationTokens({
    secret: settings.confirmationSecret,
    ttlMs: settings.confirmationTtlMs,
  });
  const perUser = createRateLimiter(settings.perUser);
  const perEntity = createRateLimiter(settings.perEntity);
  const gitopsDefault = options.config.getOptionalString('luffy.gitops.repo');
  const byId = new Map(OPERATIONS.map(o => [o.id as string, o]));

  /** The entity as the caller sees it, for the read-only routes. */
  const readContext = async (request: {
    entityRef: string;
    credentials: BackstageCredentials;
  }) => {
    const entity = await options.catalog.getEntityByRef(request.entityRef, {
      credentials: request.credentials,
    });
    if (!entity) throw new NotFoundError(`No entity ${request.entityRef}`);
    return {
      entity,
      entityRef: stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
      settings: readEntitySettings(entity, { gitopsRepo: gitopsDefault }),
      clients: options.clients,
    };
  };

  return {
    list() {
      return OPERATIONS.map(definition => ({
        id: definition.id,
        title: definition.title,
        description: definition.description,
        readOnly: Boolean(definition.readOnly),
        definition,
      }));
    },

    async workloads(request) {
      return listWorkloads(await readContext(request), {
        environment: request.environment,
      });
    },

    async workflowRun(request) {
      return workflowRunStatus(await readContext(request), request.runId);
    },

    async run(request) {
      const op = byId.get(request.operation);
      if (!op) {
        throw new NotFoundError(
          `Unknown operation "${request.operation}"; operations: ${[
            ...byId.keys(),
          ].join(', ')}`,
        );
      }
      const actor = actorOf(request.credentials);
      const dryRun = Boolean(request.dryRun);
      const meta = {
        actor,
        action: `operation.${op.id}`,
        target: request.entityRef,
        input: { ...request.input, dryRun, via: request.via ?? 'http' },
      };
      const requests: OperationRequest[] = [];
      const started = Date.now();

      const work = async (): Promise<OperationResult> => {
        // A resource permission on the entity: the policy may answer with the catalog's
        // conditions (IS_ENTITY_OWNER), which the catalog evaluates for this entity.
        const [decision] = await options.permissions.authorize(
          [
            {
              permission: luffyOperationRunPermission,
              resourceRef: request.entityRef,
            },
          ],
          { credentials: request.credentials },
        );
        if (decision.result !== AuthorizeResult.ALLOW) {
          throw new NotAllowedError(
            `Running operations on ${request.entityRef} needs the permission ${luffyOperationRunPermission.name} for this entity`,
          );
        }
        const parsed = op.input.safeParse(request.input);
        if (!parsed.success) {
          throw new InputError(
            parsed.error.issues
              .map(
                (i: z.ZodIssue) =>
                  `${i.path.join('.') || 'input'}: ${i.message}`,
              )
              .join('; '),
          );
        }
        const input = parsed.data;

        const entity = await options.catalog.getEntityByRef(request.entityRef, {
          credentials: request.credentials,
        });
        if (!entity) throw new NotFoundError(`No entity ${request.entityRef}`);
        const entityRef = stringifyEntityRef(entity).toLocaleLowerCase('en-US');

        if (!dryRun) {
          const waitUser = perUser.check(actor);
          const waitEntity = perEntity.check(entityRef);
          if (waitUser || waitEntity) {
            throw new TooManyOperationsError(
              waitUser
                ? `Too many operations by ${actor}: at most ${settings.perUser.limit} a minute; retry in ${waitUser} s`
                : `Too many operations on ${entityRef}: at most ${settings.perEntity.limit} a minute; retry in ${waitEntity} s`,
              Math.max(waitUser, waitEntity),
            );
          }
        }

        const reason = op.destructive?.(input);
        const binding = { actor, entityRef, operation: op.id, input };
        if (
          reason &&
          !dryRun &&
          !tokens.verify(request.confirmationToken, binding)
        ) {
          const t = tokens.issue(binding);
          throw new ConfirmationRequiredError(
            `${
              op.title
            } is destructive (${reason}): repeat the request with confirmationToken${
              request.confirmationToken
                ? ' (the one given is expired or for another request)'
                : ''
            }, or run it with dryRun first`,
            t.token,
            t.expiresAt,
            reason,
          );
        }

        const ctx: OperationContext = {
          entity,
          entityRef,
          settings: readEntitySettings(entity, { gitopsRepo: gitopsDefault }),
          actor,
          credentials: request.credentials,
          dryRun,
          clients: options.clients,
          logger: options.logger,
          limits: { maxReplicas: settings.maxReplicas },
          gitops: async repo =>
            createGitopsRepo({
              github: await options.clients.github.forRepo(repo),
              owner: repo.owner,
              repo: repo.repo,
            }),
          request: r => requests.push(r),
        };
        if (!dryRun) {
          perUser.take(actor);
          perEntity.take(entityRef);
        }
        const outcome = await op.run(ctx, input);
        let status: OperationResult['status'] = 'succeeded';
        if (dryRun) status = 'dry-run';
        else if (outcome.pullRequestUrl) status = 'pending';
        const result: OperationResult = {
          operation: op.id,
          entityRef,
          status,
          durationMs: Date.now() - started,
          requests,
          ...outcome,
        };
        if (dryRun && reason) {
          const t = tokens.issue(binding);
          result.confirmation = {
            token: t.token,
            expiresAt: t.expiresAt,
            reason,
          };
        }
        return result;
      };

      try {
        const result = await options.auditLog.track(meta, work, { dryRun });
        if (!dryRun) {
          void options.events.publish({
            type: 'operation.finished',
            entityRef: result.entityRef,
            payload: {
              operation: op.id,
              actor,
              status: result.status,
              path: result.path,
              pullRequestUrl: result.pullRequestUrl,
            },
          });
        }
        return result;
      } catch (e) {
        if (!dryRun && (e as Error)?.name !== 'ConfirmationRequiredError') {
          void options.events.publish({
            type: 'operation.failed',
            entityRef: request.entityRef,
            payload: { operation: op.id, actor, error: (e as Error)?.message },
          });
        }
        throw e;
      }
    },
  };
}
