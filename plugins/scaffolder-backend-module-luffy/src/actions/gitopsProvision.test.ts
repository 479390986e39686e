import { createGitopsRepo } from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS } from '@openluffy/sandbox';
import YAML from 'yaml';
import { createLuffyGitopsProvisionAction, type ProvisionInput } from './gitopsProvision';
import { actionContext, startOnboardingSandbox } from '../__testUtils__/onboarding';

jest.setTimeout(120_000);

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const environment = (customer: string, name: string, hostname = `${customer}.${name}.apps.example.test`) => ({
  name,
  namespace: `${customer}-${name}`,
  hostname,
  argocdApp: `${customer}-${name}`,
  replicas: 1,
  containerPort: 8080,
  image: { repository: `registry.acme.example/${customer}`, tag: 'latest' },
  ingress: { className: 'nginx', clusterIssuer: 'letsencrypt' },
});
const input = (customer: string, extra: Partial<ProvisionInput> = {}): ProvisionInput => ({
  gitopsRepo: 'acme/gitops',
  customer,
  environments: [environment(customer, 'dev'), environment(customer, 'prod', `${customer}.apps.example.test`)],
  secretNames: ['DATABASE_URL'],
  ...extra,
});

async function gitops() {
  const github = await env.clients.github.forRepo('acme/gitops');
  const repo = createGitopsRepo({ github, owner: 'acme', repo: 'gitops' });
  const commits = async () => (await github.octokit.rest.repos.listCommits({ owner: 'acme', repo: 'gitops', per_page: 100 })).data.length;
  return { github, repo, head: () => repo.branchSha('main'), commits };
}

async function provision(i: ProvisionInput, opts: { isDryRun?: boolean } = {}) {
  const c = actionContext(i as any, opts);
  await createLuffyGitopsProvisionAction({ clients: env.clients }).handler(c.ctx);
  return c;
}

describe('luffy:gitops:provision', () => {
  it('writes every file in ONE commit, validated, and a re-run changes nothing', async () => {
    const g = await gitops();
    const before = await g.commits();
    const calls0 = await env.githubCalls();
    const { outputs } = await provision(input('hooli'));
    const calls1 = await env.githubCalls();
    expect(outputs.changed).toBe(true);
    // repo and branch protection (commit or PR), the tarball, then tree, commit and ref: the
    // tree is not read again (its sha is worked out from the tarball)
    const made = Object.keys(calls1.counters).filter(k => calls1.counters[k] !== calls0.counters[k]);
    expect(Object.fromEntries(made.map(k => [k.replace(/^github | \/api\/v3\/repos\/:owner\/:repo/g, ''), calls1.counters[k] - (calls0.counters[k] ?? 0)]))).toEqual({
      GET: 1,
      'GET/branches/:branch/protection': 1,
      'GET/tarball/:ref': 1,
      'POST/git/trees': 1,
      'POST/git/commits': 1,
      'PATCH/git/refs/:ref': 1,
    });
    expect(await g.commits()).toBe(before + 1);
    expect(outputs.files.map((f: any) => `${f.action} ${f.path}`).sort()).toEqual([
      'create apps/hooli/dev/external-secrets.yaml',
      'create apps/hooli/dev/values.yaml',
      'create apps/hooli/prod/external-secrets.yaml',
      'create apps/hooli/prod/values.yaml',
      'create argocd/apps/hooli-dev.yaml',
      'create argocd/apps/hooli-prod.yaml',
    ]);
    const app = YAML.parse((await g.repo.readFile('argocd/apps/hooli-prod.yaml'))!.content);
    expect(app.metadata.labels).toEqual({ 'backstage-name': 'hooli', 'openluffy.io/env': 'prod', 'openluffy.io/customer': 'hooli' });
    expect(app.spec.syncPolicy).toMatchObject({ automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] });
    expect(app.spec.destination.namespace).toBe('hooli-prod');
    expect(app.spec.source).toMatchObject({ path: 'charts/service', helm: { valueFiles: ['../../apps/hooli/prod/values.yaml'] } });
    const values = YAML.parse((await g.repo.readFile('apps/hooli/prod/values.yaml'))!.content);
    expect(values.ingress).toMatchObject({
      host: 'hooli.apps.example.test',
      annotations: { 'external-dns.alpha.kubernetes.io/hostname': 'hooli.apps.example.test', 'cert-manager.io/cluster-issuer': 'letsencrypt' },
    });
    const secrets = (await g.repo.readFile('apps/hooli/dev/external-secrets.yaml'))!.content;
    expect(YAML.parse(secrets).spec.data).toEqual([{ secretKey: 'DATABASE_URL', remoteRef: { key: 'hooli/dev/DATABASE_URL' } }]);

    const head = await g.head();
    const again = await provision(input('hooli'));
    expect(again.outputs.changed).toBe(false);
    expect(again.lines.join('\n')).toContain('Everything is already in place');
    expect(await g.head()).toBe(head);
  });

  it('a re-run after a half-done change finishes what is missing and keeps a bumped image tag', async () => {
    const g = await gitops();
    await provision(input('pied'));
    const values = (await g.repo.readFile('apps/pied/dev/values.yaml'))!.content;
    await g.repo.commitFiles({
      message: 'deploy pied abc123 to dev; lose an app',
      files: [
        { path: 'apps/pied/dev/values.yaml', content: values.replace('tag: latest', 'tag: abc123') },
        { path: 'argocd/apps/pied-prod.yaml', content: null },
      ],
    });
    const { outputs } = await provision(input('pied'));
    expect(outputs.files.filter((f: any) => f.action !== 'unchanged')).toEqual([{ path: 'argocd/apps/pied-prod.yaml', action: 'create' }]);
    expect((await g.repo.readFile('apps/pied/dev/values.yaml'))!.content).toContain('tag: abc123');
  });

  it('a dry run reports every file and writes nothing', async () => {
    const g = await gitops();
    const head = await g.head();
    const { outputs, lines } = await provision(input('umbrella'), { isDryRun: true });
    expect(outputs.changed).toBe(false);
    expect(outputs.files).toHaveLength(6);
    expect(lines.join('\n')).toContain('Dry run: would write argocd/apps/umbrella-dev.yaml');
    expect(await g.head()).toBe(head);
  });

  it('opens ONE pull request instead of committing when reviews are required', async () => {
    const g = await gitops();
    const head = await g.head();
    const { outputs } = await provision(input('vandelay', { requireReview: 'always' }));
    expect(outputs.pullRequestUrl).toMatch(/\/acme\/gitops\/pull\/\d+$/);
    expect(await g.head()).toBe(head);
    const pr = await g.github.octokit.rest.pulls.get({ owner: 'acme', repo: 'gitops', pull_number: Number(outputs.pullRequestUrl.split('/').pop()) });
    expect(pr.data.head.ref).toBe('luffy/onboard-vandelay');
    const files = await g.github.octokit.rest.pulls.listFiles({ owner: 'acme', repo: 'gitops', pull_number: pr.data.number });
    expect(files.data).toHaveLength(6);
  });

  it('refuses a hostname another service uses in the GitOps repository, before writing anything', async () => {
    const g = await gitops();
    const head = await g.head();
    // checkout (the demo's acme service) has checkout.dev.acme.example in apps/checkout/dev/ingress.yaml
    const taken = input('initrode', { environments: [environment('initrode', 'dev', 'checkout.dev.acme.example')] });
    await expect(provision(taken)).rejects.toThrow(/Hostname checkout.dev.acme.example \(dev\) is already used by acme\/gitops:apps\/checkout\/dev\/ingress.yaml: choose another customer name or base hostname/);
    // committed Helm values count too, though nothing is deployed from them yet
    await g.repo.commitFiles({
      message: 'wonka (not synced yet)',
      files: [{ path: 'apps/wonka/dev/values.yaml', content: 'name: wonka\ningress:\n  enabled: true\n  host: wonka.dev.apps.example.test\n' }],
    });
    const head2 = await g.head();
    const clash = input('initrode', { environments: [environment('initrode', 'dev', 'wonka.dev.apps.example.test')] });
    await expect(provision(clash)).rejects.toThrow(/Hostname wonka.dev.apps.example.test \(dev\) is already used by acme\/gitops:apps\/wonka\/dev\/values.yaml/);
    expect(await g.head()).toBe(head2);
    expect(head2).not.toBe(head);
  });

  it('refuses a hostname a live ingress serves that git does not know', async () => {
    const g = await gitops();
    const head = await g.head();
    const res = await fetch(`${env.urls.kubernetes}/apis/networking.k8s.io/v1/namespaces/default/ingresses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEFAULT_TOKENS.kubernetes}` },
      body: JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'by-hand', namespace: 'default', labels: { 'app.kubernetes.io/name': 'by-hand' } },
        spec: { rules: [{ host: 'byhand.dev.apps.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'x', port: { number: 80 } } } }] } }] },
      }),
    });
    expect(res.status).toBe(201);
    const taken = input('initrode', { environments: [environment('initrode', 'dev', 'byhand.dev.apps.example.test')] });
    await expect(provision(taken)).rejects.toThrow(/Hostname byhand.dev.apps.example.test \(dev\) is already served by by-hand \(ingress default\/by-hand in cluster sandbox\)/);
    expect(await g.head()).toBe(head);
  });

  it.each([
    [{ gitopsRepo: '../../etc/passwd' }, /GitOps repository/],
    [{ customer: 'Bad_Name' }, /Customer name/],
    [{ argocd: { appsPath: '../outside' } }, /not a safe relative path/],
    [{ argocd: { chartPath: '/abs/chart' } }, /not a safe relative path/],
    [{ environments: [{ ...environment('ok', 'dev'), hostname: 'evil.com/x' }] }, /Hostname of dev/],
    [{ environments: [{ ...environment('ok', 'dev'), image: { repository: 'registry.acme.example/ok', tag: '$(curl evil)' } }] }, /not a valid tag/],
    [{ secretNames: ['x-y'] }, /not a valid secret name/],
  ])('refuses hostile input %j before any GitHub call', async (bad, message) => {
    const calls: string[] = [];
    const trap = new Proxy({}, { get: (_t, p) => { calls.push(String(p)); throw new Error(`client used: ${String(p)}`); } });
    const c = actionContext({ ...input('ok'), ...bad } as any);
    await expect(createLuffyGitopsProvisionAction({ clients: { github: trap, kubernetes: trap } as any }).handler(c.ctx)).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });
});
