import type {
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import type {
  WorkloadEnvironment,
  WorkloadPod,
} from '@openluffy/plugin-luffy-common';
import { KUBERNETES_KINDS } from '@openluffy/plugin-luffy-node';
import { argoApps, deploymentHealth, envOfApp } from './target';
import type { OperationContext } from './types';

const REVISION = 'deployment.kubernetes.io/revision';

function podOf(pod: V1Pod, currentHash?: string): WorkloadPod {
  const statuses = pod.status?.containerStatuses ?? [];
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return {
    name: pod.metadata!.name!,
    phase: pod.metadata?.deletionTimestamp
      ? 'Terminating'
      : pod.status?.phase ?? 'Unknown',
    ready: Boolean(
      pod.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      ),
    ),
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    createdAt: pod.metadata?.creationTimestamp
      ? new Date(pod.metadata.creationTimestamp).toISOString()
      : undefined,
    current: !currentHash || !hash || hash === currentHash,
  };
}

/**
 * The entity's Deployments per environment (labelled with its kubernetes id; the
 * environment from its Argo CD application's namespace or the `openluffy.io/env` label),
 * with rollout health and pods: what the pod rows and the live rollout progress show.
 */
export async function listWorkloads(
  ctx: Pick<OperationContext, 'entity' | 'entityRef' | 'settings' | 'clients'>,
  options: { environment?: string } = {},
): Promise<WorkloadEnvironment[]> {
  const apps = await argoApps(ctx).catch(() => []);
  const envOfNamespace = new Map(
    apps
      .filter(a => a.spec.destination?.namespace)
      .map(a => [
        a.spec.destination!.namespace!,
        envOfApp(a, ctx.entity.metadata.name),
      ]),
  );
  const selector = `backstage.io/kubernetes-id=${ctx.settings.kubernetesId}`;
  const lists = await ctx.clients.kubernetes.list<V1Deployment>(
    KUBERNETES_KINDS.deployments,
    { labelSelector: selector },
  );
  const result: WorkloadEnvironment[] = [];
  for (const list of lists) {
    for (const d of list.items) {
      const namespace = d.metadata!.namespace!;
      const environment =
        envOfNamespace.get(namespace) ??
        d.metadata?.labels?.['openluffy.io/env'] ??
        namespace;
      if (options.environment && environment !== options.environment) {
        continue;
      }
      const match = d.spec?.selector?.matchLabels ?? {};
      const podSelector = Object.entries(match)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const [pods, replicaSets] = await Promise.all([
        ctx.clients.kubernetes.list<V1Pod>(KUBERNETES_KINDS.pods, {
          namespace,
          labelSelector: podSelector,
          clusters: [list.cluster],
        }),
        ctx.clients.kubernetes.list<V1ReplicaSet>(
          KUBERNETES_KINDS.replicasets,
          {
            namespace,
            labelSelector: podSelector,
            clusters: [list.cluster],
          },
        ),
      ]);
      const revision = d.metadata?.annotations?.[REVISION];
      const currentRs = replicaSets[0]?.items.find(
        rs =>
          revision !== undefined &&
          rs.metadata?.annotations?.[REVISION] === revision &&
          rs.metadata?.ownerReferences?.some(o => o.name === d.metadata!.name),
      );
      const currentHash = currentRs?.metadata?.labels?.['pod-template-hash'];
      result.push({
        environment,
        cluster: list.cluster,
        namespace,
        deployment: d.metadata!.name!,
        replicas: d.spec?.replicas ?? 1,
        readyReplicas: d.status?.readyReplicas ?? 0,
        updatedReplicas: d.status?.updatedReplicas ?? 0,
        health: deploymentHealth(d),
        pods: (pods[0]?.items ?? [])
          .map(p => podOf(p, currentHash))
          .sort((a, b) => a.name.localeCompare(b.name)),
      });
    }
  }
  const order = ['dev', 'preprod', 'prod'];
  const rank = (e: string) =>
    order.includes(e) ? order.indexOf(e) : order.length;
  return result.sort(
    (a, b) =>
      rank(a.environment) - rank(b.environment) ||
      a.environment.localeCompare(b.environment),
  );
}
