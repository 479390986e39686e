import type { SandboxContext } from '../core/context';
import { ClusterError } from '../core/cluster';
import {
  CUSTOMER,
  DEMO_SERVICES,
  ENVIRONMENTS,
  demoApplication,
  gitopsFiles,
  namespaceFor,
} from './manifests';

export * from './manifests';

export const GITOPS_OWNER = 'acme';
export const GITOPS_REPO = 'gitops';
export const BOT_AUTHOR = {
  name: 'OpenLuffy Bot',
  email: 'luffy-bot@acme.example',
};
const APPLICATIONS = 'argoproj.io/v1alpha1/applications';

/** `http://127.0.0.1:18083/acme/gitops.git` (the GitHub family's git smart HTTP). */
export function gitopsRepoURL(ctx: SandboxContext): string {
  const base = (ctx.urls.github ?? 'http://127.0.0.1:18083').replace(
    /\/+$/,
    '',
  );
  return `${base}/${GITOPS_OWNER}/${GITOPS_REPO}.git`;
}

/**
 * Seeds the GitOps side of the demo: the bare repo `acme/gitops` with manifests for checkout and
 * recommender and a Helm chart for inventory (3 environments each), the namespaces
 * `acme-{dev,preprod,prod}` and the nine Argo CD Applications (auto-sync, self-heal). The Argo CD
 * controller then syncs them. Idempotent: files, namespaces and Applications that already exist
 * are left as they are.
 */
export async function seedGitopsDemo(ctx: SandboxContext): Promise<void> {
  const { git } = ctx;
  if (!git.exists(GITOPS_OWNER, GITOPS_REPO)) {
    await git.create(GITOPS_OWNER, GITOPS_REPO);
  }
  const files = gitopsFiles();
  const head = await git.resolve(GITOPS_OWNER, GITOPS_REPO, 'refs/heads/main');
  const existing = new Set(
    head ? await git.listFiles(GITOPS_OWNER, GITOPS_REPO, head) : [],
  );
  const missing = Object.fromEntries(
    Object.entries(files).filter(([p]) => !existing.has(p)),
  );
  if (Object.keys(missing).length) {
    await git.commitFiles(GITOPS_OWNER, GITOPS_REPO, {
      branch: 'main',
      message: head
        ? 'Add missing GitOps demo manifests'
        : 'Bootstrap GitOps repository: checkout, recommender and inventory in dev, preprod and prod',
      author: BOT_AUTHOR,
      files: missing,
      pusher: 'luffy-bot',
    });
  }

  const cluster = ctx.cluster;
  if (!cluster) {
    ctx.logger.warn('seed: no cluster store; Applications not created');
    return;
  }
  const ensure = (resource: string, object: any) => {
    if (cluster.get(resource, object.metadata.namespace, object.metadata.name))
      return;
    try {
      cluster.create(resource, object);
    } catch (e) {
      if (!(e instanceof ClusterError && e.code === 409)) throw e;
    }
  };
  for (const ns of ['argocd', ...ENVIRONMENTS.map(namespaceFor)]) {
    ensure('v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          'kubernetes.io/metadata.name': ns,
          ...(ns === 'argocd'
            ? {}
            : {
                'openluffy.io/customer': CUSTOMER,
                'openluffy.io/env': ns.slice(CUSTOMER.length + 1),
              }),
        },
      },
    });
  }
  const repoURL = gitopsRepoURL(ctx);
  for (const s of DEMO_SERVICES) {
    for (const env of ENVIRONMENTS) {
      ensure(APPLICATIONS, demoApplication(s, env, repoURL));
    }
  }
  ctx.logger.info('seed: GitOps demo ready', {
    repo: `${GITOPS_OWNER}/${GITOPS_REPO}`,
    applications: DEMO_SERVICES.length * ENVIRONMENTS.length,
  });
}
