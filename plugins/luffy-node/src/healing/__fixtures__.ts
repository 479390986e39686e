import type { IncidentContext } from '@openluffy/plugin-luffy-common';
import type { HealingDiagnosisInput, WorkloadSpec } from './types';

/** A plain manifest like the demo's apps/checkout/dev/deployment.yaml. */
export const DEPLOYMENT_YAML = `# Checkout API (Node.js), dev environment.
# Managed by Argo CD: edit here and let it sync.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  labels:
    app.kubernetes.io/name: checkout
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: checkout
  template:
    metadata:
      labels:
        app.kubernetes.io/name: checkout
    spec:
      containers:
        - name: checkout
          image: registry.acme.example/checkout:1.4.2
          env:
            # the process needs this much memory; keep resources.limits.memory above it.
            - name: DEMO_MEMORY_DEMAND
              value: 180Mi
            - name: DATABASE_URL
              value: "postgres://checkout@postgres.acme-dev.svc:5432/checkout"
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 3
            periodSeconds: 10
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi # raise with care
`;

export const VALUES_YAML = `# Inventory (Go), dev environment (chart: charts/service).
name: inventory
replicaCount: 1

env_vars:
  # Demo image behaviour
  DEMO_MEMORY_DEMAND: 180Mi

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    cpu: 500m
    memory: 256Mi
`;

export const WORKLOAD: WorkloadSpec = {
  kind: 'Deployment',
  namespace: 'acme-dev',
  name: 'checkout',
  replicas: 1,
  containers: [
    {
      name: 'checkout',
      resources: {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '256Mi' },
      },
      env: [
        { name: 'DEMO_MEMORY_DEMAND', value: '180Mi' },
        {
          name: 'DATABASE_URL',
          value: 'postgres://checkout@postgres.acme-dev.svc:5432/checkout',
        },
      ],
      readinessProbe: {
        httpGet: { path: '/healthz', port: 'http' },
        initialDelaySeconds: 3,
        periodSeconds: 10,
      },
    },
  ],
};

export function diagnosisInput(
  reason: string,
  lines: string[],
  extra: Partial<HealingDiagnosisInput> & {
    context?: Partial<IncidentContext>;
  } = {},
): HealingDiagnosisInput {
  const { context, ...rest } = extra;
  return {
    incidentId: 'i-1',
    failure: {
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload: 'checkout',
      workloadKind: 'Deployment',
      reason,
      containers: ['checkout'],
      pods: ['checkout-abc12-aaaaa'],
    },
    context: {
      findings: [`${reason}: container checkout of pod checkout-abc12-aaaaa`],
      logs: [
        {
          pod: 'checkout-abc12-aaaaa',
          container: 'checkout',
          previous: true,
          lines,
        },
      ],
      events: [],
      redactions: 0,
      ...context,
    },
    workload: WORKLOAD,
    ...rest,
  };
}
