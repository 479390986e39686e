import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { V1Deployment } from '@kubernetes/client-node';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  type OperationHealth,
} from '@openluffy/plugin-luffy-common';
import {
  KUBERNETES_KINDS,
  type ArgoCdApplication,
} from '@openluffy/plugin-luffy-node';
import type { OperationContext } from './types';

/** Environments in promotion order. */
export const ENVIRONMENT_ORDER = ['dev', 'preprod', 'prod'];

/** Argo CD errors that are not Backstage errors (network) → 503 "Argo CD is unavailable". */
export function argoError(e: unknown): Error {
  const err = e as Error;
  if (
    [
      'NotFoundError',
      'InputError',
      'ConflictError',
      'NotAllowedError',
      'ServiceUnavailableError',
      'AuthenticationError',
    ].includes(err?.name)
  ) {
    return err;
  }
  return new ServiceUnavailableError(
    `Argo CD is unavailable: ${err?.message ?? String(e)}`,
  );
}

export function envOfApp(app: ArgoCdApplication, service: string): string {
  return (
    app.metadata.labels?.['openluffy.io/env'] ??
    (app.metadata.name.startsWith(`${service}-`)
      ? app.metadata.name.slice(service.length + 1)
      : app.metadata.name)
  );
}

/** The entity's Argo CD applications (`argocd/app-name` or `argocd/app-selector`). */
export async function argoApps(
  ctx: Pick<OperationContext, 'entity' | 'clients'>,
): Promise<ArgoCdApplication[]> {
  const a = ctx.entity.metadata.annotations ?? {};
  const name = a[ANNOTATION_ARGOCD_APP_NAME];
  const selector = a[ANNOTATION_ARGOCD_APP_SELECTOR];
  if (!name && !selector) return [];
  try {
    return name
      ? await ctx.clients.argocd.findApplication(name)
      : await ctx.clients.argocd.listApplications({ selector });
  } catch (e) {
    throw argoError(e);
  }
}

/** The entity's Argo CD application of an environment; NotFoundError naming the ones there are. */
export async function appForEnv(
  ctx: OperationContext,
  environment: string,
): Promise<ArgoCdApplication> {
  const apps = await argoApps(ctx);
  if (apps.length === 0) {
    throw new InputError(
      `${ctx.entityRef} has no Argo CD application: add the ${ANNOTATION_ARGOCD_APP_SELECTOR} or ${ANNOTATION_ARGOCD_APP_NAME} annotation`,
    );
  }
  const app = apps.find(
    x => envOfApp(x, ctx.entity.metadata.name) === environment,
  );
  if (!app) {
    throw new NotFoundError(
      `${
        ctx.entityRef
      } has no Argo CD application for environment "${environment}" (it has ${apps
        .map(x => envOfApp(x, ctx.entity.metadata.name))
        .join(', ')})`,
    );
  }
  return app;
}

export function isAutoSynced(app: ArgoCdApplication): boolean {
  return Boolean(app.spec.syncPolicy?.automated);
}

export type DeploymentTarget = {
  cluster: string;
  namespace: string;
  name: string;
  deployment: V1Deployment;
  app?: ArgoCdApplication;
};

/**
 * The entity's Deployment in an environment: Deployments labelled with its kubernetes id
 * (one list per cluster), in the namespace of the environment's Argo CD application or with
 * label `openluffy.io/env`; `deployment` picks one by name.
 */
export async function findDeployment(
  ctx: OperationContext,
  input: { environment: string; deployment?: string; cluster?: string },
): Promise<DeploymentTarget> {
  const apps = await argoApps(ctx).catch(() => []);
  const app = apps.find(
    x => envOfApp(x, ctx.entity.metadata.name) === input.environment,
  );
  const namespace = app?.spec.destination?.namespace;
  const lists = await ctx.clients.kubernetes.list<V1Deployment>(
    KUBERNETES_KINDS.deployments,
    {
      labelSelector: `backstage.io/kubernetes-id=${ctx.settings.kubernetesId}`,
      clusters: input.cluster ? [input.cluster] : undefined,
    },
  );
  const failed = lists.filter(l => l.error);
  const candidates = lists.flatMap(l =>
    l.items
      .filter(d =>
        namespace
          ? d.metadata?.namespace === namespace
          : d.metadata?.labels?.['openluffy.io/env'] === input.environment,
      )
      .filter(d => !input.deployment || d.metadata?.name === input.deployment)
      .map(d => ({ cluster: l.cluster, deployment: d })),
  );
  if (candidates.length === 0) {
    if (failed.length > 0 && failed.length === lists.length) {
      throw new ServiceUnavailableError(
        `Kubernetes is unavailable: ${failed[0].error!.message}`,
      );
    }
    throw new NotFoundError(
      `No Deployment${input.deployment ? ` "${input.deployment}"` : ''} of ${
        ctx.entityRef
      } (backstage.io/kubernetes-id=${
        ctx.settings.kubernetesId
      }) in environment "${input.environment}"${
        namespace ? ` (namespace ${namespace})` : ''
      }`,
    );
  }
  const { cluster, deployment } = candidates[0];
  return {
    cluster,
    namespace: deployment.metadata!.namespace!,
    name: deployment.metadata!.name!,
    deployment,
    app,
  };
}

/**
 * The health check after an operation on the target: the Deployment read again (as found,
 * in a dry run, which changed nothing).
 */
export async function healthAfter(
  ctx: OperationContext,
  t: DeploymentTarget,
): Promise<OperationHealth> {
  const after = ctx.dryRun
    ? t.deployment
    : await ctx.clients.kubernetes.getDeployment(
        t.cluster,
        t.namespace,
        t.name,
      );
  return deploymentHealth(after);
}

/** Rollout health of a Deployment, as `kubectl rollout status` reads it. */
export function deploymentHealth(d: V1Deployment): OperationHealth {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const stalled = (s.conditions ?? []).find(
    c => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (stalled) return { status: 'Degraded', message: stalled.message };
  const current =
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    updated === want &&
    (s.replicas ?? 0) === want &&
    available === want;
  return {
    status: current ? 'Healthy' : 'Progressing',
    message: `${ready}/${want} ready, ${updated} updated`,
  };
}

export function appHealth(app: ArgoCdApplication): OperationHealth {
  return {
    status: app.status?.health?.status ?? 'Unknown',
    message: `${app.status?.sync?.status ?? 'Unknown'}${
      app.status?.health?.message ? `: ${app.status.health.message}` : ''
    }`,
  };
}

/** The GitOps folder of an environment; InputError when the entity has none. */
export function gitopsFolder(ctx: OperationContext, environment: string) {
  const repo = ctx.settings.gitopsRepo;
  const folder = ctx.settings.gitopsPath(environment);
  if (!repo || !folder) {
    throw new InputError(
      `${ctx.entityRef} has no GitOps folder: add the openluffy.io/gitops-repo and openluffy.io/gitops-path annotations`,
    );
  }
  return { repo, folder };
}
