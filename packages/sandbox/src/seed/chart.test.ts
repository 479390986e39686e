import YAML from 'yaml';
import { renderChart } from '../argocd/helm';
import { gitopsFiles } from './manifests';

/** The shared chart `charts/service` of the demo GitOps repo, rendered like Argo CD does. */
function render(values: string) {
  const all = gitopsFiles();
  const chart = Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith('charts/service/'))
      .map(([k, v]) => [k.slice('charts/service/'.length), v]),
  );
  const out = renderChart(chart, {
    releaseName: 'globex-dev',
    namespace: 'globex-dev',
    valueFiles: [{ name: 'values.yaml', content: values }],
  });
  return out.flatMap(t => t.documents.map(d => YAML.parse(d)));
}

// what luffy:gitops:provision (the New Customer template) writes
const ONBOARDED = `name: globex
env: dev
replicaCount: 1
image:
  repository: registry.acme.example/globex
  tag: latest
containerPort: 8000
ingress:
  enabled: true
  className: nginx
  host: globex.dev.apps.example.test
  annotations:
    external-dns.alpha.kubernetes.io/hostname: globex.dev.apps.example.test
    cert-manager.io/cluster-issuer: letsencrypt
  tls:
    - hosts: [globex.dev.apps.example.test]
      secretName: globex-dev-tls
externalSecrets:
  store: platform-secrets
  target: globex-secrets
  names: [DATABASE_URL, API_KEY]
`;

describe('charts/service (demo GitOps seed)', () => {
  it('renders the ingress annotations (external-dns, cert-manager) and TLS that onboarding writes', () => {
    const ingress = render(ONBOARDED).find(o => o.kind === 'Ingress');
    expect(ingress.metadata.annotations).toEqual({
      'external-dns.alpha.kubernetes.io/hostname':
        'globex.dev.apps.example.test',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    expect(ingress.spec.tls).toEqual([
      { hosts: ['globex.dev.apps.example.test'], secretName: 'globex-dev-tls' },
    ]);
    expect(ingress.spec.rules[0].host).toBe('globex.dev.apps.example.test');
  });

  it('makes every referenced secret an environment variable read from the target Secret', () => {
    const deployment = render(ONBOARDED).find(o => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      {
        name: 'DATABASE_URL',
        valueFrom: {
          secretKeyRef: { name: 'globex-secrets', key: 'DATABASE_URL' },
        },
      },
      {
        name: 'API_KEY',
        valueFrom: { secretKeyRef: { name: 'globex-secrets', key: 'API_KEY' } },
      },
    ]);
  });

  it('renders the ExternalSecret itself only when asked (it needs the external-secrets CRDs)', () => {
    expect(
      render(ONBOARDED)
        .map(o => o.kind)
        .sort(),
    ).toEqual(['Deployment', 'Ingress', 'Service']);
    const es = render(`${ONBOARDED}  createExternalSecret: true\n`).find(
      o => o.kind === 'ExternalSecret',
    );
    expect(es).toMatchObject({
      apiVersion: 'external-secrets.io/v1beta1',
      metadata: { name: 'globex-secrets' },
      spec: {
        secretStoreRef: {
          kind: 'ClusterSecretStore',
          name: 'platform-secrets',
        },
        target: { name: 'globex-secrets', creationPolicy: 'Owner' },
        data: [
          {
            secretKey: 'DATABASE_URL',
            remoteRef: { key: 'globex/dev/DATABASE_URL' },
          },
          { secretKey: 'API_KEY', remoteRef: { key: 'globex/dev/API_KEY' } },
        ],
      },
    });
  });

  it('renders the demo inventory values as before: plain env, no annotations, no TLS', () => {
    const objects = render(gitopsFiles()['apps/inventory/dev/values.yaml']);
    const ingress = objects.find(o => o.kind === 'Ingress');
    expect(ingress.metadata.annotations).toBeUndefined();
    expect(ingress.spec.tls).toBeUndefined();
    const env = objects.find(o => o.kind === 'Deployment').spec.template.spec
      .containers[0].env;
    expect(
      env.every((e: any) => typeof e.value === 'string' && !e.valueFrom),
    ).toBe(true);
    expect(env.map((e: any) => e.name)).toContain('DEMO_REQUIRED_ENV');
  });
});
