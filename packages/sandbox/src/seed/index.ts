import type { SandboxContext } from '../core/context';
import { ClusterError } from '../core/cluster';
import {
  CUSTOMER,
  DEMO_SERVICES,
  ENVIRONMENTS,
  GITOPS_OWNER,
  GITOPS_REPO,
  ROOT_APPLICATION,
  appName,
  demoApplication,
  gitopsFiles,
  namespaceFor,
  rootApplication,
} from './manifests';

export * from './manifests';
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
 * Seeds the GitOps side of the demo world (demoWorld.ts): the bare repo `acme/gitops` with
 * manifests for checkout and recommender, a Helm chart for inventory (3 environments each) and
 * the Argo CD Applications (`argocd/root.yaml`, the app of apps, and `argocd/apps/*.yaml`, nine
 * apps with auto-sync and self-heal); the namespaces `argocd` and `acme-{dev,preprod,prod}`; and
 * the bootstrap: the root Application, plus the nine it manages as it would apply them (tracking
 * label `app.kubernetes.io/instance: root`) so the demo starts at once. From then on the root
 * app creates, updates and deletes Applications from git. Idempotent: files, namespaces and
 * Applications that already exist are left as they are.
 */
export async function seedGitopsDemo(ctx: SandboxContext): Promise<void> {
  const { git } = ctx;
  if (!git.exists(GITOPS_OWNER, GITOPS_REPO)) {
    await git.create(GITOPS_OWNER, GITOPS_REPO);
  }
  const repoURL = gitopsRepoURL(ctx);
  const files = gitopsFiles(repoURL);
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
  ensure(APPLICATIONS, rootApplication(repoURL));
  for (const s of DEMO_SERVICES) {
    for (const env of ENVIRONMENTS) {
      const app = demoApplication(s, env, repoURL);
      ensure(APPLICATIONS, {
        ...app,
        metadata: {
          ...app.metadata,
          labels: {
            ...app.metadata.labels,
            'app.kubernetes.io/instance': ROOT_APPLICATION,
          },
        },
      });
    }
  }
  ctx.logger.info('seed: GitOps demo ready', {
    repo: `${GITOPS_OWNER}/${GITOPS_REPO}`,
    root: ROOT_APPLICATION,
    applications: DEMO_SERVICES.flatMap(s =>
      ENVIRONMENTS.map(e => appName(s.name, e)),
    ).length,
  });
}
