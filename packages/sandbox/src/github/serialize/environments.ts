import type { EnvironmentRecord } from '../state';
import { Schemas, Urls, nodeId } from './common';

export function environment(
  u: Urls,
  e: EnvironmentRecord,
): Schemas['environment'] {
  const full = `${e.owner}/${e.repo}`;
  return {
    id: e.id,
    node_id: nodeId('Environment', e.id),
    name: e.name,
    url: `${u.api}/repos/${full}/environments/${encodeURIComponent(e.name)}`,
    html_url: `${
      u.base
    }/${full}/deployments/activity_log?environments_filter=${encodeURIComponent(
      e.name,
    )}`,
    created_at: e.created_at,
    updated_at: e.updated_at,
    protection_rules: e.wait_timer
      ? [
          {
            id: e.id * 10,
            node_id: nodeId('ProtectionRule', e.id * 10),
            type: 'wait_timer',
            wait_timer: e.wait_timer,
          },
        ]
      : [],
    deployment_branch_policy: (e.deployment_branch_policy as any) ?? null,
  };
}
