import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { isLuffyWritePermission } from '@openluffy/plugin-luffy-common';

/**
 * The portal's permission policy: everyone signed in may read and use the ecosystem plugins;
 * OpenLuffy's write permissions (merge, decide, operate) are allowed only to members of the
 * groups in `luffy.permissions.writerGroups` (group entity refs, e.g.
 * `group:default/platform-team`).
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
    const allowed = refs.some(ref =>
      this.#writerGroups.has(ref.toLocaleLowerCase('en-US')),
    );
    return { result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
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
