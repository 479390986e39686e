import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ANNOTATION_AUTONOMY,
  ANNOTATION_GITHUB_PROJECT_SLUG,
  ANNOTATION_GITOPS_PATH,
  ANNOTATION_GITOPS_REPO,
  ANNOTATION_KUBERNETES_ID,
  parseAutonomy,
  parseRepoSlug,
  type Autonomy,
} from '@openluffy/plugin-luffy-common';

/** A GitHub repository. @public */
export type RepoRef = { owner: string; repo: string };

/** What OpenLuffy needs to know about a service, from its annotations and config. @public */
export type EntitySettings = {
  entityRef: string;
  /** Source repository (`github.com/project-slug`), when annotated. */
  sourceRepo?: RepoRef;
  /** GitOps repository (`openluffy.io/gitops-repo`, else config `luffy.gitops.repo`). */
  gitopsRepo?: RepoRef;
  /** Manifest folder for an environment (`openluffy.io/gitops-path` with `{env}`). */
  gitopsPath(env: string): string | undefined;
  /** Workload id (`backstage.io/kubernetes-id`, else the entity name). */
  kubernetesId: string;
  autonomy: Autonomy;
};

/**
 * Reads a service's OpenLuffy settings. Malformed annotations are input errors naming the
 * annotation and the expected form, never silently ignored.
 * @public
 */
export function readEntitySettings(
  entity: Entity,
  defaults: { gitopsRepo?: string; autonomy?: Autonomy } = {},
): EntitySettings {
  const a = entity.metadata.annotations ?? {};
  const entityRef = `${entity.kind}:${entity.metadata.namespace ?? 'default'}/${
    entity.metadata.name
  }`.toLocaleLowerCase('en-US');

  const slug = (annotation: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = parseRepoSlug(value);
    if (!parsed) {
      throw new InputError(
        `${entityRef}: annotation ${annotation} must be "owner/repo", got "${value}"`,
      );
    }
    return parsed;
  };

  const sourceRepo = slug(
    ANNOTATION_GITHUB_PROJECT_SLUG,
    a[ANNOTATION_GITHUB_PROJECT_SLUG],
  );
  const gitopsRepo =
    slug(ANNOTATION_GITOPS_REPO, a[ANNOTATION_GITOPS_REPO]) ??
    slug('luffy.gitops.repo (config)', defaults.gitopsRepo);

  const rawPath = a[ANNOTATION_GITOPS_PATH];
  if (
    rawPath !== undefined &&
    (rawPath.startsWith('/') || rawPath.split('/').includes('..'))
  ) {
    throw new InputError(
      `${entityRef}: annotation ${ANNOTATION_GITOPS_PATH} must be a relative folder inside the repository, got "${rawPath}"`,
    );
  }

  const rawAutonomy = a[ANNOTATION_AUTONOMY];
  const autonomy =
    rawAutonomy === undefined
      ? defaults.autonomy ?? 'propose'
      : parseAutonomy(rawAutonomy);
  if (!autonomy) {
    throw new InputError(
      `${entityRef}: annotation ${ANNOTATION_AUTONOMY} must be observe, propose or auto, got "${rawAutonomy}"`,
    );
  }

  return {
    entityRef,
    sourceRepo,
    gitopsRepo,
    gitopsPath: env =>
      rawPath === undefined
        ? undefined
        : rawPath.replace(/\{env\}/g, env).replace(/\/+$/, ''),
    kubernetesId: a[ANNOTATION_KUBERNETES_ID] ?? entity.metadata.name,
    autonomy,
  };
}
