import { InputError } from '@backstage/errors';
import {
  editYamlDocuments,
  findYamlDocument,
  parseYamlDocuments,
} from './yamlDocuments';

const manifest = `# Deployment of checkout (dev)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout # the service
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/checkout:1.4.2
          resources:
            limits:
              memory: 128Mi   # too low?
---
apiVersion: v1
kind: Service
metadata:
  name: checkout
`;

describe('editYamlDocuments', () => {
  it('changes one value and keeps comments, order and the other documents byte for byte', () => {
    const out = editYamlDocuments(manifest, docs => {
      const d = findYamlDocument(docs, { kind: 'Deployment', name: 'checkout' })!;
      d.setIn(['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory'], '256Mi');
    });
    expect(out).toBe(manifest.replace('memory: 128Mi', 'memory: 256Mi'));
  });

  it('keeps the text byte for byte for number and string changes, quoting strings that need it', () => {
    const out = editYamlDocuments(manifest, docs => {
      docs[0].setIn(['spec', 'replicas'], 3);
      docs[0].setIn(['spec', 'template', 'spec', 'containers', 0, 'image'], 'ghcr.io/acme/checkout:1.5.0');
      docs[1].setIn(['metadata', 'name'], 'true');
    });
    expect(out).toBe(
      manifest
        .replace('replicas: 1', 'replicas: 3')
        .replace('checkout:1.4.2', 'checkout:1.5.0')
        .replace(/name: checkout\n$/, 'name: "true"\n'),
    );
    expect(parseYamlDocuments(out)[1].getIn(['metadata', 'name'])).toBe('true');
  });

  it('falls back to the Document serialiser for structural changes, keeping comments', () => {
    const out = editYamlDocuments(manifest, docs => {
      docs[0].setIn(['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests'], { memory: '128Mi' });
    });
    expect(out).toContain('# Deployment of checkout (dev)');
    expect(out).toContain('# the service');
    expect(out).toContain('# too low?');
    const d = parseYamlDocuments(out)[0];
    expect(d.getIn(['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests', 'memory'])).toBe('128Mi');
    expect(parseYamlDocuments(out)).toHaveLength(2);
  });

  it('finds documents by kind and name', () => {
    const docs = parseYamlDocuments(manifest);
    expect(findYamlDocument(docs, { kind: 'Service' })?.getIn(['metadata', 'name'])).toBe('checkout');
    expect(findYamlDocument(docs, { kind: 'Deployment', name: 'other' })).toBeUndefined();
  });

  it('refuses invalid YAML with an InputError naming the file', () => {
    expect(() => parseYamlDocuments('a: [1,\n', 'apps/x/values.yaml')).toThrow(InputError);
    expect(() => parseYamlDocuments('a: [1,\n', 'apps/x/values.yaml')).toThrow(/apps\/x\/values.yaml/);
  });
});
