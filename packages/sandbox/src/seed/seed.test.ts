import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { SandboxContext } from '../core/context';
import { FakeCluster } from '../argocd/__testUtils__';
import { seedGitopsDemo, gitopsFiles, BOT_AUTHOR } from '.';

const APPS = 'argoproj.io/v1alpha1/applications';

// git work on a shared, loaded machine
jest.setTimeout(30_000);

describe('seedGitopsDemo', () => {
  let dir: string;
  let ctx: SandboxContext;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-seed-'));
    ctx = new SandboxContext({
      dataDir: dir,
      seed: false,
      logger: { info() {}, warn() {}, error() {} },
    });
    ctx.cluster = new FakeCluster();
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the repo, namespaces, the root Application and the nine it manages, idempotently', async () => {
    await seedGitopsDemo(ctx);
    const head = await ctx.git.resolve('acme', 'gitops', 'refs/heads/main');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    const files = await ctx.git.listFiles('acme', 'gitops', head!);
    expect(files).toEqual(
      expect.arrayContaining([
        'apps/checkout/dev/deployment.yaml',
        'apps/checkout/prod/ingress.yaml',
        'apps/recommender/preprod/service.yaml',
        'apps/inventory/prod/values.yaml',
        'charts/service/Chart.yaml',
        'charts/service/templates/_helpers.tpl',
        'argocd/root.yaml',
        'argocd/apps/checkout-dev.yaml',
        'argocd/apps/inventory-prod.yaml',
      ]),
    );
    const log = await ctx.git.git('acme', 'gitops', [
      'log',
      '--format=%an <%ae>',
      'main',
    ]);
    expect(log.trim()).toBe(`${BOT_AUTHOR.name} <${BOT_AUTHOR.email}>`);

    const apps = ctx.cluster.list(APPS, { namespace: 'argocd' }).items;
    expect(apps.map(a => a.metadata.name).sort()).toEqual([
      'checkout-dev',
      'checkout-preprod',
      'checkout-prod',
      'inventory-dev',
      'inventory-preprod',
      'inventory-prod',
      'recommender-dev',
      'recommender-preprod',
      'recommender-prod',
      'root',
    ]);
    for (const a of apps)
      expect(() => new Application(a as any).validate()).not.toThrow();
    const inv = apps.find(a => a.metadata.name === 'inventory-preprod')!;
    expect(inv.metadata.labels).toEqual({
      'backstage-name': 'inventory',
      'openluffy.io/env': 'preprod',
      'openluffy.io/customer': 'acme',
      // managed by the root Application (app of apps)
      'app.kubernetes.io/instance': 'root',
    });
    // the bootstrap applied what git says, as the root app would
    const inGit = YAML.parse(
      (await ctx.git.readFile(
        'acme',
        'gitops',
        'main',
        'argocd/apps/inventory-preprod.yaml',
      ))!.toString(),
    );
    expect(inv.spec).toEqual(inGit.spec);
    const root = apps.find(a => a.metadata.name === 'root')!;
    expect(root.spec.source).toMatchObject({
      path: 'argocd/apps',
      targetRevision: 'main',
    });
    expect(root.spec.destination.namespace).toBe('argocd');
    expect(inv.spec).toMatchObject({
      project: 'default',
      source: {
        repoURL: 'http://127.0.0.1:18083/acme/gitops.git',
        path: 'charts/service',
        targetRevision: 'main',
        helm: { valueFiles: ['../../apps/inventory/preprod/values.yaml'] },
      },
      destination: { namespace: 'acme-preprod' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    for (const ns of ['acme-dev', 'acme-preprod', 'acme-prod'])
      expect(ctx.cluster.get('v1/namespaces', undefined, ns)).toBeDefined();

    // second run: nothing new
    await seedGitopsDemo(ctx);
    expect(await ctx.git.resolve('acme', 'gitops', 'refs/heads/main')).toBe(
      head,
    );
    expect(ctx.cluster.list(APPS, { namespace: 'argocd' }).items).toHaveLength(
      10,
    );
  });

  it('adds only missing files to an existing repository', async () => {
    await ctx.git.create('acme', 'gitops');
    await ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message: 'init',
      author: BOT_AUTHOR,
      files: { 'README.md': '# mine\n' },
    });
    await seedGitopsDemo(ctx);
    expect(
      (await ctx.git.readFile(
        'acme',
        'gitops',
        'main',
        'README.md',
      ))!.toString(),
    ).toBe('# mine\n');
    expect(
      await ctx.git.readFile(
        'acme',
        'gitops',
        'main',
        'apps/checkout/dev/deployment.yaml',
      ),
    ).toBeDefined();
  });

  it('writes valid, healthy-by-design manifests', () => {
    const files = gitopsFiles();
    for (const service of ['checkout', 'recommender']) {
      for (const [env, replicas] of [
        ['dev', 1],
        ['preprod', 2],
        ['prod', 3],
      ] as const) {
        const deploy = YAML.parse(
          files[`apps/${service}/${env}/deployment.yaml`],
        );
        expect(() => new Deployment(deploy).validate()).not.toThrow();
        expect(deploy.spec.replicas).toBe(replicas);
        const c = deploy.spec.template.spec.containers[0];
        expect(c.image).toBe(`registry.acme.example/${service}:1.4.2`);
        const env2 = Object.fromEntries(
          c.env.map((e: any) => [e.name, e.value]),
        );
        expect(env2.DEMO_MEMORY_DEMAND).toBe('180Mi');
        expect(c.resources.limits.memory).toBe('256Mi');
        for (const required of env2.DEMO_REQUIRED_ENV.split(','))
          expect(env2[required]).toEqual(expect.any(String));
        expect(c.readinessProbe.httpGet.path).toBe('/healthz');
        expect(deploy.metadata.labels).toMatchObject({
          'app.kubernetes.io/name': service,
          'backstage.io/kubernetes-id': service,
          'openluffy.io/env': env,
        });
        const svc = YAML.parse(files[`apps/${service}/${env}/service.yaml`]);
        expect(() => new Service(svc).validate()).not.toThrow();
        const ing = YAML.parse(files[`apps/${service}/${env}/ingress.yaml`]);
        expect(() => new Ingress(ing).validate()).not.toThrow();
        expect(ing.spec.rules[0].host).toBe(`${service}.${env}.acme.example`);
      }
    }
    expect(files['apps/checkout/dev/deployment.yaml']).toMatch(/^# /);
  });
});
