import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  isLuffyWritePermission,
  luffyOperationRunPermission,
} from '@openluffy/plugin-luffy-common';

/**
 * The portal's permission policy: everyone signed in may read and use the ecosystem plugins;
 * OpenLuffy's write permissions (merge, decide, operate) are allowed to members of the
 * groups in `luffy.permissions.writerGroups` (group entity refs, e.g.
 * `group:default/platform-team`). `luffy.operation.run` (a resource permission on catalog
 * entities) is also allowed, conditionally, to the entity's owners: the answer is the
 * catalog's `IS_ENTITY_OWNER` condition with the user's ownership refs as claims, which the
 * catalog evaluates for the entity the operation targets.
 */
export class LuffyPermissionPolicy implements PermissionPolicy {
  readonly #writerGroups: Set<string>;

  constructor(writerGroups: string[]) {
    this.#writerGroups = new Set(
      writerGroups.map(g => g.toLocaleLowerCase('en-US')),
    );
  }

  static fromConfig(config: Config): LuffyPermissionPolicy {
    return new LuffyPermissionPolicy(
      config.getOptionalStringArray('luffy.permissions.writerGroups') ?? [],
    );
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!isLuffyWritePermission(request.permission)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const refs = user?.info.ownershipEntityRefs ?? [];
    const writer = refs.some(ref =>
      this.#writerGroups.has(ref.toLocaleLowerCase('en-US')),
    );
    if (writer) return { result: AuthorizeResult.ALLOW };
    if (
      user &&
      refs.length > 0 &&
      isPermission(request.permission, luffyOperationRunPermission) &&
      isResourcePermission(request.permission, 'catalog-entity')
    ) {
      return createCatalogConditionalDecision(
        request.permission,
        catalogConditions.isEntityOwner({ claims: refs }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'luffy-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(LuffyPermissionPolicy.fromConfig(config));
      },
    });
  },
});
