import type { KubernetesKind } from './types';

/** Kinds the suite lists and watches. @public */
export const KUBERNETES_KINDS = {
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  configmaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet' },
  statefulsets: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' },
  daemonsets: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet' },
  fluxKustomizations: {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    plural: 'kustomizations',
    kind: 'Kustomization',
  },
} as const satisfies Record<string, KubernetesKind>;

/** The API path of a kind, cluster-wide or in a namespace. @public */
export function kindPath(kind: KubernetesKind, namespace?: string): string {
  const base = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`
    : `${base}/${kind.plural}`;
}
