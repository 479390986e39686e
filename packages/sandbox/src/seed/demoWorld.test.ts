import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { catalogInfo } from '../github/seed';
import { matchLabels } from '../argocd/labels';
import {
  CUSTOMER,
  CUSTOMER_TITLE,
  DEMO_SERVICES,
  ENVIRONMENTS,
  OWNER,
  REPLICAS,
  ROOT_APPLICATION,
  appName,
  catalogComponent,
  gitopsFiles,
  imageFor,
  namespaceFor,
} from './manifests';

/** catalog/acme.yaml, the demo catalog Backstage reads. */
const catalog = YAML.parseAllDocuments(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../catalog/acme.yaml'),
    'utf8',
  ),
)
  .map(d => d.toJS())
  .filter(Boolean);

describe('the demo world (demoWorld.ts)', () => {
  const files = gitopsFiles();

  /** Where an app's source points and what it deploys (plain manifests or chart values). */
  const deployed = (app: any, dir: string) => {
    const base = {
      path: app.spec.source.path,
      valueFiles: app.spec.source.helm?.valueFiles,
    };
    const valuesFile = files[`${dir}/values.yaml`];
    if (valuesFile) {
      const values = YAML.parse(valuesFile);
      return {
        ...base,
        image: `${values.image.repository}:${values.image.tag}`,
        replicas: values.replicaCount,
        kubernetesId: values.name,
      };
    }
    const deploy = YAML.parse(files[`${dir}/deployment.yaml`]);
    return {
      ...base,
      image: deploy.spec.template.spec.containers[0].image,
      replicas: deploy.spec.replicas,
      kubernetesId: deploy.metadata.labels['backstage.io/kubernetes-id'],
    };
  };

  it('is what catalog/acme.yaml describes', () => {
    const system = catalog.find(e => e.kind === 'System');
    expect(system.metadata).toMatchObject({
      name: CUSTOMER,
      title: CUSTOMER_TITLE,
    });
    expect(system.spec.owner).toBe(OWNER);
    const components = catalog.filter(e => e.kind === 'Component');
    expect(components.map(c => c.metadata.name).sort()).toEqual(
      DEMO_SERVICES.map(s => s.name).sort(),
    );
    for (const s of DEMO_SERVICES) {
      expect(components.find(c => c.metadata.name === s.name)).toEqual(
        catalogComponent(s),
      );
    }
  });

  it("is what the GitHub seed writes into each repo's catalog-info.yaml", () => {
    for (const s of DEMO_SERVICES) {
      const info = YAML.parse(catalogInfo(s, 'http://127.0.0.1:18083'));
      expect(info.metadata.annotations['backstage.io/source-location']).toBe(
        `url:http://127.0.0.1:18083/acme/${s.name}/tree/main/`,
      );
      delete info.metadata.annotations['backstage.io/source-location'];
      expect(info).toEqual(
        catalog.find(e => e.kind === 'Component' && e.metadata.name === s.name),
      );
    }
  });

  it('is what the GitOps seed deploys, where the catalog annotations point', () => {
    const root = YAML.parse(files['argocd/root.yaml']);
    expect(root.metadata.name).toBe(ROOT_APPLICATION);
    expect(root.spec.source.path).toBe('argocd/apps');
    for (const component of catalog.filter(e => e.kind === 'Component')) {
      const a = component.metadata.annotations;
      const s = DEMO_SERVICES.find(d => d.name === component.metadata.name)!;
      const apps = Object.entries(files)
        .filter(([p]) => p.startsWith('argocd/apps/'))
        .map(([, text]) => YAML.parse(text))
        .filter(app =>
          matchLabels(app.metadata.labels, a['argocd/app-selector']),
        );
      expect(apps.map(app => app.metadata.name).sort()).toEqual(
        ENVIRONMENTS.map(env => appName(s.name, env)).sort(),
      );
      expect(a['openluffy.io/gitops-repo']).toBe('acme/gitops');
      for (const env of ENVIRONMENTS) {
        const app = apps.find(
          x => x.metadata.labels['openluffy.io/env'] === env,
        );
        expect(app.spec.destination.namespace).toBe(namespaceFor(env));
        const dir = a['openluffy.io/gitops-path'].replace('{env}', env);
        const inDir = Object.keys(files).filter(p => p.startsWith(`${dir}/`));
        expect(inDir.length).toBeGreaterThan(0);
        expect(deployed(app, dir)).toEqual({
          // helm: the chart with the environment's values from the gitops path
          path: s.source === 'helm' ? 'charts/service' : dir,
          valueFiles:
            s.source === 'helm' ? [`../../${dir}/values.yaml`] : undefined,
          image: imageFor(s.name),
          replicas: REPLICAS[env],
          kubernetesId: a['backstage.io/kubernetes-id'],
        });
      }
      expect(a['github.com/project-slug']).toBe(`acme/${s.name}`);
    }
  });
});
