import type {
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  stringifyEntityRef,
  type CompoundEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_GITHUB_PROJECT_SLUG,
  ANNOTATION_GITOPS_PATH,
  ANNOTATION_GITOPS_REPO,
  luffyPullRequestMergePermission,
  type DeploymentEnvironment,
  type MergePullRequestResponse,
  type PullRequestListResponse,
  type PullRequestSummary,
  type RepoRole,
  type WatchedRepo,
} from '@openluffy/plugin-luffy-common';
import {
  readEntitySettings,
  type ArgoCdApplication,
  type ArgoCdClient,
  type GithubClient,
  type GithubClientFactory,
} from '@openluffy/plugin-luffy-node';
import type { AuditLog } from '../AuditLog';
import type { LuffyEvents } from '../LuffyEvents';
import { toHttpError } from './errors';
import { mapFile, unifiedDiff, type GithubPullFile } from './files';
import {
  allowedMergeMethods,
  LIST_QUERY,
  mapPullRequest,
  ONE_QUERY,
  pathMatcher,
  PULL_REQUEST_PAGE,
  type GqlPullRequest,
  type ListQueryResult,
  type OneQueryResult,
} from './graphql';
import type { PullRequestService } from './types';

type Watched = {
  entityRef: string;
  source?: { owner: string; repo: string };
  gitops?: { owner: string; repo: string };
  /** GitOps folder templates ({env} allowed). */
  paths: string[];
};

const slug = (r: { owner: string; repo: string }) => `${r.owner}/${r.repo}`;
const sameRepo = (a: string, b: string) =>
  a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');

/**
 * A shared list: `value` is the last good answer (or the first, in flight); `refreshing` a
 * background refresh, `again` set when a change arrived while it ran.
 */
type CacheEntry = {
  at: number;
  repos: string[];
  watched: Watched;
  value: Promise<PullRequestListResponse>;
  refreshing?: Promise<void>;
  again?: boolean;
};

/** Options of {@link createPullRequestService}. */
export type PullRequestServiceOptions = {
  logger: LoggerService;
  auth: AuthService;
  catalog: CatalogService;
  permissions: PermissionsService;
  github: GithubClientFactory;
  argocd: ArgoCdClient;
  auditLog: AuditLog;
  events: LuffyEvents;
  /** `luffy.gitops.repo`. */
  gitopsRepo?: string;
  /** `luffy.pullRequests.actAs`. Default: user. */
  actAs?: 'user' | 'integration';
  /** How long a list is shared by all viewers. Default: 30 s. */
  cacheTtlMs?: number;
  /**
   * How long past its TTL a list is still served at once while it is refreshed in the
   * background. Default: 10 minutes.
   */
  maxStaleMs?: number;
  now?: () => number;
};

/**
 * The pull request service: one GraphQL request per list, cached briefly and shared by all
 * viewers (in-flight requests too), cleared by webhook deliveries of the repository.
 */
export function createPullRequestService(
  options: PullRequestServiceOptions,
): PullRequestService {
  const { logger, catalog, permissions, github, argocd, auditLog, events } =
    options;
  const actAs = options.actAs ?? 'user';
  const ttl = options.cacheTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  /** How long a stale list is still served (while it is refreshed) before a view waits. */
  const maxStale = options.maxStaleMs ?? 10 * 60_000;
  const cache = new Map<string, CacheEntry>();
  /** repo (lower case) → entity refs seen watching it. */
  const watchers = new Map<string, Set<string>>();

  const cacheKey = (watched: Watched) => {
    const repos = [watched.source, watched.gitops]
      .filter(Boolean)
      .map(r => slug(r!).toLocaleLowerCase('en-US'));
    return { key: `${repos.join('|')}|${watched.paths.join(',')}`, repos };
  };

  /** A pull request of the entity's fresh shared list, if one is cached (no GitHub request). */
  async function cachedSummary(
    watched: Watched,
    repo: string,
    number: number,
  ): Promise<PullRequestSummary | undefined> {
    const hit = cache.get(cacheKey(watched).key);
    if (!hit || now() - hit.at >= ttl) return undefined;
    const list = await hit.value.catch(() => undefined);
    return list?.items.find(i => sameRepo(i.repo, repo) && i.number === number);
  }

  /**
   * Refreshes a shared list in the background: one GitHub request at a time per list, once
   * more if a change arrived meanwhile. The last good list is kept (and served) on failure.
   */
  function refreshEntry(entry: CacheEntry): Promise<void> {
    if (entry.refreshing) {
      entry.again = true;
      return entry.refreshing;
    }
    entry.refreshing = (async () => {
      do {
        entry.again = false;
        const started = now();
        try {
          const value = await fetchList(entry.watched);
          entry.value = Promise.resolve(value);
          entry.at = started;
        } catch (e) {
          logger.warn(
            'Could not refresh the pull requests; serving the last list',
            {
              entityRef: entry.watched.entityRef,
              error: (e as Error).message,
            },
          );
          break;
        }
      } while (entry.again);
      entry.refreshing = undefined;
    })();
    return entry.refreshing;
  }

  async function loadEntity(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(
        `No entity ${stringifyEntityRef(ref)} in the catalog`,
      );
    }
    return entity;
  }

  function watchedOf(entity: Entity): Watched {
    const settings = readEntitySettings(entity, {
      gitopsRepo: options.gitopsRepo,
    });
    if (!settings.sourceRepo) {
      throw new InputError(
        `${settings.entityRef} has no ${ANNOTATION_GITHUB_PROJECT_SLUG} annotation: add "${ANNOTATION_GITHUB_PROJECT_SLUG}: <owner>/<repo>" to its catalog-info.yaml to list its pull requests`,
      );
    }
    const rawPath = entity.metadata.annotations?.[ANNOTATION_GITOPS_PATH];
    const watched: Watched = {
      entityRef: settings.entityRef,
      source: settings.sourceRepo,
      // GitOps pull requests only make sense with a folder to filter by.
      gitops: rawPath ? settings.gitopsRepo : undefined,
      paths: rawPath ? [rawPath] : [],
    };
    for (const r of [watched.source, watched.gitops]) {
      if (!r) continue;
      const key = slug(r).toLocaleLowerCase('en-US');
      if (!watchers.has(key)) watchers.set(key, new Set());
      watchers.get(key)!.add(settings.entityRef);
    }
    return watched;
  }

  /** The entity's repository named by a route (`owner/repo`, or just `repo`). */
  function resolveRepo(
    watched: Watched,
    repo: string,
  ): { owner: string; repo: string; role: RepoRole } {
    const candidates = [
      watched.source && { ...watched.source, role: 'source' as const },
      watched.gitops && { ...watched.gitops, role: 'gitops' as const },
    ].filter(Boolean) as Array<{ owner: string; repo: string; role: RepoRole }>;
    const found = candidates.find(c =>
      repo.includes('/') ? sameRepo(slug(c), repo) : sameRepo(c.repo, repo),
    );
    if (!found) {
      throw new NotFoundError(
        `${repo} is not a repository of ${watched.entityRef} (watched: ${
          candidates.map(slug).join(', ') || 'none'
        })`,
      );
    }
    return found;
  }

  function gitopsEnvironments(
    watched: Watched,
    files: string[],
  ): { relevant: boolean; environments: string[] } {
    const matchers = watched.paths.map(pathMatcher);
    const envs = new Set<string>();
    let relevant = false;
    for (const f of files) {
      for (const m of matchers) {
        const r = m(f);
        if (r.matches) {
          relevant = true;
          if (r.env) envs.add(r.env);
        }
      }
    }
    return { relevant, environments: [...envs].sort() };
  }

  async function fetchList(watched: Watched): Promise<PullRequestListResponse> {
    const client = await github.forRepo(slug(watched.source!));
    const what = [watched.source, watched.gitops]
      .filter(Boolean)
      .map(r => slug(r!))
      .join(' and ');
    let data: ListQueryResult;
    try {
      data = await client.graphql<ListQueryResult>(LIST_QUERY, {
        sourceOwner: watched.source!.owner,
        sourceName: watched.source!.repo,
        withSource: true,
        gitopsOwner: watched.gitops?.owner ?? '',
        gitopsName: watched.gitops?.repo ?? '',
        withGitops: !!watched.gitops,
        first: PULL_REQUEST_PAGE,
      });
    } catch (e) {
      throw toHttpError(e, what);
    }
    if (!data.source) {
      throw new NotAllowedError(
        `No access to ${slug(
          watched.source!,
        )} on GitHub (or it does not exist)`,
      );
    }
    const items: PullRequestSummary[] = [];
    const repos: WatchedRepo[] = [
      {
        repo: data.source.nameWithOwner,
        role: 'source',
        allowedMergeMethods: allowedMergeMethods(data.source),
      },
    ];
    for (const pr of data.source.pullRequests.nodes) {
      items.push(mapPullRequest(pr, data.source, 'source'));
    }
    if (watched.gitops && data.gitops) {
      repos.push({
        repo: data.gitops.nameWithOwner,
        role: 'gitops',
        paths: watched.paths,
        allowedMergeMethods: allowedMergeMethods(data.gitops),
      });
      const sameAsSource = sameRepo(
        data.gitops.nameWithOwner,
        data.source.nameWithOwner,
      );
      for (const pr of data.gitops.pullRequests.nodes) {
        const files = (pr.files?.nodes ?? []).filter(Boolean).map(f => f!.path);
        const { relevant, environments } = gitopsEnvironments(watched, files);
        if (!relevant) continue;
        if (sameAsSource) {
          const existing = items.find(i => i.number === pr.number);
          if (existing) {
            existing.environments = environments;
            continue;
          }
        }
        items.push(mapPullRequest(pr, data.gitops, 'gitops', environments));
      }
    } else if (watched.gitops && !data.gitops) {
      logger.warn('GitOps repository not readable with the integration', {
        repo: slug(watched.gitops),
      });
    }
    items.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    logger.debug('Listed pull requests', {
      entityRef: watched.entityRef,
      count: items.length,
      graphqlCost: data.rateLimit?.cost,
    });
    return { items, repos, fetchedAt: new Date(now()).toISOString() };
  }

  async function fetchOne(
    client: GithubClient,
    repo: { owner: string; repo: string; role: RepoRole },
    number: number,
    watched: Watched,
  ): Promise<{ summary: PullRequestSummary; pr: GqlPullRequest }> {
    let data: OneQueryResult;
    try {
      data = await client.graphql<OneQueryResult>(ONE_QUERY, {
        owner: repo.owner,
        name: repo.repo,
        number,
      });
    } catch (e) {
      throw toHttpError(e, `${slug(repo)}#${number}`);
    }
    if (!data.repository) {
      throw new NotAllowedError(
        `No access to ${slug(repo)} on GitHub (or it does not exist)`,
      );
    }
    const pr = data.repository.pullRequest;
    if (!pr) {
      throw new NotFoundError(`${slug(repo)} has no pull request #${number}`);
    }
    let environments: string[] | undefined;
    if (repo.role === 'gitops') {
      const files = (pr.files?.nodes ?? []).filter(Boolean).map(f => f!.path);
      const r = gitopsEnvironments(watched, files);
      if (!r.relevant) {
        throw new NotFoundError(
          `${slug(repo)}#${number} does not touch ${watched.paths.join(
            ', ',
          )} of ${watched.entityRef}`,
        );
      }
      environments = r.environments;
    }
    return {
      summary: mapPullRequest(pr, data.repository, repo.role, environments),
      pr,
    };
  }

  async function authorizeMerge(credentials: BackstageCredentials) {
    const [decision] = await permissions.authorize(
      [{ permission: luffyPullRequestMergePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not merge pull requests from Backstage (permission ${luffyPullRequestMergePermission.name})`,
      );
    }
  }

  const service: PullRequestService = {
    async list(ref, { credentials }) {
      const watched = watchedOf(await loadEntity(ref, credentials));
      const { key, repos } = cacheKey(watched);
      const hit = cache.get(key);
      if (hit) {
        const age = now() - hit.at;
        if (age < ttl || hit.refreshing) return hit.value;
        // Stale: answer with the last list now, refresh behind it (webhooks refresh sooner).
        const refreshed = refreshEntry(hit);
        if (age < ttl + maxStale) return hit.value;
        await refreshed;
        return hit.value;
      }
      const value = fetchList(watched);
      cache.set(key, { at: now(), repos, watched, value });
      value.catch(() => {
        if (cache.get(key)?.value === value) cache.delete(key);
      });
      return value;
    },

    async get(ref, repoName, number, { credentials }) {
      const watched = watchedOf(await loadEntity(ref, credentials));
      const repo = resolveRepo(watched, repoName);
      const client = await github.forRepo(slug(repo));
      // The summary from the list the viewer came from when it is fresh (webhooks clear it):
      // the diff view's only GitHub request is then the ETag-conditional file listing.
      const summary =
        (await cachedSummary(watched, slug(repo), number)) ??
        (await fetchOne(client, repo, number, watched)).summary;
      let files: GithubPullFile[];
      try {
        files = (await client.octokit.paginate(
          client.octokit.rest.pulls.listFiles,
          {
            owner: repo.owner,
            repo: repo.repo,
            pull_number: number,
            per_page: 100,
          },
        )) as GithubPullFile[];
      } catch (e) {
        throw toHttpError(e, `${slug(repo)}#${number}`);
      }
      return {
        pullRequest: summary,
        files: files.map(mapFile),
        diff: unifiedDiff(files),
      };
    },

    async merge(ref, repoName, number, request, { credentials }) {
      const userRef = credentials.principal.userEntityRef;
      const target = `${repoName}#${number}`;
      return auditLog.track(
        {
          actor: userRef,
          action: 'pullRequest.merge',
          target,
          input: {
            entityRef: stringifyEntityRef(ref),
            method: request.method,
            sha: request.sha,
            actAs,
          },
        },
        async (): Promise<MergePullRequestResponse> => {
          await authorizeMerge(credentials);
          const watched = watchedOf(await loadEntity(ref, credentials));
          const repo = resolveRepo(watched, repoName);
          const full = slug(repo);
          let client: GithubClient;
          if (actAs === 'integration') {
            client = await github.forRepo(full);
          } else {
            if (!request.githubToken) {
              throw new InputError(
                'Merging acts as you on GitHub: sign in to GitHub in Backstage so your GitHub token can be forwarded (luffy.pullRequests.actAs is "user")',
              );
            }
            client = github.asUser(request.githubToken);
          }
          const { summary } = await fetchOne(client, repo, number, watched);
          if (summary.headSha !== request.sha) {
            throw new ConflictError(
              `The branch moved since you reviewed it: ${full}#${number} is now at ${summary.headSha.slice(
                0,
                7,
              )}, you reviewed ${request.sha.slice(
                0,
                7,
              )}. Reload the diff and review again.`,
            );
          }
          if (!summary.allowedMergeMethods.includes(request.method)) {
            throw new InputError(
              `${full} does not allow ${
                request.method
              } merges (allowed: ${summary.allowedMergeMethods.join(', ')})`,
            );
          }
          if (summary.blockers.length) {
            throw new ConflictError(
              `${full}#${number} cannot be merged now: ${summary.blockers.join(
                ' ',
              )}`,
            );
          }

          let login = 'integration';
          try {
            login = (await client.octokit.rest.users.getAuthenticated()).data
              .login;
          } catch (e) {
            if (actAs === 'user') throw toHttpError(e, 'your GitHub account');
          }

          let approved = false;
          try {
            if (summary.author.login !== login) {
              await client.octokit.rest.pulls.createReview({
                owner: repo.owner,
                repo: repo.repo,
                pull_number: number,
                commit_id: request.sha,
                event: 'APPROVE',
                body:
                  actAs === 'integration'
                    ? `Approved with OpenLuffy on behalf of ${userRef}.`
                    : 'Approved with OpenLuffy.',
              });
              approved = true;
            }
          } catch (e) {
            throw toHttpError(e, `${full}#${number}`);
          }

          let sha: string;
          try {
            const merged = await client.octokit.rest.pulls.merge({
              owner: repo.owner,
              repo: repo.repo,
              pull_number: number,
              sha: request.sha,
              merge_method: request.method,
            });
            sha = merged.data.sha;
          } catch (e) {
            const status = (e as { status?: number }).status;
            if (status === 409) {
              throw new ConflictError(
                `The branch moved since you reviewed it: GitHub refused to merge ${full}#${number} at ${request.sha.slice(
                  0,
                  7,
                )}. Reload the diff and review again.`,
              );
            }
            if (status === 405) {
              const message =
                (e as { response?: { data?: { message?: string } } }).response
                  ?.data?.message ?? 'not mergeable';
              throw new ConflictError(
                `GitHub refused to merge ${full}#${number}: ${message}`,
              );
            }
            throw toHttpError(e, `${full}#${number}`);
          }

          if (actAs === 'integration') {
            try {
              await client.octokit.rest.issues.createComment({
                owner: repo.owner,
                repo: repo.repo,
                issue_number: number,
                body: `Merged (${request.method}) with OpenLuffy by ${login} on behalf of ${userRef}, at ${request.sha}.`,
              });
            } catch (e) {
              logger.warn('Could not comment on the merged pull request', {
                repo: full,
                number,
                error: (e as Error).message,
              });
            }
          }

          service.invalidate(full);
          await events
            .publish({
              type: 'pullRequest.merged',
              entityRef: watched.entityRef,
              payload: {
                repo: full,
                number,
                githubEvent: 'luffy',
                action: 'merged',
                sha,
              },
            })
            .catch(e =>
              logger.warn('Could not publish the merge', {
                error: (e as Error).message,
              }),
            );
          logger.info('Merged pull request', {
            repo: full,
            number,
            method: request.method,
            actor: userRef,
            githubLogin: login,
            actAs,
          });
          return {
            merged: true,
            sha,
            mergedBy: login,
            actedAs: actAs,
            approved,
          };
        },
      );
    },

    async deployments(ref, { credentials, revision }) {
      const entity = await loadEntity(ref, credentials);
      const a = entity.metadata.annotations ?? {};
      const name = a[ANNOTATION_ARGOCD_APP_NAME];
      const selector = a[ANNOTATION_ARGOCD_APP_SELECTOR];
      if (!name && !selector) {
        throw new InputError(
          `${stringifyEntityRef(
            entity,
          )} has no ${ANNOTATION_ARGOCD_APP_SELECTOR} or ${ANNOTATION_ARGOCD_APP_NAME} annotation: add one to follow its Argo CD applications`,
        );
      }
      let apps: ArgoCdApplication[];
      try {
        apps = name
          ? await argocd.findApplication(name)
          : await argocd.listApplications({ selector });
      } catch (e) {
        throw toArgoError(e);
      }
      const environments = apps
        .map(app => toEnvironment(app, entity.metadata.name, revision))
        .sort(
          (x, y) =>
            envOrder(x.environment) - envOrder(y.environment) ||
            x.environment.localeCompare(y.environment),
        );
      return { environments, revision };
    },

    invalidate(repo) {
      const key = repo.toLocaleLowerCase('en-US');
      for (const [k, entry] of cache) {
        if (entry.repos.includes(key)) cache.delete(k);
      }
      return [...(watchers.get(key) ?? [])];
    },

    async refresh(repo) {
      const key = repo.toLocaleLowerCase('en-US');
      await Promise.all(
        [...cache.values()]
          .filter(entry => entry.repos.includes(key))
          .map(entry => refreshEntry(entry)),
      );
      return [...(watchers.get(key) ?? [])];
    },

    async entitiesOfRepo(repo) {
      const key = repo.toLocaleLowerCase('en-US');
      const refs = new Set(watchers.get(key) ?? []);
      try {
        const credentials = await options.auth.getOwnServiceCredentials();
        const { items } = await catalog.getEntities(
          {
            filter: [
              {
                [`metadata.annotations.${ANNOTATION_GITHUB_PROJECT_SLUG}`]:
                  repo,
              },
              { [`metadata.annotations.${ANNOTATION_GITOPS_REPO}`]: repo },
            ],
            fields: ['kind', 'metadata.name', 'metadata.namespace'],
          },
          { credentials },
        );
        for (const e of items)
          refs.add(stringifyEntityRef(e).toLocaleLowerCase('en-US'));
      } catch (e) {
        logger.warn('Could not look up the entities of a repository', {
          repo,
          error: (e as Error).message,
        });
      }
      return [...refs];
    },
  };
  return service;
}

const ENV_ORDER = [
  'dev',
  'development',
  'test',
  'qa',
  'staging',
  'preprod',
  'prod',
  'production',
];
function envOrder(env: string) {
  const i = ENV_ORDER.indexOf(env);
  return i === -1 ? ENV_ORDER.length : i;
}

function toArgoError(e: unknown): Error {
  const err = toHttpError(e, 'Argo CD');
  if (err.name === 'Error' || err.name === 'TypeError') {
    return new ServiceUnavailableError(
      `Argo CD is unavailable: ${err.message}`,
    );
  }
  return err;
}

/** An Argo CD application as one environment of the deployment panel. */
export function toEnvironment(
  app: ArgoCdApplication,
  service: string,
  revision?: string,
): DeploymentEnvironment {
  const labels = app.metadata.labels ?? {};
  const environment =
    labels['openluffy.io/env'] ??
    (app.metadata.name.startsWith(`${service}-`)
      ? app.metadata.name.slice(service.length + 1)
      : app.metadata.name);
  const status = app.status ?? {};
  const syncStatus = status.sync?.status ?? 'Unknown';
  const healthStatus = status.health?.status ?? 'Unknown';
  const synced = status.sync?.revision;
  const unhealthyResources = (status.resources ?? [])
    .filter(r => r.health?.status && r.health.status !== 'Healthy')
    .map(r => ({
      kind: r.kind,
      name: r.name,
      namespace: r.namespace,
      health: r.health!.status!,
      message: r.health?.message,
    }));
  const running = status.operationState?.phase === 'Running';
  let rolledOut: boolean | undefined;
  if (revision) {
    const seen =
      synced === revision ||
      (status.history ?? []).some(
        h => h.revision === revision || h.revisions?.includes(revision),
      );
    rolledOut =
      seen && !running && syncStatus === 'Synced' && healthStatus === 'Healthy';
  }
  return {
    environment,
    application: app.metadata.name,
    instance: app.instance,
    syncStatus,
    healthStatus,
    revision: synced,
    operationPhase: status.operationState?.phase,
    unhealthyResources,
    rolledOut,
  };
}
