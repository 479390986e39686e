import type { BackstageCredentials } from '@backstage/backend-plugin-api';

/** Who an audit row names for a caller: the user's entity ref, or `service:<subject>`. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.type === 'user'
    ? p.userEntityRef!
    : `service:${p.subject ?? 'unknown'}`;
}
