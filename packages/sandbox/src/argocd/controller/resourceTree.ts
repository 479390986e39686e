import type { ClusterStore, KubeObject } from '../../core/cluster';
import { assessHealth } from '../health';
import { statusResources, type Comparer } from './compare';
import { applied } from './operation';
import {
  groupVersion,
  kindRank,
  resourceOfStatus,
  type Application,
  type Comparison,
} from './types';

/** Desired and live state of every managed resource (GET .../managed-resources). */
export function managedResources(cmp: Comparison) {
  return cmp.managed.map(m => ({
    group: m.group,
    kind: m.kind,
    namespace: m.namespace,
    name: m.name,
    version: m.version,
    liveState: m.live ? JSON.stringify(m.live) : 'null',
    targetState: m.target ? JSON.stringify(m.target) : 'null',
    normalizedLiveState: m.live ? JSON.stringify(m.live) : 'null',
    // what the next sync would leave: the three-way merge of last-applied, target and live
    predictedLiveState: m.target
      ? JSON.stringify(applied(m.target, m.live))
      : 'null',
    modified: !m.inSync,
    hook: false,
    requiresPruning: !m.target,
    ...(m.live?.metadata.resourceVersion
      ? { resourceVersion: m.live.metadata.resourceVersion }
      : {}),
  }));
}

/** One node of the tree: identity, parent, health, info (pods), images, networking info. */
function treeNode(
  cluster: ClusterStore,
  o: KubeObject,
  parent?: KubeObject,
): Record<string, unknown> {
  const { group, version } = groupVersion(o.apiVersion);
  const health = assessHealth(cluster, o);
  const info: Array<{ name: string; value: string }> = [];
  const images: string[] = [];
  if (o.kind === 'Pod') {
    const statuses = (o.status?.containerStatuses ?? []) as any[];
    const ready = statuses.filter(s => s.ready).length;
    const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
    const waiting = statuses.find(s => s.state?.waiting)?.state?.waiting
      ?.reason;
    const terminated = statuses.find(s => s.state?.terminated)?.state
      ?.terminated?.reason;
    info.push({
      name: 'Status Reason',
      value: waiting ?? terminated ?? o.status?.phase ?? 'Unknown',
    });
    info.push({ name: 'Node', value: o.spec?.nodeName ?? 'sandbox-node' });
    info.push({
      name: 'Containers',
      value: `${ready}/${(o.spec?.containers ?? []).length}`,
    });
    if (restarts) info.push({ name: 'Restart Count', value: String(restarts) });
    for (const c of o.spec?.containers ?? []) images.push(c.image);
  }
  const rev = o.metadata.annotations?.['deployment.kubernetes.io/revision'];
  if (rev) info.push({ name: 'Revision', value: `Rev:${rev}` });
  return {
    group,
    version,
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    uid: o.metadata.uid,
    resourceVersion: o.metadata.resourceVersion,
    createdAt: o.metadata.creationTimestamp,
    ...(parent
      ? {
          parentRefs: [
            {
              group: groupVersion(parent.apiVersion).group,
              kind: parent.kind,
              namespace: parent.metadata.namespace ?? '',
              name: parent.metadata.name,
              uid: parent.metadata.uid,
            },
          ],
        }
      : {}),
    ...(info.length ? { info } : {}),
    ...(images.length ? { images } : {}),
    ...(health
      ? {
          health: {
            status: health.status,
            ...(health.message ? { message: health.message } : {}),
          },
        }
      : {}),
    ...(o.kind === 'Service' || o.kind === 'Ingress'
      ? { networkingInfo: networkingInfo(o) }
      : {}),
  };
}

function networkingInfo(o: KubeObject) {
  if (o.kind === 'Service') return { targetLabels: o.spec?.selector ?? {} };
  return {
    externalURLs: (o.spec?.rules ?? [])
      .filter((r: any) => r.host)
      .map((r: any) => `http://${r.host}`),
    targetRefs: (o.spec?.rules ?? []).flatMap((r: any) =>
      (r.http?.paths ?? []).map((p: any) => ({
        kind: 'Service',
        namespace: o.metadata.namespace,
        name: p.backend?.service?.name,
      })),
    ),
  };
}

/** Objects of `resource` in the parent's namespace that the parent owns. */
export function ownedBy(
  cluster: ClusterStore,
  parent: KubeObject,
  resource: string,
): KubeObject[] {
  if (!cluster.resourceType(resource)) return [];
  return cluster
    .list(resource, { namespace: parent.metadata.namespace })
    .items.filter(o =>
      (o.metadata.ownerReferences ?? []).some(
        r => r.uid === parent.metadata.uid,
      ),
    );
}

/** The live objects an app manages, in `status.resources` order. */
export function liveResources(cluster: ClusterStore, app: Application) {
  const out: KubeObject[] = [];
  for (const r of statusResources(app)) {
    const res = resourceOfStatus(cluster, r);
    const live = res
      ? cluster.get(res, r.namespace || undefined, r.name)
      : undefined;
    if (live) out.push(live);
  }
  return out;
}

/** Pods of a managed workload (Deployment → ReplicaSets → Pods; others → Pods). */
export function podsOf(cluster: ClusterStore, live: KubeObject): KubeObject[] {
  if (live.kind === 'Pod') return [live];
  if (live.kind === 'Deployment')
    return ownedBy(cluster, live, 'apps/v1/replicasets').flatMap(rs =>
      ownedBy(cluster, rs, 'v1/pods'),
    );
  if (['StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(live.kind))
    return ownedBy(cluster, live, 'v1/pods');
  return [];
}

/** The application's resource tree: managed objects and their ReplicaSets and Pods. */
export function resourceTree(cluster: ClusterStore, app: Application) {
  const nodes: Array<Record<string, unknown>> = [];
  for (const live of liveResources(cluster, app)) {
    nodes.push(treeNode(cluster, live));
    let owned: KubeObject[] = [];
    if (live.kind === 'Deployment')
      owned = ownedBy(cluster, live, 'apps/v1/replicasets');
    else if (
      ['StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(live.kind)
    )
      owned = ownedBy(cluster, live, 'v1/pods');
    for (const child of owned) {
      nodes.push(treeNode(cluster, child, live));
      if (child.kind === 'ReplicaSet')
        for (const pod of ownedBy(cluster, child, 'v1/pods'))
          nodes.push(treeNode(cluster, pod, child));
    }
  }
  return { nodes, hosts: [{ name: 'sandbox-node', resourcesInfo: [] }] };
}

/** Deletes the live objects an app manages (reverse sync order). */
export function deleteManaged(
  cluster: ClusterStore,
  comparer: Comparer,
  app: Application,
) {
  const types = new Set<string>();
  for (const r of statusResources(app)) {
    const res = resourceOfStatus(cluster, r);
    if (res) types.add(res);
  }
  for (const o of comparer
    .liveManaged(app, types)
    .sort((a, b) => kindRank(b.kind) - kindRank(a.kind))) {
    const res = cluster.resourceForKind(o.apiVersion, o.kind);
    if (res) cluster.delete(res, o.metadata.namespace, o.metadata.name);
  }
}
