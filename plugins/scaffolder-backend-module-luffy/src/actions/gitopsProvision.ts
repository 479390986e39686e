import crypto from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createGitopsRepo,
  editYamlDocuments,
  type GitFileChange,
  type LuffyClients,
} from '@openluffy/plugin-luffy-node';
import YAML from 'yaml';
import { examples } from './gitopsProvision.examples';
import { validateExternalSecret, validateManifest } from './models';
import { readRepoTarball } from './tarball';
import {
  assertDnsLabel,
  assertHostname,
  assertRepoPath,
  assertSecretName,
  parseRepoRef,
} from './validation';

type EnvInput = {
  name: string;
  namespace: string;
  hostname: string;
  argocdApp: string;
  replicas: number;
  containerPort: number;
  healthPath?: string;
  resources?: Record<string, any>;
  image: { repository: string; tag: string };
  ingress?: { className?: string; clusterIssuer?: string };
};

export type ProvisionInput = {
  gitopsRepo: string;
  customer: string;
  name?: string;
  environments: EnvInput[];
  secretNames?: string[];
  secretStore?: string;
  argocd?: { project?: string; appsPath?: string; chartPath?: string; destinationServer?: string };
  repoURL?: string;
  branch?: string;
  requireReview?: 'auto' | 'always' | 'never';
};

const INGRESSES = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress' };

/** Validates the whole input before anything touches GitHub. */
export function validateProvisionInput(input: ProvisionInput) {
  const gitops = parseRepoRef(input.gitopsRepo, 'GitOps repository');
  const customer = assertDnsLabel(input.customer, 'Customer name', { min: 2, max: 40 });
  const name = assertDnsLabel(input.name ?? customer, 'Service name', { min: 2, max: 40 });
  if (!input.environments?.length) throw new InputError('At least one environment is needed');
  const argocd = {
    project: assertDnsLabel(input.argocd?.project ?? 'default', 'Argo CD project'),
    appsPath: assertRepoPath(input.argocd?.appsPath ?? 'argocd/apps', 'argocd.appsPath'),
    chartPath: assertRepoPath(input.argocd?.chartPath ?? 'charts/service', 'argocd.chartPath'),
    destinationServer: input.argocd?.destinationServer ?? 'https://kubernetes.default.svc',
  };
  if (!/^https?:\/\/[^\s]+$/.test(argocd.destinationServer)) {
    throw new InputError(`argocd.destinationServer ${JSON.stringify(argocd.destinationServer)} must be an http(s) URL`);
  }
  const seen = new Set<string>();
  const environments = input.environments.map(e => {
    const env = assertDnsLabel(e?.name, 'Environment name', { max: 20 });
    if (seen.has(env)) throw new InputError(`Environment ${env} is listed twice`);
    seen.add(env);
    assertDnsLabel(e.namespace, `Namespace of ${env}`);
    assertDnsLabel(e.argocdApp, `Argo CD application of ${env}`);
    assertHostname(e.hostname, `Hostname of ${env}`);
    if (!e.image?.repository || !/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/.test(e.image.repository)) {
      throw new InputError(`Image repository of ${env} ${JSON.stringify(e.image?.repository)} is not a registry path`);
    }
    if (!e.image.tag || !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(e.image.tag)) {
      throw new InputError(`Image tag of ${env} ${JSON.stringify(e.image?.tag)} is not a valid tag`);
    }
    if (!Number.isInteger(e.replicas) || e.replicas < 0) throw new InputError(`Replicas of ${env} must be a non-negative integer`);
    if (!Number.isInteger(e.containerPort) || e.containerPort < 1 || e.containerPort > 65535) {
      throw new InputError(`Container port of ${env} must be 1–65535`);
    }
    return { ...e, name: env };
  });
  const hosts = environments.map(e => e.hostname);
  if (new Set(hosts).size !== hosts.length) throw new InputError(`Two environments share a hostname: ${hosts.join(', ')}`);
  const secretNames = (input.secretNames ?? []).map(s => assertSecretName(s, 'Secret name'));
  const secretStore = assertDnsLabel(input.secretStore ?? 'platform-secrets', 'Secret store');
  if (input.repoURL !== undefined) parseRepoRef(input.repoURL, 'GitOps repoURL');
  if (input.branch !== undefined && !/^[A-Za-z0-9._/-]+$/.test(input.branch)) throw new InputError(`Branch ${JSON.stringify(input.branch)} is not a branch name`);
  return { gitops, customer, name, environments, argocd, secretNames, secretStore };
}

/** The files the onboarding writes into the GitOps repository, path → desired content. */
export function provisionFiles(v: ReturnType<typeof validateProvisionInput>, repoURL: string, targetRevision = 'main'): Map<string, { content: string; kind: 'application' | 'values' | 'external-secrets' }> {
  const files = new Map<string, { content: string; kind: 'application' | 'values' | 'external-secrets' }>();
  for (const e of v.environments) {
    const dir = `apps/${v.name}/${e.name}`;
    const labels = {
      'backstage-name': v.name,
      'openluffy.io/env': e.name,
      'openluffy.io/customer': v.customer,
    };
    const application = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: e.argocdApp,
        namespace: 'argocd',
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
        labels,
      },
      spec: {
        project: v.argocd.project,
        source: {
          repoURL,
          path: v.argocd.chartPath,
          targetRevision,
          helm: { valueFiles: [`${v.argocd.chartPath.split('/').map(() => '..').join('/')}/${dir}/values.yaml`] },
        },
        destination: { server: v.argocd.destinationServer, namespace: e.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true'],
          // the namespace is declared here, in git: Argo CD creates it with these labels
          managedNamespaceMetadata: {
            labels: { 'openluffy.io/customer': v.customer, 'openluffy.io/env': e.name },
          },
        },
        revisionHistoryLimit: 10,
      },
    };
    validateManifest(application, `${v.argocd.appsPath}/${e.argocdApp}.yaml`);
    validateManifest(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: e.namespace, labels: application.spec.syncPolicy.managedNamespaceMetadata.labels } },
      `${v.argocd.appsPath}/${e.argocdApp}.yaml (namespace)`,
    );
    files.set(`${v.argocd.appsPath}/${e.argocdApp}.yaml`, {
      kind: 'application',
      content: `# ${v.name} in ${e.name} for customer ${v.customer}, written by OpenLuffy onboarding.\n# Created by the root Application (app of apps); deleting this file deletes the app and its workload.\n${YAML.stringify(application)}`,
    });

    const annotations = {
      'external-dns.alpha.kubernetes.io/hostname': e.hostname,
      'cert-manager.io/cluster-issuer': e.ingress?.clusterIssuer ?? 'letsencrypt',
    };
    const tlsSecret = `${v.name}-${e.name}-tls`;
    const ingressClass = e.ingress?.className ?? 'nginx';
    validateManifest(
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: v.name, namespace: e.namespace, annotations },
        spec: {
          ingressClassName: ingressClass,
          tls: [{ hosts: [e.hostname], secretName: tlsSecret }],
          rules: [{ host: e.hostname, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: v.name, port: { name: 'http' } } } }] } }],
        },
      },
      `${dir}/values.yaml (ingress)`,
    );
    const values: Record<string, unknown> = {
      name: v.name,
      env: e.name,
      replicaCount: e.replicas,
      image: { repository: e.image.repository, tag: e.image.tag },
      containerPort: e.containerPort,
      readinessProbe: { path: e.healthPath ?? '/healthz' },
      ...(e.resources ? { resources: e.resources } : {}),
      ingress: {
        enabled: true,
        className: ingressClass,
        host: e.hostname,
        annotations,
        tls: [{ hosts: [e.hostname], secretName: tlsSecret }],
      },
      ...(v.secretNames.length
        ? { externalSecrets: { store: v.secretStore, target: `${v.name}-secrets`, names: v.secretNames } }
        : {}),
    };
    files.set(`${dir}/values.yaml`, {
      kind: 'values',
      content: `# ${v.name} in ${e.name} (chart: ${v.argocd.chartPath}), written by OpenLuffy onboarding.\n# Managed by Argo CD (application ${e.argocdApp}); the service's Deploy workflow bumps image.tag.\n${YAML.stringify(values)}`,
    });

    if (v.secretNames.length) {
      const externalSecret = {
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata: { name: `${v.name}-secrets`, namespace: e.namespace, labels: { 'backstage.io/kubernetes-id': v.name, 'openluffy.io/env': e.name } },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'ClusterSecretStore', name: v.secretStore },
          target: { name: `${v.name}-secrets`, creationPolicy: 'Owner' },
          data: v.secretNames.map(s => ({ secretKey: s, remoteRef: { key: `${v.customer}/${e.name}/${s}` } })),
        },
      };
      validateExternalSecret(externalSecret, `${dir}/external-secrets.yaml`);
      files.set(`${dir}/external-secrets.yaml`, {
        kind: 'external-secrets',
        content: `# Secret references of ${v.name} in ${e.name}: names only, the values live in the store ${v.secretStore}.\n# Applied by the platform's external-secrets layer (not by the ${e.argocdApp} Helm application).\n${YAML.stringify(externalSecret)}`,
      });
    }
  }
  return files;
}

/**
 * Hostnames the GitOps repository gives services other than `name`, by file: `ingress.host` /
 * `ingress.hosts` of Helm values and the rules and TLS hosts of Ingress manifests under apps/.
 */
export function gitopsHostnames(files: Map<string, string>, name: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (path: string, host: unknown) => {
    if (typeof host !== 'string' || !host) return;
    if (!found.has(path)) found.set(path, new Set());
    found.get(path)!.add(host.toLowerCase());
  };
  for (const [path, content] of files) {
    if (!path.startsWith('apps/') || path.startsWith(`apps/${name}/`) || !/\.ya?ml$/.test(path)) continue;
    let docs: any[];
    try {
      docs = YAML.parseAllDocuments(content).map(d => d.toJS());
    } catch {
      continue; // not ours to judge: Argo CD reports a broken file
    }
    for (const doc of docs) {
      if (!doc || typeof doc !== 'object') continue;
      if (doc.kind === 'Ingress') {
        for (const rule of doc.spec?.rules ?? []) add(path, rule?.host);
        for (const tls of doc.spec?.tls ?? []) for (const h of tls?.hosts ?? []) add(path, h);
      } else if (doc.ingress && typeof doc.ingress === 'object') {
        add(path, doc.ingress.host);
        for (const h of Array.isArray(doc.ingress.hosts) ? doc.ingress.hosts : []) add(path, typeof h === 'string' ? h : h?.host);
        for (const tls of Array.isArray(doc.ingress.tls) ? doc.ingress.tls : []) for (const h of tls?.hosts ?? []) add(path, h);
      }
    }
  }
  return found;
}

/** Adds to an existing values file only the keys it lacks (a bumped image tag or a tuned limit stays). */
function completeValues(existing: string, desired: string): string {
  const want = YAML.parse(desired) ?? {};
  return editYamlDocuments(existing, docs => {
    const doc = docs[0];
    const visit = (obj: any, path: string[]) => {
      for (const [k, val] of Object.entries(obj)) {
        const p = [...path, k];
        const has = doc.hasIn(p);
        if (!has) doc.setIn(p, val);
        else if (val && typeof val === 'object' && !Array.isArray(val) && YAML.isMap(doc.getIn(p))) visit(val, p);
      }
    };
    visit(want, []);
  });
}

/**
 * `luffy:gitops:provision`: per environment, the Argo CD Application (in the app of apps'
 * folder), the Helm values with the ingress host and its DNS/TLS annotations, and the secret
 * references, in ONE commit (or one PR when the branch requires reviews). Idempotent.
 * @public
 */
export function createLuffyGitopsProvisionAction(options: { clients: Pick<LuffyClients, 'github' | 'kubernetes'> }) {
  const { clients } = options;
  return createTemplateAction({
    id: 'luffy:gitops:provision',
    description:
      'Writes a customer service into the GitOps repository, per environment: the Argo CD Application under argocd/apps/ (automated sync, CreateNamespace with the namespace labels, labels found by argocd/app-selector; created by the root app of apps, never through the Argo CD API), Helm values apps/<name>/<env>/values.yaml (image, ingress host with external-dns and cert-manager annotations) and ExternalSecret references (never values). Every manifest is validated; everything goes in ONE commit, or one pull request when the branch requires reviews. A re-run that finds everything in place changes nothing.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        gitopsRepo: z => z.string().describe('owner/repo of the GitOps repository'),
        customer: z => z.string().describe('Customer name (DNS label)'),
        name: z => z.string().optional().describe('Service name, default the customer name'),
        environments: z =>
          z
            .array(
              z.object({
                name: z.string(),
                namespace: z.string(),
                hostname: z.string(),
                argocdApp: z.string(),
                replicas: z.number(),
                containerPort: z.number(),
                healthPath: z.string().optional(),
                resources: z.record(z.string(), z.any()).optional(),
                image: z.object({ repository: z.string(), tag: z.string() }),
                ingress: z.object({ className: z.string().optional(), clusterIssuer: z.string().optional() }).optional(),
              }).passthrough(),
            )
            .describe('Resolved environments (the environments output of luffy:config:resolve)'),
        secretNames: z => z.array(z.string()).optional().describe('Secrets to reference by name'),
        secretStore: z => z.string().optional().describe('ClusterSecretStore the references point at'),
        argocd: z =>
          z
            .object({
              project: z.string().optional(),
              appsPath: z.string().optional(),
              chartPath: z.string().optional(),
              destinationServer: z.string().optional(),
            })
            .passthrough()
            .optional()
            .describe('Argo CD layout (default project default, argocd/apps, charts/service, in-cluster)'),
        repoURL: z => z.string().optional().describe('Clone URL of the GitOps repository the Applications point at (default: the one argocd/root.yaml uses)'),
        branch: z => z.string().optional().describe('Branch to write to (default: the default branch)'),
        requireReview: z => z.enum(['auto', 'always', 'never']).optional().describe('auto (default): a pull request when the branch protection requires reviews, else one commit'),
      },
      output: {
        changed: z => z.boolean().describe('False when everything was already in place'),
        commitSha: z => z.string().optional().describe('The commit written (or the unchanged head)'),
        pullRequestUrl: z => z.string().optional().describe('The pull request, when reviews are required'),
        files: z => z.array(z.object({ path: z.string(), action: z.string() })).describe('Every file and what happened to it (create, update, unchanged)'),
      },
    },
    async handler(ctx) {
      const input = ctx.input as unknown as ProvisionInput;
      const v = validateProvisionInput(input);
      const gh = await clients.github.forRepo(`${v.gitops.owner}/${v.gitops.repo}`);
      const repo = createGitopsRepo({ github: gh, owner: v.gitops.owner, repo: v.gitops.repo });
      const branch = input.branch ?? (await repo.defaultBranch());
      // The whole repository in ONE call (its tarball): what is there already, the root app's
      // repoURL and the hostnames other services use, without a request per file.
      const archive = await gh.octokit.rest.repos.downloadTarballArchive({ owner: v.gitops.owner, repo: v.gitops.repo, ref: branch });
      // (and its commit's tree sha, so the commit below does not read the tree again)
      const { files: current, commitSha, treeSha } = readRepoTarball(archive.data as ArrayBuffer);
      const head = commitSha ?? (await repo.branchSha(branch));

      let repoURL = input.repoURL;
      if (!repoURL) {
        const root = current.get('argocd/root.yaml');
        repoURL = root ? YAML.parse(root)?.spec?.source?.repoURL : undefined;
        repoURL ??= `https://${gh.host}/${v.gitops.owner}/${v.gitops.repo}.git`;
      }
      const desired = provisionFiles(v, repoURL!, branch);

      // a hostname another service already uses is refused: first in git (Helm values and
      // Ingress manifests of the other services, deployed or not yet), then live ingresses
      for (const [path, hosts] of gitopsHostnames(current, v.name)) {
        for (const host of hosts) {
          const env = v.environments.find(e => e.hostname === host);
          if (env) {
            throw new ConflictError(
              `Hostname ${host} (${env.name}) is already used by ${v.gitops.owner}/${v.gitops.repo}:${path}: choose another customer name or base hostname`,
            );
          }
        }
      }
      const lists = await clients.kubernetes.list<any>(INGRESSES);
      for (const { cluster, items } of lists) {
        for (const ing of items ?? []) {
          const owner = ing.metadata?.labels?.['backstage.io/kubernetes-id'] ?? ing.metadata?.labels?.['app.kubernetes.io/name'];
          for (const rule of ing.spec?.rules ?? []) {
            const env = v.environments.find(e => e.hostname === rule.host);
            if (env && owner !== v.name) {
              throw new ConflictError(
                `Hostname ${rule.host} (${env.name}) is already served by ${owner ?? 'another service'} (ingress ${ing.metadata?.namespace}/${ing.metadata?.name} in cluster ${cluster}): choose another customer name or base hostname`,
              );
            }
          }
        }
      }

      const changes: GitFileChange[] = [];
      const report: Array<{ path: string; action: string }> = [];
      for (const [path, file] of desired) {
        const existing = current.get(path);
        if (existing === file.content) {
          report.push({ path, action: 'unchanged' });
          continue;
        }
        if (existing === undefined) {
          changes.push({ path, content: file.content });
          report.push({ path, action: 'create' });
          continue;
        }
        if (file.kind === 'application') {
          const customerLabel = YAML.parse(existing)?.metadata?.labels?.['openluffy.io/customer'];
          if (customerLabel && customerLabel !== v.customer) {
            throw new ConflictError(`${path} already belongs to customer ${customerLabel}: choose another customer name`);
          }
        }
        const next = file.kind === 'values' ? completeValues(existing, file.content) : file.content;
        if (next === existing) {
          report.push({ path, action: 'unchanged' });
        } else {
          changes.push({ path, content: next });
          report.push({ path, action: 'update' });
        }
      }
      for (const r of report) ctx.logger.info(`${r.action.padEnd(9)} ${v.gitops.owner}/${v.gitops.repo}:${r.path}`);
      ctx.output('files', report);

      if (!changes.length) {
        ctx.logger.info(`Everything is already in place in ${v.gitops.owner}/${v.gitops.repo}@${branch} (${head.slice(0, 7)}): nothing to change`);
        ctx.output('changed', false);
        ctx.output('commitSha', head);
        return;
      }
      if (ctx.isDryRun) {
        for (const c of changes) ctx.logger.info(`Dry run: would write ${c.path}:\n${c.content}`);
        ctx.logger.info(`Dry run: would write ${changes.length} file(s) in one ${input.requireReview === 'always' ? 'pull request' : 'commit'}; nothing changed`);
        ctx.output('changed', false);
        return;
      }

      let review = input.requireReview === 'always';
      if ((input.requireReview ?? 'auto') === 'auto') {
        try {
          const { data } = await gh.octokit.rest.repos.getBranchProtection({ owner: v.gitops.owner, repo: v.gitops.repo, branch });
          review = (data.required_pull_request_reviews?.required_approving_review_count ?? 0) > 0 || !!data.required_pull_request_reviews;
        } catch (e: any) {
          if (e?.status !== 404 && e?.name !== NotFoundError.name) throw e;
        }
      }
      const message = `onboard ${v.name} (customer ${v.customer}): ${v.environments.map(e => e.name).join(', ')}`;
      const key = `luffy.gitops.provision.${v.gitops.owner}.${v.gitops.repo}.${v.name}.${crypto
        .createHash('sha256')
        .update(JSON.stringify(changes))
        .digest('hex')
        .slice(0, 16)}`;
      if (review) {
        const pr = await ctx.checkpoint({
          key: `${key}.pr`,
          fn: async () => {
            const res = await repo.openPullRequest({
              branch: `luffy/onboard-${v.name}`,
              base: branch,
              title: `Onboard ${v.name} (customer ${v.customer})`,
              body: `Argo CD Applications, Helm values and secret references for ${v.environments.map(e => `\`${e.name}\` (${e.hostname})`).join(', ')}.\n\nWritten by OpenLuffy onboarding.`,
              message,
              files: changes,
              labels: ['openluffy/onboarding'],
            });
            return { url: res.url, headSha: res.headSha };
          },
        });
        ctx.logger.info(`The branch ${branch} requires reviews: opened ${pr.url} with ${changes.length} file(s); merge it to deploy`);
        ctx.output('changed', true);
        ctx.output('pullRequestUrl', pr.url);
        ctx.output('commitSha', pr.headSha);
        return;
      }
      const commit = await ctx.checkpoint({
        key: `${key}.commit`,
        fn: async () => {
          const res = await repo.commitFiles({
            branch,
            message,
            files: changes,
            expectedHeadSha: head,
            parentTreeSha: treeSha,
          });
          return { commitSha: res.commitSha, changed: res.changed };
        },
      });
      ctx.logger.info(`Committed ${changes.length} file(s) to ${v.gitops.owner}/${v.gitops.repo}@${branch} in one commit ${commit.commitSha.slice(0, 7)}`);
      ctx.output('changed', commit.changed);
      ctx.output('commitSha', commit.commitSha);
    },
  });
}
