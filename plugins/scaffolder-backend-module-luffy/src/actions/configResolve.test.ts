import { ConfigReader } from '@backstage/config';
import { createLuffyConfigResolveAction } from './configResolve';
import { actionContext } from '../__testUtils__/onboarding';

const config = new ConfigReader({
  integrations: { github: [{ host: 'ghe.example.test', token: 't' }] },
  luffy: {
    gitops: { repo: 'acme/gitops' },
    onboarding: {
      defaults: { repoOwner: 'customers', replicas: 1, ingress: { clusterIssuer: 'letsencrypt-prod' } },
      stacks: { go: { containerPort: 9090 } },
      environments: { prod: { replicas: 3 } },
    },
  },
});
const action = createLuffyConfigResolveAction({ config });
const base = {
  customer: 'globex',
  stack: 'go',
  baseHostname: 'apps.example.test',
  owner: 'group:default/platform-team',
};

async function resolve(input: Record<string, unknown>) {
  const c = actionContext({ ...base, ...input });
  await action.handler(c.ctx);
  return c;
}

describe('luffy:config:resolve', () => {
  it('merges org → stack → customer → environment and names the origin of every override', async () => {
    const { outputs, lines } = await resolve({
      overrides: { customer: { resources: { limits: { cpu: '1' } } }, environments: { dev: { replicas: 0 } } },
    });
    const byName = Object.fromEntries(outputs.environments.map((e: any) => [e.name, e]));
    expect(Object.keys(byName)).toEqual(['dev', 'preprod', 'prod']);
    expect(byName.prod.replicas).toBe(3);
    expect(byName.dev.replicas).toBe(0);
    expect(byName.preprod.replicas).toBe(1);
    expect(byName.dev.containerPort).toBe(9090);
    expect(byName.dev.resources.limits).toEqual({ cpu: '1', memory: '128Mi' });
    expect(byName.dev.ingress.clusterIssuer).toBe('letsencrypt-prod');
    expect(byName.prod.hostname).toBe('globex.apps.example.test');
    expect(byName.dev.hostname).toBe('globex.dev.apps.example.test');
    expect(byName.dev).toMatchObject({ namespace: 'globex-dev', argocdApp: 'globex-dev', url: 'https://globex.dev.apps.example.test' });
    expect(outputs.repoUrl).toBe('ghe.example.test?owner=customers&repo=globex');
    expect(outputs.appNames).toEqual(['globex-dev', 'globex-preprod', 'globex-prod']);
    expect(outputs.values).toMatchObject({ name: 'globex', system: 'globex', repoOwner: 'customers', gitopsRepo: 'acme/gitops', firstEnvironment: 'dev' });

    expect(outputs.overrides).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'containerPort', value: 9090, source: 'app-config luffy.onboarding.stacks.go', overrides: expect.objectContaining({ source: 'stack go', value: 8080 }) }),
        expect.objectContaining({ path: 'repoOwner', layer: 'org', value: 'customers' }),
        expect.objectContaining({ path: 'resources.limits.cpu', layer: 'customer', value: '1' }),
        expect.objectContaining({ environment: 'prod', path: 'replicas', value: 3, source: 'app-config luffy.onboarding.environments.prod' }),
        expect.objectContaining({ environment: 'dev', path: 'replicas', value: 0, source: 'environment dev' }),
      ]),
    );
    expect(lines.join('\n')).toContain('[prod] replicas = 3 from app-config luffy.onboarding.environments.prod (environment), overrides 1 from app-config luffy.onboarding.defaults');
  });

  it("names CI's registry login secret: GITHUB_TOKEN by default, REGISTRY_TOKEN when a token is given", async () => {
    expect((await resolve({})).outputs.values.registrySecret).toBe('GITHUB_TOKEN');
    expect((await resolve({ registryToken: false })).outputs.values.registrySecret).toBe('GITHUB_TOKEN');
    expect((await resolve({ registryToken: true })).outputs.values.registrySecret).toBe('REGISTRY_TOKEN');
  });

  it('reuses an existing repository given as owner/repo or URL', async () => {
    expect((await resolve({ existingRepo: 'https://ghe.example.test/acme/legacy-svc.git' })).outputs).toMatchObject({ existingRepo: true, repoOwner: 'acme', repoName: 'legacy-svc' });
    expect((await resolve({ existingRepo: 'acme/legacy' })).outputs).toMatchObject({ existingRepo: true, repoName: 'legacy' });
    expect((await resolve({ existingRepo: '' })).outputs).toMatchObject({ existingRepo: false, repoName: 'globex' });
  });

  it('keeps the environment in the prod host when prodDropsEnv is off', async () => {
    const { outputs } = await resolve({ overrides: { customer: { ingress: { prodDropsEnv: false } } } });
    expect(outputs.environments[2].hostname).toBe('globex.prod.apps.example.test');
  });

  it.each([
    [{ customer: 'Globex' }, /Customer name "Globex" is not a DNS label/],
    [{ customer: 'g' }, /2–40/],
    [{ customer: 'x'.repeat(41) }, /2–40/],
    [{ customer: '-globex' }, /not a DNS label/],
    [{ customer: '../etc' }, /not a DNS label/],
    [{ stack: 'ruby' }, /Stack "ruby" is not supported: use one of node, python, go/],
    [{ baseHostname: 'https://apps.example.test' }, /Base hostname .* is not a host name/],
    [{ baseHostname: 'apps..example' }, /is not a host name/],
    [{ environments: ['Prod'] }, /Environment name "Prod"/],
    [{ environments: ['dev', 'dev'] }, /duplicate/],
    [{ existingRepo: 'a/b/c' }, /must be owner\/repo/],
    [{ existingRepo: 'acme/..' }, /invalid owner or repository name/],
    [{ existingRepo: ['java', 'script:alert(1)'].join('') }, /must be owner\/repo/],
    [{ existingRepo: 'file:///etc/passwd' }, /only http\(s\) URLs/],
    [{ secretNames: ['GITHUB_TOKEN'] }, /not a valid secret name/],
    [{ secretNames: ['A B'] }, /not a valid secret name/],
    [{ owner: 'group:default/x; rm -rf /' }, /not an entity reference/],
  ])('refuses %j with the reason and the fix', async (input, message) => {
    const c = actionContext({ ...base, ...input });
    await expect(action.handler(c.ctx)).rejects.toThrow(message);
    expect(c.ctx.output).not.toHaveBeenCalled();
  });
});
