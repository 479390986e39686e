import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  luffyIncidentDecidePermission,
  luffyOperationRunPermission,
  luffyPullRequestMergePermission,
} from '@openluffy/plugin-luffy-common';
import { LuffyPermissionPolicy } from './permissionPolicy';

const user = (ownershipEntityRefs: string[]) => ({
  identity: {
    type: 'user' as const,
    userEntityRef: ownershipEntityRefs[0],
    ownershipEntityRefs,
  },
  token: 'token',
  credentials: {} as any,
  info: { userEntityRef: ownershipEntityRefs[0], ownershipEntityRefs },
});

describe('LuffyPermissionPolicy', () => {
  const policy = LuffyPermissionPolicy.fromConfig(
    new ConfigReader({
      luffy: { permissions: { writerGroups: ['group:default/Platform-Team'] } },
    }),
  );

  it.each([luffyPullRequestMergePermission, luffyIncidentDecidePermission])(
    'allows $name to members of a writer group only',
    async permission => {
      const member = user([
        'user:default/alice',
        'group:default/platform-team',
      ]);
      const outsider = user(['user:default/bob', 'group:default/guests']);
      expect((await policy.handle({ permission }, member as any)).result).toBe(
        AuthorizeResult.ALLOW,
      );
      expect(
        (await policy.handle({ permission }, outsider as any)).result,
      ).toBe(AuthorizeResult.DENY);
      expect((await policy.handle({ permission })).result).toBe(
        AuthorizeResult.DENY,
      );
    },
  );

  it('allows luffy.operation.run to writers everywhere, to others on the entities they own', async () => {
    const member = user(['user:default/alice', 'group:default/platform-team']);
    const owner = user(['user:default/carol', 'group:default/payments']);
    const request = {
      permission: luffyOperationRunPermission,
      resourceRef: 'component:default/checkout',
    };
    expect((await policy.handle(request, member as any)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    // Everyone else: the catalog's IS_ENTITY_OWNER condition with the user's ownership refs,
    // evaluated by the catalog for the entity (see permissionPolicy.wiring.test.ts).
    expect(await policy.handle(request, owner as any)).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: { claims: ['user:default/carol', 'group:default/payments'] },
      },
    });
    expect((await policy.handle(request)).result).toBe(AuthorizeResult.DENY);
  });

  it('lets everyone read and use other plugins', async () => {
    const outsider = user(['user:default/bob']);
    const read = createPermission({
      name: 'luffy.incident.read',
      attributes: { action: 'read' },
    });
    const catalogRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    expect(
      (await policy.handle({ permission: read }, outsider as any)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await policy.handle({ permission: catalogRead } as any, outsider as any))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('denies luffy writes to everyone when no writer group is configured', async () => {
    const empty = LuffyPermissionPolicy.fromConfig(new ConfigReader({}));
    const member = user(['user:default/alice', 'group:default/platform-team']);
    expect(
      (
        await empty.handle(
          { permission: luffyPullRequestMergePermission },
          member as any,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });
});
