import type { HookRecord } from '../state';
import { Schemas, Urls } from './common';

export function hook(u: Urls, h: HookRecord): Schemas['hook'] {
  const url = h.repo
    ? `${u.api}/repos/${h.owner}/${h.repo}/hooks/${h.id}`
    : `${u.api}/orgs/${h.owner}/hooks/${h.id}`;
  return {
    type: h.repo ? 'Repository' : 'Organization',
    id: h.id,
    name: h.name,
    active: h.active,
    events: h.events,
    config: {
      url: h.config.url,
      content_type: h.config.content_type,
      insecure_ssl: h.config.insecure_ssl,
      ...(h.config.secret ? { secret: '********' } : {}),
    },
    updated_at: h.updated_at,
    created_at: h.created_at,
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: h.last_response,
  };
}
