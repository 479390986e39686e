/** The resource types the simulated API server serves. */
export type ResourceType = {
  /** `v1/pods`, `apps/v1/deployments` (the ClusterStore's resource key). */
  resource: string;
  group: string;
  version: string;
  /** `v1` or `apps/v1`. */
  apiVersion: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served (`status`, `scale`, `log`). */
  subresources?: string[];
  /** Served read-only from the simulator (metrics). */
  virtual?: boolean;
  /**
   * Served as another API version's view of this stored resource (events.k8s.io/v1 events are
   * the core/v1 events, converted); not stored itself.
   */
  view?: string;
};

/** What a view (events.k8s.io/v1 events) serves. */
const VIEW_VERBS = ['create', 'delete', 'get', 'list', 'watch'];

const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function t(
  apiVersion: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/')
    : ['', apiVersion];
  return {
    resource: `${apiVersion}/${plural}`,
    group,
    version,
    apiVersion,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    ...extra,
  };
}

export const RESOURCE_TYPES: ResourceType[] = [
  t('v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    subresources: ['status'],
  }),
  t('v1', 'nodes', 'Node', false, {
    shortNames: ['no'],
    subresources: ['status'],
  }),
  t('v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log'],
  }),
  t('v1', 'services', 'Service', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
  }),
  t('v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  t('v1', 'secrets', 'Secret', true),
  t('v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  t('v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  t('v1', 'resourcequotas', 'ResourceQuota', true, {
    shortNames: ['quota'],
    subresources: ['status'],
  }),
  t('v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  t('v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  t('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, {
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  t('apps/v1', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  t('apps/v1', 'replicasets', 'ReplicaSet', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  t('apps/v1', 'statefulsets', 'StatefulSet', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  t('apps/v1', 'daemonsets', 'DaemonSet', true, {
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
  }),
  t('batch/v1', 'jobs', 'Job', true, {
    categories: ['all'],
    subresources: ['status'],
  }),
  t('batch/v1', 'cronjobs', 'CronJob', true, {
    shortNames: ['cj'],
    categories: ['all'],
    subresources: ['status'],
  }),
  t(
    'autoscaling/v2',
    'horizontalpodautoscalers',
    'HorizontalPodAutoscaler',
    true,
    {
      shortNames: ['hpa'],
      categories: ['all'],
      subresources: ['status'],
    },
  ),
  t('networking.k8s.io/v1', 'ingresses', 'Ingress', true, {
    shortNames: ['ing'],
    subresources: ['status'],
  }),
  t('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  t('argoproj.io/v1alpha1', 'applications', 'Application', true, {
    shortNames: ['app', 'apps'],
    categories: ['argoproj'],
  }),
  t('argoproj.io/v1alpha1', 'appprojects', 'AppProject', true, {
    shortNames: ['appproj', 'appprojs'],
    categories: ['argoproj'],
  }),
  t('argoproj.io/v1alpha1', 'rollouts', 'Rollout', true, {
    shortNames: ['ro'],
    categories: ['argoproj'],
    subresources: ['status', 'scale'],
  }),
  t('events.k8s.io/v1', 'events', 'Event', true, {
    shortNames: ['ev'],
    view: 'v1/events',
  }),
  t('metrics.k8s.io/v1beta1', 'pods', 'PodMetrics', true, { virtual: true }),
  t('metrics.k8s.io/v1beta1', 'nodes', 'NodeMetrics', false, {
    virtual: true,
  }),
];

export const STORED_TYPES = RESOURCE_TYPES.filter(r => !r.virtual && !r.view);

const byResource = new Map(RESOURCE_TYPES.map(r => [r.resource, r]));
const byKind = new Map(STORED_TYPES.map(r => [`${r.apiVersion}|${r.kind}`, r]));

export function resourceType(resource: string): ResourceType | undefined {
  return byResource.get(resource);
}

export function resourceForKind(
  apiVersion: string,
  kind: string,
): ResourceType | undefined {
  return byKind.get(`${apiVersion}|${kind}`);
}

/** `v1` → core group, else `group/version`. */
export function groupVersions(): Array<{
  group: string;
  versions: string[];
}> {
  const map = new Map<string, string[]>();
  for (const r of RESOURCE_TYPES) {
    if (!r.group) continue;
    const v = map.get(r.group) ?? [];
    if (!v.includes(r.version)) v.push(r.version);
    map.set(r.group, v);
  }
  return [...map.entries()].map(([group, versions]) => ({ group, versions }));
}

/** An APIResourceList for `apiVersion` (discovery). */
export function apiResourceList(apiVersion: string) {
  const resources: any[] = [];
  for (const r of RESOURCE_TYPES.filter(x => x.apiVersion === apiVersion)) {
    let verbs = VERBS;
    if (r.virtual) verbs = ['get', 'list'];
    else if (r.view) verbs = VIEW_VERBS;
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      storageVersionHash: '',
    });
    for (const sub of r.subresources ?? []) {
      resources.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sub === 'scale'
          ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
          : { kind: sub === 'log' ? 'Pod' : r.kind }),
        verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersion,
    resources,
  };
}
