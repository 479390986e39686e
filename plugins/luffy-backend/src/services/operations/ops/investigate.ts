import type { OperationPath } from '@openluffy/plugin-luffy-common';
import { z } from 'zod/v3';
import { configuredInvestigations } from '../../healing/investigations';
import {
  createRulesInvestigator,
  runInvestigation,
} from '../../healing/investigate';
import type { OperationDefinition } from '../types';

const SYSTEM_OF_TOOL: Record<string, OperationPath> = {
  manifest_history: 'github',
  argocd_diff: 'argocd',
};

const investigateInput = z
  .object({
    question: z
      .string()
      .min(3)
      .max(2000)
      .describe('What to find out, e.g. "why is checkout slow in prod?"'),
    environment: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe(
        'Environment to look at, e.g. dev, preprod, prod (default: all)',
      ),
  })
  .strict();

/**
 * Read-only investigation ("why is X slow/broken?"): the configured investigator (Claude with
 * read-only tools under a step cap and a repeated-call detector, or the rules) looks at the
 * workloads, logs, events, the manifest history and the Argo CD diff, and returns a report.
 */
export const investigate: OperationDefinition<typeof investigateInput> = {
  id: 'investigate',
  title: 'Investigate',
  description:
    'Answers "why is this service slow or broken?" from its workloads, logs, events, manifest history and Argo CD diff (read-only).',
  input: investigateInput,
  readOnly: true,
  async run(ctx, input) {
    const request = {
      entityRef: ctx.entityRef,
      question: input.question,
      environment: input.environment,
    };
    const configured = configuredInvestigations();
    const report = configured
      ? await configured.investigate(request, {
          entity: ctx.entity,
          clients: ctx.clients,
        })
      : await runInvestigation({
          request,
          subject: {
            entity: ctx.entity,
            entityRef: ctx.entityRef,
            settings: ctx.settings,
            clients: ctx.clients,
          },
          investigator: createRulesInvestigator(),
        });
    for (const step of report.steps) {
      ctx.request({
        system: SYSTEM_OF_TOOL[step.tool] ?? 'kubernetes',
        method: 'GET',
        path: `investigate/${step.tool}`,
        body: step.input,
      });
    }
    return { path: 'kubernetes', changes: [], details: { report } };
  },
};
