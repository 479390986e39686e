/**
 * Catalog annotations OpenLuffy reads. The ecosystem's own annotations are reused with their
 * usual meaning; OpenLuffy's are under `openluffy.io/`. See ARCHITECTURE.md.
 */

/** `owner/repo` of the service's source repository (GitHub plugin's annotation). @public */
export const ANNOTATION_GITHUB_PROJECT_SLUG = 'github.com/project-slug';
/** Workload id, same meaning as in the Kubernetes plugin. @public */
export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';
/** Namespace of the workloads, same meaning as in the Kubernetes plugin. @public */
export const ANNOTATION_KUBERNETES_NAMESPACE =
  'backstage.io/kubernetes-namespace';
/** Label selector of the workloads, same meaning as in the Kubernetes plugin. @public */
export const ANNOTATION_KUBERNETES_LABEL_SELECTOR =
  'backstage.io/kubernetes-label-selector';
/** Argo CD application name, same meaning as in Roadie's Argo CD plugin. @public */
export const ANNOTATION_ARGOCD_APP_NAME = 'argocd/app-name';
/** Argo CD application label selector, same meaning as in Roadie's Argo CD plugin. @public */
export const ANNOTATION_ARGOCD_APP_SELECTOR = 'argocd/app-selector';
/** `owner/repo` holding the deployed manifests (default: config `luffy.gitops.repo`). @public */
export const ANNOTATION_GITOPS_REPO = 'openluffy.io/gitops-repo';
/** Folder of the manifests in the GitOps repo; may contain `{env}`. @public */
export const ANNOTATION_GITOPS_PATH = 'openluffy.io/gitops-path';
/** Healing autonomy of the service: `observe`, `propose` or `auto`. @public */
export const ANNOTATION_AUTONOMY = 'openluffy.io/autonomy';

/**
 * How far OpenLuffy may act on a service on its own.
 * - `observe`: diagnose only
 * - `propose`: open a pull request, a human approves
 * - `auto`: merge proven runbooks automatically, else propose
 * @public
 */
export type Autonomy = 'observe' | 'propose' | 'auto';

/** @public */
export const AUTONOMY_LEVELS: readonly Autonomy[] = [
  'observe',
  'propose',
  'auto',
];

/** Parses an `owner/repo` slug; undefined when malformed. @public */
export function parseRepoSlug(
  value: string | undefined,
): { owner: string; repo: string } | undefined {
  const m = value?.trim().match(/^([A-Za-z0-9-_.]+)\/([A-Za-z0-9-_.]+)$/);
  return m ? { owner: m[1], repo: m[2] } : undefined;
}

/** Parses an autonomy annotation value; undefined when absent or not a known level. @public */
export function parseAutonomy(value: string | undefined): Autonomy | undefined {
  const v = value?.trim().toLowerCase();
  return AUTONOMY_LEVELS.find(level => level === v);
}
