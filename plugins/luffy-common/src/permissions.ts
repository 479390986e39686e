import {
  createPermission,
  type Permission,
} from '@backstage/plugin-permission-common';

/**
 * Approve and merge a pull request from an entity page.
 * @public
 */
export const luffyPullRequestMergePermission = createPermission({
  name: 'luffy.pullRequest.merge',
  attributes: { action: 'update' },
});

/**
 * Approve or dismiss a healing incident's proposed fix.
 * @public
 */
export const luffyIncidentDecidePermission = createPermission({
  name: 'luffy.incident.decide',
  attributes: { action: 'update' },
});

/**
 * Run an operation (restart, scale, delete-pod, Argo CD sync/rollback, workflow dispatch,
 * cancel, re-run) on a catalog entity. A resource permission on the catalog's
 * `catalog-entity` resource type, authorized with the entity ref as `resourceRef`, so a
 * policy can answer with the catalog's conditions (e.g. `IS_ENTITY_OWNER`: owners operate
 * their own services) and the catalog evaluates them.
 * @public
 */
export const luffyOperationRunPermission = createPermission({
  name: 'luffy.operation.run',
  attributes: { action: 'create' },
  resourceType: 'catalog-entity',
});

/**
 * Every permission of the suite.
 * @public
 */
export const luffyPermissions: Permission[] = [
  luffyPullRequestMergePermission,
  luffyIncidentDecidePermission,
  luffyOperationRunPermission,
];

/**
 * True for the suite's permissions that change something (anything but reads); a policy
 * limits these to the configured groups (see packages/backend's policy).
 * @public
 */
export function isLuffyWritePermission(permission: Permission): boolean {
  return (
    permission.name.startsWith('luffy.') &&
    permission.attributes.action !== 'read'
  );
}
