import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * The onboarding actions this module adds to the scaffolder (one file per action,
 * `src/actions/<verbNoun>.ts`). The "New Customer" template's actions land here.
 */
export function createLuffyActions(): TemplateAction<any, any, any>[] {
  return [];
}
