import type { Account } from '../state';
import { Schemas, Urls, nodeId } from './common';

export function simpleUser(
  u: Urls,
  a: Pick<Account, 'login' | 'id' | 'type'>,
): Schemas['simple-user'] {
  const url = `${u.api}/users/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type === 'Organization' ? 'Organization' : 'User', a.id),
    avatar_url: `${u.base}/avatars/${a.login}`,
    gravatar_id: '',
    url,
    html_url: `${u.base}/${a.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: a.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function publicUser(u: Urls, a: Account, publicRepos: number) {
  return {
    ...simpleUser(u, a),
    name: a.name,
    company: null,
    blog: '',
    location: null,
    email: a.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: a.created_at,
    updated_at: a.created_at,
  } satisfies Schemas['public-user'];
}

export function privateUser(
  u: Urls,
  a: Account,
  publicRepos: number,
  privateRepos: number,
): Schemas['private-user'] {
  return {
    ...publicUser(u, a, publicRepos),
    private_gists: 0,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
    plan: {
      name: 'free',
      space: 976562499,
      private_repos: 10000,
      collaborators: 0,
    },
  };
}

export function orgSimple(u: Urls, a: Account): Schemas['organization-simple'] {
  const url = `${u.api}/orgs/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId('Organization', a.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${u.base}/avatars/${a.login}`,
    description: a.name,
  };
}

export function orgFull(
  u: Urls,
  a: Account,
  publicRepos: number,
): Schemas['organization-full'] {
  return {
    ...orgSimple(u, a),
    name: a.name ?? a.login,
    company: undefined,
    blog: undefined,
    location: undefined,
    email: a.email ?? undefined,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${u.base}/${a.login}`,
    created_at: a.created_at,
    updated_at: a.created_at,
    archived_at: null,
    type: 'Organization',
  };
}
