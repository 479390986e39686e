import type { Config } from '@backstage/config';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import type { LuffyClients } from '@openluffy/plugin-luffy-node';
import { createLuffyConfigResolveAction } from './configResolve';
import { createLuffyGitopsProvisionAction } from './gitopsProvision';
import { createLuffyGithubAwaitWorkflowAction } from './githubAwaitWorkflow';
import { createLuffyArgocdAwaitHealthyAction } from './argocdAwaitHealthy';
import { createLuffyGithubCheckRepoAction } from './githubCheckRepo';

export { createLuffyConfigResolveAction, resolveOnboardingConfig } from './configResolve';
export { createLuffyGitopsProvisionAction } from './gitopsProvision';
export { createLuffyGithubAwaitWorkflowAction } from './githubAwaitWorkflow';
export { createLuffyArgocdAwaitHealthyAction } from './argocdAwaitHealthy';
export { createLuffyGithubCheckRepoAction } from './githubCheckRepo';

/**
 * The onboarding actions this module adds to the scaffolder (one file per action,
 * `src/actions/<verbNoun>.ts`), used by the "New Customer" template.
 */
export function createLuffyActions(options: { config: Config; clients: LuffyClients }): TemplateAction<any, any, any>[] {
  return [
    createLuffyConfigResolveAction({ config: options.config }),
    createLuffyGithubCheckRepoAction({ clients: options.clients }),
    createLuffyGitopsProvisionAction({ clients: options.clients }),
    createLuffyGithubAwaitWorkflowAction({ clients: options.clients }),
    createLuffyArgocdAwaitHealthyAction({ clients: options.clients }),
  ] as TemplateAction<any, any, any>[];
}
