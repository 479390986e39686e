/**
 * The one description of the demo world: the customer, its services (stack, port, image,
 * source repo, GitOps layout, autonomy), its environments and repositories. The GitHub seed
 * (src/github/seed.ts), the GitOps seed (manifests.ts, index.ts) and catalog/acme.yaml are all
 * checked against it (demoWorld.test.ts), so the three cannot disagree.
 */

export const ENVIRONMENTS = ['dev', 'preprod', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export type Stack = 'node' | 'python' | 'go';
export type Autonomy = 'observe' | 'propose' | 'auto';

export type DemoService = {
  /** Component name, GitHub repo `acme/<name>`, Deployment name, `backstage.io/kubernetes-id`. */
  name: string;
  title: string;
  /** The catalog description (also the GitHub repo description). */
  description: string;
  stack: Stack;
  port: number;
  /** Plain manifests (apps/<name>/<env>/) or the shared Helm chart (charts/service). */
  source: 'manifests' | 'helm';
  /** `openluffy.io/autonomy` of the component. */
  autonomy: Autonomy;
  /** Environment variables the demo image refuses to start without (all set in git). */
  requiredEnv: Record<string, (env: Environment) => string>;
};

/** The demo customer: GitHub org, catalog System, namespaces `acme-<env>`. */
export const CUSTOMER = 'acme';
export const CUSTOMER_TITLE = 'ACME Corp';
export const OWNER = 'platform-team';
export const GITOPS_OWNER = CUSTOMER;
export const GITOPS_REPO = 'gitops';
export const REGISTRY = 'registry.acme.example';
export const IMAGE_TAG = '1.4.2';
export const REPLICAS: Record<Environment, number> = {
  dev: 1,
  preprod: 2,
  prod: 3,
};
/** What the demo image needs vs what it is allowed: healthy at start (180Mi < 256Mi). */
export const MEMORY_DEMAND = '180Mi';
export const MEMORY_LIMIT = '256Mi';

export const DEMO_SERVICES: DemoService[] = [
  {
    name: 'checkout',
    title: 'Checkout API',
    description: 'Node.js service that turns carts into orders.',
    stack: 'node',
    port: 3000,
    source: 'manifests',
    autonomy: 'propose',
    requiredEnv: {
      DATABASE_URL: env =>
        `postgres://checkout@postgres.acme-${env}.svc:5432/checkout`,
      PAYMENT_PROVIDER_URL: env => `https://payments.${env}.acme.example`,
    },
  },
  {
    name: 'recommender',
    title: 'Recommender',
    description: 'Python service that suggests products.',
    stack: 'python',
    port: 8000,
    source: 'manifests',
    autonomy: 'observe',
    requiredEnv: {
      REDIS_URL: env => `redis://redis.acme-${env}.svc:6379/0`,
      MODEL_BUCKET: env => `s3://acme-${env}-models/recommender`,
    },
  },
  {
    name: 'inventory',
    title: 'Inventory',
    description: 'Go service that tracks stock levels.',
    stack: 'go',
    port: 8080,
    source: 'helm',
    autonomy: 'auto',
    requiredEnv: {
      DATABASE_URL: env =>
        `postgres://inventory@postgres.acme-${env}.svc:5432/inventory`,
    },
  },
];

export const namespaceFor = (env: string) => `${CUSTOMER}-${env}`;
export const appName = (service: string, env: string) => `${service}-${env}`;
export const hostFor = (service: string, env: string) =>
  `${service}.${env}.${CUSTOMER}.example`;
export const imageFor = (service: string) =>
  `${REGISTRY}/${service}:${IMAGE_TAG}`;
/** The service's source repository, `acme/<name>`. */
export const sourceRepo = (service: string) => `${CUSTOMER}/${service}`;
/** Where the service's desired state lives in acme/gitops (`{env}` = environment). */
export const gitopsPath = (service: string) => `apps/${service}/{env}`;
/** The label selector of the service's Argo CD Applications. */
export const appSelector = (service: string) => `backstage-name=${service}`;

/**
 * The annotations of the service's catalog Component: in catalog/acme.yaml and in the
 * catalog-info.yaml of its GitHub repo.
 */
export function catalogAnnotations(s: DemoService): Record<string, string> {
  return {
    'github.com/project-slug': sourceRepo(s.name),
    'backstage.io/kubernetes-id': s.name,
    'argocd/app-selector': appSelector(s.name),
    'openluffy.io/gitops-repo': `${GITOPS_OWNER}/${GITOPS_REPO}`,
    'openluffy.io/gitops-path': gitopsPath(s.name),
    'openluffy.io/autonomy': s.autonomy,
  };
}

/** The service's catalog Component (catalog/acme.yaml; `extraAnnotations` for the repo copy). */
export function catalogComponent(
  s: DemoService,
  extraAnnotations: Record<string, string> = {},
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: s.name,
      title: s.title,
      description: s.description,
      tags: [s.stack],
      annotations: { ...catalogAnnotations(s), ...extraAnnotations },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: OWNER,
      system: CUSTOMER,
    },
  };
}
