import { createGitopsRepo } from '@openluffy/plugin-luffy-node';
import YAML from 'yaml';
import { createLuffyArgocdAwaitHealthyAction } from './argocdAwaitHealthy';
import { actionContext, startOnboardingSandbox } from '../__testUtils__/onboarding';

jest.setTimeout(120_000);

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const run = async (input: Record<string, unknown>) => {
  const c = actionContext(input);
  await createLuffyArgocdAwaitHealthyAction({ clients: env.clients }).handler(c.ctx);
  return c;
};

describe('luffy:argocd:await-healthy', () => {
  it('waits for Synced and Healthy and outputs a status table per environment', async () => {
    const { outputs } = await run({
      apps: ['inventory-dev', 'inventory-prod'],
      environments: [
        { name: 'dev', argocdApp: 'inventory-dev', url: 'https://inventory.dev.acme.example' },
        { name: 'prod', argocdApp: 'inventory-prod', url: 'https://inventory.prod.acme.example' },
      ],
    });
    expect(outputs.statuses).toEqual([
      expect.objectContaining({ app: 'inventory-dev', sync: 'Synced', health: 'Healthy', instance: 'sandbox' }),
      expect.objectContaining({ app: 'inventory-prod', sync: 'Synced', health: 'Healthy' }),
    ]);
    expect(outputs.table).toContain('| dev | [inventory.dev.acme.example](https://inventory.dev.acme.example) | [inventory-dev](');
    expect(outputs.table).toContain('/applications/argocd/inventory-dev) | Synced | Healthy |');
  });

  it('waits for an Application the root app creates from git after a commit', async () => {
    const github = await env.clients.github.forRepo('acme/gitops');
    const repo = createGitopsRepo({ github, owner: 'acme', repo: 'gitops' });
    const app = YAML.parse((await repo.readFile('argocd/apps/inventory-dev.yaml'))!.content);
    app.metadata.name = 'inventory-copy';
    app.spec.destination.namespace = 'copy-dev';
    const pending = run({ apps: ['inventory-copy'], timeoutSeconds: 60 });
    await repo.commitFiles({ message: 'add inventory-copy', files: [{ path: 'argocd/apps/inventory-copy.yaml', content: YAML.stringify(app) }] });
    const { outputs, lines } = await pending;
    expect(outputs.statuses[0]).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    expect(lines.join('\n')).toMatch(/Waiting for Argo CD to create inventory-copy from git|inventory-copy: /);
  });

  it('on timeout fails with Argo CD\'s message and the unhealthy resource', async () => {
    const github = await env.clients.github.forRepo('acme/gitops');
    const repo = createGitopsRepo({ github, owner: 'acme', repo: 'gitops' });
    const values = (await repo.readFile('apps/inventory/preprod/values.yaml'))!.content;
    await repo.commitFiles({
      message: 'crash inventory in preprod',
      files: [{ path: 'apps/inventory/preprod/values.yaml', content: values.replace('env_vars:\n', 'env_vars:\n  DEMO_CRASH_ON_START: "true"\n') }],
    });
    await expect(run({ apps: ['inventory-preprod'], timeoutSeconds: 8 })).rejects.toThrow(/inventory-preprod.*(Degraded|Progressing).*Deployment/s);
  });

  it('a missing application ends with a message naming the root app', async () => {
    await expect(run({ apps: ['nobody-dev'], timeoutSeconds: 2 })).rejects.toThrow(/Argo CD has no application nobody-dev after 2s: is root \(the app of apps\) syncing/);
  });

  it('refuses hostile names before any call', async () => {
    const c = actionContext({ apps: ['../x'] });
    await expect(createLuffyArgocdAwaitHealthyAction({ clients: { argocd: undefined as any } }).handler(c.ctx)).rejects.toThrow(/not a DNS label/);
  });
});
