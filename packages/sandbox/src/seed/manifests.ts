/**
 * The files of the demo GitOps repository `acme/gitops` (see CONVENTIONS.md and README.md),
 * generated from the demo world (demoWorld.ts).
 * Plain manifests for checkout and recommender, a Helm chart plus per-environment values for
 * inventory. Written as YAML text with comments, the way a person would keep them.
 */

import YAML from 'yaml';
import {
  CUSTOMER,
  DEMO_SERVICES,
  ENVIRONMENTS,
  GITOPS_OWNER,
  GITOPS_REPO,
  IMAGE_TAG,
  MEMORY_DEMAND,
  MEMORY_LIMIT,
  REPLICAS,
  appName,
  hostFor,
  imageFor,
  namespaceFor,
  type DemoService,
  type Environment,
} from './demoWorld';

export * from './demoWorld';

/** Name of the root Application (app of apps) in `argocd/root.yaml`. */
export const ROOT_APPLICATION = 'root';

function deploymentYaml(s: DemoService, env: Environment): string {
  const required = Object.keys(s.requiredEnv);
  const envLines = Object.entries(s.requiredEnv)
    .map(
      ([k, v]) =>
        `            - name: ${k}\n              value: ${JSON.stringify(
          v(env),
        )}`,
    )
    .join('\n');
  return `# ${s.description}, ${env} environment.
# Managed by Argo CD (application ${appName(
    s.name,
    env,
  )}): edit here and let it sync,
# changes made directly in the cluster are reverted (self-heal).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${s.name}
  labels:
    app.kubernetes.io/name: ${s.name}
    app.kubernetes.io/part-of: ${CUSTOMER}
    backstage.io/kubernetes-id: ${s.name}
    openluffy.io/env: ${env}
  annotations:
    openluffy.io/stack: ${s.stack}
spec:
  replicas: ${REPLICAS[env]}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${s.name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${s.name}
        app.kubernetes.io/part-of: ${CUSTOMER}
        backstage.io/kubernetes-id: ${s.name}
        openluffy.io/env: ${env}
    spec:
      containers:
        - name: ${s.name}
          image: ${imageFor(s.name)}
          ports:
            - name: http
              containerPort: ${s.port}
              protocol: TCP
          env:
            # Demo image behaviour (see packages/sandbox/CONVENTIONS.md):
            # the process needs this much memory; keep resources.limits.memory above it.
            - name: DEMO_MEMORY_DEMAND
              value: ${MEMORY_DEMAND}
            # the process refuses to start unless these variables are set below.
            - name: DEMO_REQUIRED_ENV
              value: ${required.join(',')}
${envLines}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 3
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
            periodSeconds: 20
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: ${MEMORY_LIMIT}
`;
}

function serviceYaml(s: DemoService, env: Environment): string {
  return `# In-cluster endpoint of ${s.name} (${env}).
apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
  labels:
    app.kubernetes.io/name: ${s.name}
    backstage.io/kubernetes-id: ${s.name}
    openluffy.io/env: ${env}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${s.name}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`;
}

function ingressYaml(s: DemoService, env: Environment): string {
  return `# Public route: http://${hostFor(s.name, env)}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${s.name}
  labels:
    app.kubernetes.io/name: ${s.name}
    backstage.io/kubernetes-id: ${s.name}
    openluffy.io/env: ${env}
spec:
  ingressClassName: nginx
  rules:
    - host: ${hostFor(s.name, env)}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${s.name}
                port:
                  name: http
`;
}

const CHART_YAML = `# Shared chart for Acme's HTTP services (used by inventory).
# Rendered by the sandbox's Argo CD within its documented Helm template subset.
apiVersion: v2
name: service
description: A stateless HTTP service with a Service and an Ingress
type: application
version: 0.4.0
appVersion: "1.4.2"
`;

const CHART_VALUES = `# Defaults; each environment overrides them in apps/<service>/<env>/values.yaml.
name: ""
env: dev
replicaCount: 1

image:
  repository: registry.acme.example/service
  tag: latest
  pullPolicy: IfNotPresent

containerPort: 8080

# Extra environment variables: a map of NAME: value.
env_vars: {}

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    cpu: 500m
    memory: 256Mi

readinessProbe:
  path: /healthz

ingress:
  enabled: true
  className: nginx
  host: ""
  # e.g. external-dns.alpha.kubernetes.io/hostname and cert-manager.io/cluster-issuer:
  # DNS and the certificate follow from git.
  annotations: {}
  # e.g. [{hosts: [<host>], secretName: <name>-tls}] (cert-manager fills the secret).
  tls: []

# Secret references, never values: each name becomes an environment variable read from the
# Secret named by target, which an ExternalSecret (external-secrets.io) fills from the store.
externalSecrets:
  store: ""
  target: ""
  names: []
  # Render the ExternalSecret in this chart (needs the external-secrets CRDs in the cluster);
  # false: the platform applies it from apps/<service>/<env>/external-secrets.yaml.
  createExternalSecret: false
  refreshInterval: 1h
`;

const CHART_HELPERS = `{{/* Name of the service: values.name, else the chart name. */}}
{{- define "service.name" -}}
{{- .Values.name | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "service.labels" -}}
app.kubernetes.io/name: {{ include "service.name" . }}
app.kubernetes.io/part-of: acme
app.kubernetes.io/managed-by: {{ .Release.Service }}
backstage.io/kubernetes-id: {{ include "service.name" . }}
openluffy.io/env: {{ .Values.env | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* Selector labels (stable across upgrades). */}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.name" . }}
{{- end -}}
`;

const CHART_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "service.name" . }}
  labels:
    {{- include "service.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "service.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "service.labels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ include "service.name" . }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
          {{- $secretNames := list }}
          {{- $secretTarget := "" }}
          {{- with .Values.externalSecrets }}
          {{- if .names }}
          {{- $secretNames = .names }}
          {{- end }}
          {{- $secretTarget = .target | default (printf "%s-secrets" (include "service.name" $)) }}
          {{- end }}
          {{- if or .Values.env_vars $secretNames }}
          env:
            {{- range $name, $value := .Values.env_vars }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
            {{- range $secretNames }}
            - name: {{ . }}
              valueFrom:
                secretKeyRef:
                  name: {{ $secretTarget }}
                  key: {{ . }}
            {{- end }}
          {{- end }}
          readinessProbe:
            httpGet:
              path: {{ .Values.readinessProbe.path }}
              port: http
            initialDelaySeconds: 3
            periodSeconds: 10
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;

const CHART_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "service.name" . }}
  labels:
    {{- include "service.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "service.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`;

const CHART_INGRESS = `{{- if .Values.ingress.enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "service.name" . }}
  labels:
    {{- include "service.labels" . | nindent 4 }}
  {{- with .Values.ingress.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if .Values.ingress.className }}
  ingressClassName: {{ .Values.ingress.className }}
  {{- end }}
  {{- with .Values.ingress.tls }}
  tls:
    {{- range . }}
    - hosts:
        {{- range .hosts }}
        - {{ . | lower | quote }}
        {{- end }}
      {{- with .secretName }}
      secretName: {{ . }}
      {{- end }}
    {{- end }}
  {{- end }}
  rules:
    - host: {{ required "ingress.host is required" .Values.ingress.host | lower }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "service.name" . }}
                port:
                  name: http
{{- end }}
`;

const CHART_EXTERNAL_SECRET = `{{- with .Values.externalSecrets }}
{{- if and .createExternalSecret .names }}
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: {{ .target | default (printf "%s-secrets" (include "service.name" $)) }}
  labels:
    {{- include "service.labels" $ | nindent 4 }}
spec:
  refreshInterval: {{ .refreshInterval | default "1h" }}
  secretStoreRef:
    kind: ClusterSecretStore
    name: {{ required "externalSecrets.store is required" .store }}
  target:
    name: {{ .target | default (printf "%s-secrets" (include "service.name" $)) }}
    creationPolicy: Owner
  data:
    {{- range .names }}
    - secretKey: {{ . }}
      remoteRef:
        key: {{ printf "%s/%s/%s" (include "service.name" $) $.Values.env . }}
    {{- end }}
{{- end }}
{{- end }}
`;

function inventoryValues(s: DemoService, env: Environment): string {
  const envVars = Object.entries(s.requiredEnv)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v(env))}`)
    .join('\n');
  return `# ${s.description}, ${env} environment (chart: charts/service).
# Managed by Argo CD (application ${appName(s.name, env)}).
name: ${s.name}
env: ${env}
replicaCount: ${REPLICAS[env]}

image:
  repository: registry.acme.example/${s.name}
  tag: "${IMAGE_TAG}"

containerPort: ${s.port}

env_vars:
  # Demo image behaviour: memory the process needs (keep the limit above it) ...
  DEMO_MEMORY_DEMAND: ${MEMORY_DEMAND}
  # ... and variables it refuses to start without.
  DEMO_REQUIRED_ENV: ${Object.keys(s.requiredEnv).join(',')}
${envVars}

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    cpu: 500m
    memory: ${MEMORY_LIMIT}

ingress:
  enabled: true
  host: ${hostFor(s.name, env)}
`;
}

const README = `# acme/gitops

Desired state of Acme's services, deployed by Argo CD (one Application per service and
environment, \`<service>-<env>\`, namespace \`acme-<env>\`, automated sync with self-heal).

| path | what |
|---|---|
| \`apps/checkout/<env>/\` | plain manifests (Deployment, Service, Ingress) |
| \`apps/recommender/<env>/\` | plain manifests |
| \`apps/inventory/<env>/values.yaml\` | values for the chart in \`charts/service/\` |
| \`charts/service/\` | shared Helm chart |
| \`argocd/root.yaml\` | the root Application (app of apps): syncs \`argocd/apps/\` |
| \`argocd/apps/<service>-<env>.yaml\` | one Argo CD Application per service and environment |

Change a file, commit to \`main\`: Argo CD syncs within seconds. A new Application manifest in
\`argocd/apps/\` is created by the root app; removing one deletes the app and its workload.
`;

/** The URL the GitOps files name acme/gitops by (the sandbox maps any host to its repo). */
export const DEFAULT_GITOPS_REPO_URL = `http://127.0.0.1:18083/${GITOPS_OWNER}/${GITOPS_REPO}.git`;

const applicationYaml = (comment: string, app: object) =>
  `${comment
    .split('\n')
    .map(l => `# ${l}`)
    .join('\n')}\n${YAML.stringify(app)}`;

/** Every file of the demo GitOps repository, path → content. */
export function gitopsFiles(
  repoURL: string = DEFAULT_GITOPS_REPO_URL,
): Record<string, string> {
  const files: Record<string, string> = { 'README.md': README };
  files['argocd/root.yaml'] = applicationYaml(
    'The root Application (app of apps): Argo CD creates, updates and deletes the\nApplications in argocd/apps/ from git. Applied once to bootstrap the cluster.',
    rootApplication(repoURL),
  );
  for (const s of DEMO_SERVICES)
    for (const env of ENVIRONMENTS)
      files[`argocd/apps/${appName(s.name, env)}.yaml`] = applicationYaml(
        `${s.title} in ${env} (created by the root Application).`,
        demoApplication(s, env, repoURL),
      );
  for (const s of DEMO_SERVICES) {
    for (const env of ENVIRONMENTS) {
      const dir = `apps/${s.name}/${env}`;
      if (s.source === 'manifests') {
        files[`${dir}/deployment.yaml`] = deploymentYaml(s, env);
        files[`${dir}/service.yaml`] = serviceYaml(s, env);
        files[`${dir}/ingress.yaml`] = ingressYaml(s, env);
      } else {
        files[`${dir}/values.yaml`] = inventoryValues(s, env);
      }
    }
  }
  files['charts/service/Chart.yaml'] = CHART_YAML;
  files['charts/service/values.yaml'] = CHART_VALUES;
  files['charts/service/templates/_helpers.tpl'] = CHART_HELPERS;
  files['charts/service/templates/deployment.yaml'] = CHART_DEPLOYMENT;
  files['charts/service/templates/service.yaml'] = CHART_SERVICE;
  files['charts/service/templates/ingress.yaml'] = CHART_INGRESS;
  files['charts/service/templates/externalsecret.yaml'] = CHART_EXTERNAL_SECRET;
  return files;
}

/** The Argo CD Application for one service and environment. */
export function demoApplication(
  s: Pick<DemoService, 'name' | 'source'>,
  env: string,
  repoURL: string,
) {
  const source =
    s.source === 'helm'
      ? {
          repoURL,
          path: 'charts/service',
          targetRevision: 'main',
          helm: { valueFiles: [`../../apps/${s.name}/${env}/values.yaml`] },
        }
      : { repoURL, path: `apps/${s.name}/${env}`, targetRevision: 'main' };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: appName(s.name, env),
      namespace: 'argocd',
      // deleting the Application (e.g. its file from argocd/apps/) deletes its workload
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
      labels: {
        'backstage-name': s.name,
        'openluffy.io/env': env,
        'openluffy.io/customer': CUSTOMER,
      },
    },
    spec: {
      project: 'default',
      source,
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: namespaceFor(env),
      },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
      },
      revisionHistoryLimit: 10,
    },
  };
}

/** The root Application: syncs `argocd/apps/` (the demo Applications) into `argocd`. */
export function rootApplication(repoURL: string = DEFAULT_GITOPS_REPO_URL) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: ROOT_APPLICATION,
      namespace: 'argocd',
      labels: { 'openluffy.io/customer': CUSTOMER },
    },
    spec: {
      project: 'default',
      source: { repoURL, path: 'argocd/apps', targetRevision: 'main' },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'argocd',
      },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}
