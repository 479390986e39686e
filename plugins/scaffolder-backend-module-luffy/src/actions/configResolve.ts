import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './configResolve.examples';
import { mergeLayers, type Layer, type Override } from './layers';
import {
  assertDnsLabel,
  assertHostname,
  assertRepoPath,
  assertSecretName,
  environmentHostname,
  parseRepoRef,
} from './validation';

export const STACKS = ['node', 'python', 'go'] as const;
export type Stack = (typeof STACKS)[number];

/** Used when `luffy.onboarding` leaves a key out (the first layer, "built-in"). */
const BUILT_IN: JsonObject = {
  repoOwner: 'acme',
  gitopsRepo: 'acme/gitops',
  registry: 'registry.acme.example',
  imageTag: 'latest',
  autonomy: 'propose',
  lifecycle: 'production',
  replicas: 1,
  healthPath: '/healthz',
  resources: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
  },
  ingress: {
    className: 'nginx',
    clusterIssuer: 'letsencrypt',
    prodDropsEnv: true,
  },
  secretStore: 'platform-secrets',
  argocd: {
    project: 'default',
    appsPath: 'argocd/apps',
    chartPath: 'charts/service',
    destinationServer: 'https://kubernetes.default.svc',
    rootApp: 'root',
    targetRevision: 'main',
  },
  ci: { workflow: 'ci.yaml', branch: 'main' },
};

/** Stack defaults (overridable per stack in `luffy.onboarding.stacks.<stack>`). */
const STACK_DEFAULTS: Record<Stack, JsonObject> = {
  node: { containerPort: 3000, resources: { limits: { memory: '256Mi' } } },
  python: { containerPort: 8000, resources: { limits: { memory: '384Mi' } } },
  go: { containerPort: 8080, resources: { limits: { memory: '128Mi' } } },
};

/** One environment as the later steps need it. */
export type ResolvedEnvironment = {
  name: string;
  namespace: string;
  hostname: string;
  url: string;
  argocdApp: string;
  replicas: number;
  containerPort: number;
  healthPath: string;
  resources: JsonObject;
  image: { repository: string; tag: string };
  ingress: { className: string; clusterIssuer: string };
};

const asObject = (v: unknown, what: string): JsonObject | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${what} must be an object`);
  return v as JsonObject;
};

/** Resolves the layered onboarding configuration (no side effect). */
export function resolveOnboardingConfig(
  input: {
    customer: string;
    stack: string;
    environments?: string[];
    baseHostname: string;
    owner: string;
    description?: string;
    existingRepo?: string;
    secretNames?: string[];
    registryToken?: boolean;
    overrides?: { customer?: JsonObject; environments?: Record<string, JsonObject> };
  },
  config: Config,
) {
  const customer = assertDnsLabel(input.customer, 'Customer name', { min: 2, max: 40 });
  if (!(STACKS as readonly string[]).includes(input.stack)) {
    throw new InputError(`Stack ${JSON.stringify(input.stack)} is not supported: use one of ${STACKS.join(', ')}`);
  }
  const stack = input.stack as Stack;
  const environments = input.environments?.length ? input.environments : ['dev', 'preprod', 'prod'];
  environments.forEach(e => assertDnsLabel(e, 'Environment name', { max: 20 }));
  if (new Set(environments).size !== environments.length) {
    throw new InputError(`Environments ${environments.join(', ')} contain a duplicate`);
  }
  const baseHostname = assertHostname(input.baseHostname, 'Base hostname');
  if (!input.owner || !/^[A-Za-z0-9:/._-]+$/.test(input.owner)) {
    throw new InputError(`Owner ${JSON.stringify(input.owner)} is not an entity reference (e.g. group:default/platform-team)`);
  }
  const secretNames = (input.secretNames ?? []).map(s => assertSecretName(s, 'Secret name'));
  const existing = input.existingRepo?.trim() ? parseRepoRef(input.existingRepo, 'Existing repository') : undefined;

  const onboarding = config.getOptionalConfig('luffy.onboarding');
  const orgDefaults = asObject(onboarding?.getOptional('defaults'), 'luffy.onboarding.defaults');
  const stackConfig = asObject(onboarding?.getOptional(`stacks.${stack}`), `luffy.onboarding.stacks.${stack}`);
  const customerOverrides = asObject(input.overrides?.customer, 'overrides.customer');
  const gitopsFromLuffy = config.getOptionalString('luffy.gitops.repo');

  const customerLayers: Layer[] = [
    { name: 'built-in', source: 'built-in defaults', values: BUILT_IN },
    { name: 'org', source: 'app-config luffy.gitops.repo', values: gitopsFromLuffy ? { gitopsRepo: gitopsFromLuffy } : undefined },
    { name: 'org', source: 'app-config luffy.onboarding.defaults', values: orgDefaults },
    { name: 'stack', source: `stack ${stack}`, values: STACK_DEFAULTS[stack] },
    { name: 'stack', source: `app-config luffy.onboarding.stacks.${stack}`, values: stackConfig },
    { name: 'customer', source: `customer ${customer}`, values: customerOverrides },
  ];
  const base = mergeLayers(customerLayers);
  const overrides: Array<Override & { environment?: string }> = [...base.overrides];

  const c = base.value as any;
  const gitops = parseRepoRef(c.gitopsRepo, 'GitOps repository (luffy.onboarding.defaults.gitopsRepo)');
  const repoOwner = existing?.owner ?? c.repoOwner;
  const repoName = existing?.repo ?? customer;
  parseRepoRef(`${repoOwner}/${repoName}`, 'Service repository');
  for (const k of ['appsPath', 'chartPath'] as const) assertRepoPath(c.argocd?.[k], `argocd.${k}`);
  const registry = String(c.registry);
  if (!/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/.test(registry)) {
    throw new InputError(`Registry ${JSON.stringify(registry)} is not an image registry host (e.g. registry.example.com)`);
  }

  const resolved: ResolvedEnvironment[] = environments.map(env => {
    const envConfig = asObject(onboarding?.getOptional(`environments.${env}`), `luffy.onboarding.environments.${env}`);
    const envInput = asObject(input.overrides?.environments?.[env], `overrides.environments.${env}`);
    const merged = mergeLayers([
      ...customerLayers,
      { name: 'environment', source: `app-config luffy.onboarding.environments.${env}`, values: envConfig },
      { name: 'environment', source: `environment ${env}`, values: envInput },
    ]);
    overrides.push(
      ...merged.overrides
        .filter(o => o.layer === 'environment')
        .map(o => ({ ...o, environment: env })),
    );
    const v = merged.value as any;
    const hostname = environmentHostname(customer, env, baseHostname, v.ingress?.prodDropsEnv !== false);
    const replicas = Number(v.replicas);
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 50) {
      throw new InputError(`replicas for ${env} must be an integer 0–50 (got ${JSON.stringify(v.replicas)})`);
    }
    return {
      name: env,
      namespace: assertDnsLabel(`${customer}-${env}`, 'Namespace'),
      hostname,
      url: `https://${hostname}`,
      argocdApp: `${customer}-${env}`,
      replicas,
      containerPort: Number(v.containerPort),
      healthPath: String(v.healthPath),
      resources: v.resources,
      image: { repository: `${registry}/${customer}`, tag: String(v.imageTag) },
      ingress: { className: String(v.ingress?.className), clusterIssuer: String(v.ingress?.clusterIssuer) },
    };
  });

  const values = {
    name: customer,
    description: input.description?.trim() || `Service of customer ${customer}`,
    stack,
    owner: input.owner,
    system: customer,
    repoOwner,
    repoName,
    gitopsRepo: `${gitops.owner}/${gitops.repo}`,
    registry,
    image: `${registry}/${customer}`,
    autonomy: String(c.autonomy),
    // the secret CI logs in to the registry with: the sealed registry token when one is given,
    // else the workflow's own GITHUB_TOKEN (packages: write, as ghcr.io takes it)
    registrySecret: input.registryToken ? 'REGISTRY_TOKEN' : 'GITHUB_TOKEN',
    firstEnvironment: environments[0],
    environments: resolved.map(e => ({ name: e.name, hostname: e.hostname, argocdApp: e.argocdApp })),
  };
  return {
    customer,
    stack,
    repoOwner,
    repoName,
    existingRepo: !!existing,
    gitopsRepo: values.gitopsRepo,
    secretNames,
    secretStore: String(c.secretStore),
    argocd: c.argocd as { project: string; appsPath: string; chartPath: string; destinationServer: string; rootApp: string; targetRevision: string },
    ci: c.ci as { workflow: string; branch: string },
    environments: resolved,
    values,
    origins: base.origins,
    overrides,
  };
}

export type ResolvedOnboardingConfig = ReturnType<typeof resolveOnboardingConfig>;

/**
 * `luffy:config:resolve`: the layered onboarding configuration.
 * @public
 */
export function createLuffyConfigResolveAction(options: { config: Config }) {
  return createTemplateAction({
    id: 'luffy:config:resolve',
    description:
      'Resolves the layered onboarding configuration of a new customer: org defaults (app-config luffy.onboarding) → stack defaults → customer → environment, deep-merged. Validates every name, host name and repository reference, and logs and outputs the origin of every overridden value. No side effect.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        customer: z => z.string().describe('Customer name: a DNS label, 2–40 lower-case characters'),
        stack: z => z.enum(STACKS).describe('Tech stack of the service'),
        environments: z => z.array(z.string()).optional().describe('Environments, default dev, preprod, prod'),
        baseHostname: z => z.string().describe('Base host name; ingress hosts are <customer>.<env>.<base> (prod: <customer>.<base>)'),
        owner: z => z.string().describe('Owner entity reference (a group)'),
        description: z => z.string().optional().describe('One line describing the service'),
        existingRepo: z => z.string().optional().describe('Existing repository (owner/repo or URL) to reuse instead of creating one'),
        secretNames: z => z.array(z.string()).optional().describe('Names of secrets to reference (never values)'),
        registryToken: z =>
          z
            .boolean()
            .optional()
            .describe(
              'True when a registry token is given (a task secret, sealed as the REGISTRY_TOKEN repository secret): CI logs in to the registry with it. Default false: with the workflow\'s GITHUB_TOKEN',
            ),
        overrides: z =>
          z
            .object({
              customer: z.record(z.string(), z.any()).optional().describe('Customer-level overrides'),
              environments: z.record(z.string(), z.record(z.string(), z.any())).optional().describe('Overrides per environment'),
            })
            .optional()
            .describe('Customer and environment layers of the configuration'),
      },
      output: {
        customer: z => z.string().describe('Customer (system) name'),
        repoOwner: z => z.string().describe('Owner of the service repository'),
        repoName: z => z.string().describe('Name of the service repository'),
        repoUrl: z => z.string().describe('Repository in the scaffolder form host?owner=o&repo=r'),
        existingRepo: z => z.boolean().describe('True when an existing repository is reused'),
        gitopsRepo: z => z.string().describe('owner/repo of the GitOps repository'),
        environments: z => z.array(z.any()).describe('Resolved environments (namespace, hostname, url, argocdApp, replicas, resources, image)'),
        appNames: z => z.array(z.string()).describe('Argo CD application names, one per environment'),
        values: z => z.record(z.string(), z.any()).describe('Values for fetch:template'),
        secretNames: z => z.array(z.string()).describe('Validated secret names'),
        secretStore: z => z.string().describe('External secrets store the references point at'),
        argocd: z => z.record(z.string(), z.any()).describe('Argo CD layout (project, appsPath, chartPath, destinationServer, rootApp, targetRevision: the GitOps branch)'),
        ci: z => z.record(z.string(), z.any()).describe('CI workflow file and branch'),
        overrides: z => z.array(z.any()).describe('Every overridden value with its layer and what it replaced'),
      },
    },
    async handler(ctx) {
      const r = resolveOnboardingConfig(ctx.input as any, options.config);
      const host =
        options.config.getOptionalConfigArray('integrations.github')?.[0]?.getOptionalString('host') ?? 'github.com';
      ctx.logger.info(
        `Customer ${r.customer} (${r.stack}): repository ${r.repoOwner}/${r.repoName}${r.existingRepo ? ' (existing)' : ''}, GitOps ${r.gitopsRepo}, environments ${r.environments.map(e => `${e.name} → ${e.hostname}`).join(', ')}`,
      );
      for (const o of r.overrides) {
        ctx.logger.info(
          `${o.environment ? `[${o.environment}] ` : ''}${o.path} = ${JSON.stringify(o.value)} from ${o.source} (${o.layer}), overrides ${JSON.stringify(o.overrides.value)} from ${o.overrides.source}`,
        );
      }
      ctx.output('customer', r.customer);
      ctx.output('repoOwner', r.repoOwner);
      ctx.output('repoName', r.repoName);
      ctx.output('repoUrl', `${host}?owner=${encodeURIComponent(r.repoOwner)}&repo=${encodeURIComponent(r.repoName)}`);
      ctx.output('existingRepo', r.existingRepo);
      ctx.output('gitopsRepo', r.gitopsRepo);
      ctx.output('environments', r.environments);
      ctx.output('appNames', r.environments.map(e => e.argocdApp));
      ctx.output('values', r.values);
      ctx.output('secretNames', r.secretNames);
      ctx.output('secretStore', r.secretStore);
      ctx.output('argocd', r.argocd);
      ctx.output('ci', r.ci);
      ctx.output('overrides', r.overrides);
    },
  });
}
