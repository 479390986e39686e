import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ConflictError } from '@backstage/errors';
import { ConfirmationRequiredError } from './guardrails';
import type { OperationsService } from './types';

/**
 * Registers every operation with Backstage's actions registry as `luffy:<op>` (served by the
 * MCP actions backend). The same service runs them: permission luffy.operation.run for the
 * caller's credentials, rate limits, confirmation tokens and one audit row per call.
 */
export function registerOperationActions(
  actionsRegistry: ActionsRegistryService,
  operations: OperationsService,
) {
  for (const {
    id,
    title,
    description,
    readOnly,
    definition,
  } of operations.list()) {
    const destructive = Boolean(definition.destructive);
    actionsRegistry.register({
      name: id,
      title,
      description: `${description} Target: the catalog entity \`entityRef\` (e.g. component:default/checkout). ${
        destructive
          ? 'Destructive inputs need a confirmationToken: the first call (or a dryRun) answers with one; repeat the same input with it.'
          : ''
      } dryRun: true returns the exact requests it would make and changes nothing.`,
      attributes: { readOnly, destructive, idempotent: readOnly },
      schema: {
        input: z =>
          definition.input.extend({
            entityRef: z
              .string()
              .min(3)
              .describe('Catalog entity ref, e.g. component:default/checkout'),
            dryRun: z
              .boolean()
              .optional()
              .describe('Change nothing; return the requests it would make'),
            confirmationToken: z
              .string()
              .optional()
              .describe('Token from a previous answer, for destructive inputs'),
          }),
        output: z =>
          z
            .object({
              operation: z.string(),
              entityRef: z.string(),
              status: z.string(),
              path: z.string(),
              durationMs: z.number(),
            })
            .passthrough(),
      },
      action: async ({ input, credentials }) => {
        const { entityRef, dryRun, confirmationToken, ...rest } =
          input as Record<string, any>;
        try {
          const result = await operations.run({
            entityRef,
            operation: id,
            input: rest,
            credentials,
            dryRun,
            confirmationToken,
            via: 'action',
          });
          return { output: result as any };
        } catch (e) {
          if (e instanceof ConfirmationRequiredError) {
            throw new ConflictError(
              `${e.message}. confirmationToken: ${e.confirmationToken} (expires ${e.expiresAt})`,
            );
          }
          throw e;
        }
      },
    });
  }
}
