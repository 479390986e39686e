import { InputError } from '@backstage/errors';
import { parseRepoSlug } from '@openluffy/plugin-luffy-common';

export {
  DEFAULT_PATCH_BOUNDS,
  createGitopsRepo,
  createRulesDiagnoser,
  type HealingDiagnoser,
  type LuffyClients,
  type LuffyDetector,
  type LuffyNotifier,
} from '@openluffy/plugin-luffy-node';

/** `owner/repo` or an InputError naming the expected form. */
export function parseRepoSlugOrThrow(value: string) {
  const parsed = parseRepoSlug(value);
  if (!parsed)
    throw new InputError(
      `GitOps repository must be "owner/repo", got "${value}"`,
    );
  return parsed;
}
