/**
 * The cluster-wide lists Backstage's Kubernetes backend (0.21) requests for one entity, each
 * with `?labelSelector=backstage.io/kubernetes-id=<id>`, in its order (CLIENT-WIRE-NOTES.md §1).
 * Used by tests and benchmarks that measure or replay an entity page's cost.
 */
export const BACKSTAGE_KUBERNETES_FAN_OUT: readonly string[] = [
  '/api/v1/pods',
  '/api/v1/services',
  '/api/v1/configmaps',
  '/api/v1/limitranges',
  '/api/v1/resourcequotas',
  '/apis/apps/v1/deployments',
  '/apis/apps/v1/replicasets',
  '/apis/autoscaling/v2/horizontalpodautoscalers',
  '/apis/batch/v1/jobs',
  '/apis/batch/v1/cronjobs',
  '/apis/networking.k8s.io/v1/ingresses',
  '/apis/apps/v1/statefulsets',
  '/apis/apps/v1/daemonsets',
];
