import { DEPLOYMENT_YAML, VALUES_YAML } from './__fixtures__';
import { manifestFormatOf, patchManifest } from './manifest';

const target = { namespace: 'acme-dev', kind: 'Deployment', name: 'checkout' };

describe('patchManifest', () => {
  it('changes only the patched values of a plain manifest, keeping comments, and diffs it', () => {
    const r = patchManifest({
      path: 'apps/checkout/dev/deployment.yaml',
      content: DEPLOYMENT_YAML,
      format: 'manifest',
      patch: {
        target,
        operations: [
          {
            op: 'set-resources',
            container: 'checkout',
            limits: { memory: '512Mi' },
          },
          {
            op: 'set-env',
            container: 'checkout',
            name: 'LOG_LEVEL',
            value: 'debug',
          },
          {
            op: 'set-probe',
            container: 'checkout',
            probe: 'readinessProbe',
            timings: { timeoutSeconds: 5 },
          },
        ],
      },
    });
    expect(r.changed).toBe(true);
    expect(r.after).toContain(
      '# Managed by Argo CD: edit here and let it sync.',
    );
    expect(r.after).toContain('# the process needs this much memory');
    expect(r.after).toContain('memory: 512Mi # raise with care');
    const removed = r.diff
      .split('\n')
      .filter(l => l.startsWith('-') && !l.startsWith('---'));
    const added = r.diff
      .split('\n')
      .filter(l => l.startsWith('+') && !l.startsWith('+++'));
    expect(removed).toEqual(['-              memory: 256Mi # raise with care']);
    expect(added).toEqual([
      '+            - name: LOG_LEVEL',
      '+              value: debug',
      '+            timeoutSeconds: 5',
      '+              memory: 512Mi # raise with care',
    ]);
  });

  it('patches Helm values per environment', () => {
    const r = patchManifest({
      path: 'apps/inventory/dev/values.yaml',
      content: VALUES_YAML,
      format: 'helm-values',
      patch: {
        target: { ...target, name: 'inventory' },
        operations: [
          {
            op: 'set-resources',
            container: 'inventory',
            limits: { memory: '512Mi' },
          },
          {
            op: 'set-env',
            container: 'inventory',
            name: 'LOG_LEVEL',
            value: 'debug',
          },
        ],
      },
    });
    expect(r.after).toContain(
      '  # Demo image behaviour\n  DEMO_MEMORY_DEMAND: 180Mi\n  LOG_LEVEL: debug',
    );
    expect(r.after).toContain('    memory: 512Mi');
    expect(() =>
      patchManifest({
        path: 'v.yaml',
        content: VALUES_YAML,
        format: 'helm-values',
        patch: {
          target,
          operations: [
            {
              op: 'set-probe',
              container: 'x',
              probe: 'readinessProbe',
              timings: { timeoutSeconds: 5 },
            },
          ],
        },
      }),
    ).toThrow(/not values of this Helm chart/);
  });

  it('rejects a manifest without the workload or with an invalid result', () => {
    expect(() =>
      patchManifest({
        path: 'd.yaml',
        content: DEPLOYMENT_YAML,
        format: 'manifest',
        patch: {
          target: { ...target, name: 'other' },
          operations: [{ op: 'set-replicas', replicas: 2 }],
        },
      }),
    ).toThrow(/has no Deployment named other/);
    expect(() =>
      patchManifest({
        path: 'd.yaml',
        content: DEPLOYMENT_YAML,
        format: 'manifest',
        patch: {
          target,
          operations: [{ op: 'set-replicas', replicas: 'two' as any }],
        },
      }),
    ).toThrow(/not valid/);
  });

  it('tells manifests from Helm values', () => {
    expect(manifestFormatOf(DEPLOYMENT_YAML, target)).toBe('manifest');
    expect(manifestFormatOf(VALUES_YAML, target)).toBe('helm-values');
    expect(
      manifestFormatOf('kind: Service\nmetadata: {name: checkout}\n', target),
    ).toBeUndefined();
  });
});
