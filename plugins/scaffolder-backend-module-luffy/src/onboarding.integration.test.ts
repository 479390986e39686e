import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createFetchTemplateAction } from '@backstage/plugin-scaffolder-backend';
import {
  createGithubEnvironmentAction,
  createPublishGithubAction,
} from '@backstage/plugin-scaffolder-backend-module-github';
/* eslint-enable @backstage/no-undeclared-imports */
import { KUBERNETES_KINDS } from '@openluffy/plugin-luffy-node';
import { waitFor } from '@openluffy/sandbox';
import YAML from 'yaml';
import {
  createLuffyArgocdAwaitHealthyAction,
  createLuffyConfigResolveAction,
  createLuffyGithubAwaitWorkflowAction,
  createLuffyGitopsProvisionAction,
} from './actions';
import { actionContext, startOnboardingSandbox, TEMPLATE_DIR } from './__testUtils__/onboarding';

jest.setTimeout(180_000);

const REGISTRY_TOKEN = 'reg-token-5b1f0c7e9d2a4b38';

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 20 });
});
afterAll(async () => {
  await env?.stop();
});

/** Runs the template's steps in order, as templates/customer-onboarding/template.yaml does. */
async function onboard(params: { customer: string; stack: 'node' | 'python' | 'go'; dryRun?: boolean }) {
  const integrations = ScmIntegrations.fromConfig(env.config);
  const log: string[] = [];
  const outputs: Record<string, any> = {};
  const run = async (id: string, action: { handler: (ctx: any) => Promise<void> }, input: any, extra: any = {}) => {
    const c = actionContext(input, { isDryRun: params.dryRun, ...extra });
    await action.handler(c.ctx);
    log.push(...c.lines);
    outputs[id] = c.outputs;
    return c.outputs;
  };
  const config = await run('config', createLuffyConfigResolveAction({ config: env.config }), {
    customer: params.customer,
    stack: params.stack,
    environments: ['dev', 'preprod', 'prod'],
    baseHostname: 'apps.example.test',
    owner: 'group:default/platform-team',
    secretNames: ['DATABASE_URL'],
  });
  if (params.dryRun) {
    await run('gitops', createLuffyGitopsProvisionAction({ clients: env.clients }), {
      gitopsRepo: config.gitopsRepo,
      customer: config.customer,
      environments: config.environments,
      secretNames: config.secretNames,
      argocd: config.argocd,
    });
    return { outputs, log };
  }
  const workspacePath = fs.mkdtempSync(path.join(env.dataDir, 'ws-'));
  const templateInfo = {
    baseUrl: `file://${TEMPLATE_DIR}/template.yaml`,
    entityRef: 'template:default/customer-onboarding',
  };
  const fetchTemplate = createFetchTemplateAction({ reader: {} as any, integrations });
  for (const url of ['./skeletons/common', `./skeletons/${params.stack}`]) {
    await run('fetch', fetchTemplate, { url, values: config.values }, { workspacePath, templateInfo });
  }
  await run(
    'publish',
    createPublishGithubAction({ integrations, config: new ConfigReader({}) }),
    {
      repoUrl: config.repoUrl,
      description: config.values.description,
      defaultBranch: 'main',
      repoVisibility: 'internal',
      gitCommitMessage: `Onboard ${config.customer}`,
      secrets: { REGISTRY_TOKEN },
    },
    { workspacePath },
  );
  const envAction = createGithubEnvironmentAction({ integrations, catalog: catalogServiceMock() });
  for (const e of config.environments) {
    await run('environment', envAction, { repoUrl: config.repoUrl, name: e.name, secrets: { REGISTRY_TOKEN } });
  }
  await run('gitops', createLuffyGitopsProvisionAction({ clients: env.clients }), {
    gitopsRepo: config.gitopsRepo,
    customer: config.customer,
    environments: config.environments,
    secretNames: config.secretNames,
    argocd: config.argocd,
  });
  await run('ci', createLuffyGithubAwaitWorkflowAction({ clients: env.clients }), {
    repo: `${config.repoOwner}/${config.repoName}`,
    workflow: 'ci.yaml',
    timeoutSeconds: 120,
  });
  await run('healthy', createLuffyArgocdAwaitHealthyAction({ clients: env.clients }), {
    apps: config.appNames,
    timeoutSeconds: 120,
  });
  return { outputs, log };
}

async function gitopsHead() {
  const gh = await env.clients.github.forRepo('acme/gitops');
  return (await gh.octokit.rest.repos.getBranch({ owner: 'acme', repo: 'gitops', branch: 'main' })).data.commit.sha;
}
async function appNames() {
  return (await env.clients.argocd.listApplications()).map(a => a.metadata.name).sort();
}

describe('onboarding a customer against the sandbox', () => {
  it('creates the repo, a green CI run, three Synced and Healthy apps and running pods; a re-run changes nothing', async () => {
    const before = await env.githubCalls();
    const { outputs, log } = await onboard({ customer: 'globex', stack: 'python' });
    const after = await env.githubCalls();
    // figures for the record (the bench prints them at the default time scale)
    // eslint-disable-next-line no-console
    console.log(`onboarding: ${after.total - before.total} GitHub calls, ${after.content - before.content} content-creating`);

    const gh = await env.clients.github.forRepo('acme/globex');
    const tree = await gh.octokit.rest.git.getTree({ owner: 'acme', repo: 'globex', tree_sha: 'main', recursive: 'true' });
    const paths = tree.data.tree.map(t => t.path);
    expect(paths).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yaml', '.github/workflows/deploy.yaml', 'catalog-info.yaml', 'Dockerfile', 'app/main.py', 'tests/test_main.py', 'README.md']),
    );
    const catalogInfo = await gh.octokit.rest.repos.getContent({ owner: 'acme', repo: 'globex', path: 'catalog-info.yaml', mediaType: { format: 'raw' } });
    const docs = YAML.parseAllDocuments(String(catalogInfo.data)).map(d => d.toJS());
    expect(docs.map(d => `${d.kind}:${d.metadata.name}`)).toEqual(['System:globex', 'Component:globex']);
    expect(docs[1].metadata.annotations['argocd/app-selector']).toBe('backstage-name=globex');

    expect(outputs.ci).toMatchObject({ conclusion: 'success' });
    expect(outputs.healthy.statuses).toEqual([
      expect.objectContaining({ app: 'globex-dev', sync: 'Synced', health: 'Healthy' }),
      expect.objectContaining({ app: 'globex-preprod', sync: 'Synced', health: 'Healthy' }),
      expect.objectContaining({ app: 'globex-prod', sync: 'Synced', health: 'Healthy' }),
    ]);
    // the apps are found by the entity's argocd/app-selector
    expect((await env.clients.argocd.listApplications({ selector: 'backstage-name=globex' })).map(a => a.metadata.name).sort()).toEqual(['globex-dev', 'globex-preprod', 'globex-prod']);

    const pods = await waitFor(async () => {
      const [list] = await env.clients.kubernetes.list<any>(KUBERNETES_KINDS.pods, { labelSelector: 'backstage.io/kubernetes-id=globex' });
      const running = list.items.filter(p => p.status?.phase === 'Running');
      return running.length >= 4 ? running : undefined;
    }, 'globex pods running');
    expect(new Set(pods.map((p: any) => p.metadata.namespace))).toEqual(new Set(['globex-dev', 'globex-preprod', 'globex-prod']));
    expect(pods.filter((p: any) => p.metadata.namespace === 'globex-prod')).toHaveLength(2);

    const [ingresses] = await env.clients.kubernetes.list<any>({ group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress' }, { labelSelector: 'backstage.io/kubernetes-id=globex' });
    expect(ingresses.items.map((i: any) => i.spec.rules[0].host).sort()).toEqual(['globex.apps.example.test', 'globex.dev.apps.example.test', 'globex.preprod.apps.example.test']);

    // environment secrets exist (names only), and the value is nowhere in the log or outputs
    const secrets = await gh.octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', { owner: 'acme', repo: 'globex', environment_name: 'prod' });
    expect(secrets.data.secrets.map((s: any) => s.name)).toContain('REGISTRY_TOKEN');
    expect(log.join('\n')).not.toContain(REGISTRY_TOKEN);
    expect(JSON.stringify(outputs)).not.toContain(REGISTRY_TOKEN);

    // re-run: nothing changes in the GitOps repo or Argo CD
    const head = await gitopsHead();
    const apps = await appNames();
    const again = actionContext({
      gitopsRepo: outputs.config.gitopsRepo,
      customer: 'globex',
      environments: outputs.config.environments,
      secretNames: outputs.config.secretNames,
      argocd: outputs.config.argocd,
    });
    await createLuffyGitopsProvisionAction({ clients: env.clients }).handler(again.ctx);
    expect(again.outputs.changed).toBe(false);
    expect(again.lines.join('\n')).toContain('nothing to change');
    expect(await gitopsHead()).toBe(head);
    expect(await appNames()).toEqual(apps);
  });

  it('a dry run reports what it would write and creates nothing', async () => {
    const head = await gitopsHead();
    const apps = await appNames();
    const { outputs, log } = await onboard({ customer: 'initech', stack: 'go', dryRun: true });
    expect(outputs.gitops.changed).toBe(false);
    expect(outputs.gitops.files).toEqual(expect.arrayContaining([{ path: 'argocd/apps/initech-prod.yaml', action: 'create' }]));
    expect(log.join('\n')).toContain('Dry run: would write argocd/apps/initech-dev.yaml');
    expect(await gitopsHead()).toBe(head);
    expect(await appNames()).toEqual(apps);
  });
});
