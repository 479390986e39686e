import { parseAutonomy, parseRepoSlug } from './annotations';
import {
  isLuffyWritePermission,
  luffyOperationRunPermission,
  luffyPermissions,
} from './permissions';
import { createPermission } from '@backstage/plugin-permission-common';

describe('annotations', () => {
  it('parses owner/repo slugs and rejects malformed ones', () => {
    expect(parseRepoSlug('acme/checkout')).toEqual({
      owner: 'acme',
      repo: 'checkout',
    });
    expect(parseRepoSlug(' acme/gitops ')).toEqual({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(parseRepoSlug('acme')).toBeUndefined();
    expect(parseRepoSlug('acme/checkout/extra')).toBeUndefined();
    expect(parseRepoSlug('https://github.com/acme/x')).toBeUndefined();
    expect(parseRepoSlug(undefined)).toBeUndefined();
  });

  it('parses autonomy levels case-insensitively and rejects unknown ones', () => {
    expect(parseAutonomy('observe')).toBe('observe');
    expect(parseAutonomy('AUTO')).toBe('auto');
    expect(parseAutonomy('yolo')).toBeUndefined();
    expect(parseAutonomy(undefined)).toBeUndefined();
  });
});

describe('permissions', () => {
  it('names every permission luffy.<resource>.<verb> and treats them as writes', () => {
    for (const p of luffyPermissions) {
      expect(p.name).toMatch(/^luffy\.[a-zA-Z]+\.[a-zA-Z]+$/);
      expect(isLuffyWritePermission(p)).toBe(true);
    }
    expect(luffyOperationRunPermission.name).toBe('luffy.operation.run');
  });

  it('does not treat reads or other plugins as luffy writes', () => {
    const read = createPermission({
      name: 'luffy.incident.read',
      attributes: { action: 'read' },
    });
    const other = createPermission({
      name: 'catalog.entity.delete',
      attributes: { action: 'delete' },
    });
    expect(isLuffyWritePermission(read)).toBe(false);
    expect(isLuffyWritePermission(other)).toBe(false);
  });
});
