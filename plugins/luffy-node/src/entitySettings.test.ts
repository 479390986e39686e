import type { Entity } from '@backstage/catalog-model';
import { readEntitySettings } from './entitySettings';

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', annotations },
  spec: { type: 'service' },
});

describe('readEntitySettings', () => {
  it('reads the ecosystem and OpenLuffy annotations', () => {
    const s = readEntitySettings(
      entity({
        'github.com/project-slug': 'acme/checkout',
        'backstage.io/kubernetes-id': 'checkout-api',
        'openluffy.io/gitops-repo': 'acme/gitops',
        'openluffy.io/gitops-path': 'apps/checkout/{env}/',
        'openluffy.io/autonomy': 'auto',
      }),
    );
    expect(s.entityRef).toBe('component:default/checkout');
    expect(s.sourceRepo).toEqual({ owner: 'acme', repo: 'checkout' });
    expect(s.gitopsRepo).toEqual({ owner: 'acme', repo: 'gitops' });
    expect(s.gitopsPath('prod')).toBe('apps/checkout/prod');
    expect(s.kubernetesId).toBe('checkout-api');
    expect(s.autonomy).toBe('auto');
  });

  it('falls back to config defaults and the entity name', () => {
    const s = readEntitySettings(entity({}), {
      gitopsRepo: 'acme/gitops',
      autonomy: 'observe',
    });
    expect(s.gitopsRepo).toEqual({ owner: 'acme', repo: 'gitops' });
    expect(s.sourceRepo).toBeUndefined();
    expect(s.gitopsPath('dev')).toBeUndefined();
    expect(s.kubernetesId).toBe('checkout');
    expect(s.autonomy).toBe('observe');
    expect(readEntitySettings(entity({})).autonomy).toBe('propose');
  });

  it.each([
    [
      { 'github.com/project-slug': 'acme' },
      /github.com\/project-slug must be "owner\/repo", got "acme"/,
    ],
    [
      { 'openluffy.io/gitops-repo': 'https://github.com/acme/gitops' },
      /openluffy.io\/gitops-repo must be/,
    ],
    [
      { 'openluffy.io/autonomy': 'yolo' },
      /must be observe, propose or auto, got "yolo"/,
    ],
    [
      { 'openluffy.io/gitops-path': '../secrets/{env}' },
      /must be a relative folder/,
    ],
    [{ 'openluffy.io/gitops-path': '/etc' }, /must be a relative folder/],
  ])(
    'rejects malformed annotations %j with an actionable InputError',
    (annotations, message) => {
      expect(() => readEntitySettings(entity(annotations))).toThrow(
      expect.objectContaining({ name: 'InputError', message: expect.stringMatching(message) }),
    );
    },
  );
});
