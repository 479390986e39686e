import type {
  BackstageCredentials,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  DeploymentsResponse,
  MergePullRequestRequest,
  MergePullRequestResponse,
  PullRequestDetail,
  PullRequestListResponse,
} from '@openluffy/plugin-luffy-common';

/** Pull requests of an entity's source and GitOps repositories: list, diff, merge. */
export interface PullRequestService {
  /** Open pull requests with checks, reviews and mergeability (cached briefly, shared by viewers). */
  list(
    entity: CompoundEntityRef,
    options: { credentials: BackstageCredentials },
  ): Promise<PullRequestListResponse>;
  /** One pull request's files and unified diff. `repo` is `owner/repo` or a repo name of the entity. */
  get(
    entity: CompoundEntityRef,
    repo: string,
    number: number,
    options: { credentials: BackstageCredentials },
  ): Promise<PullRequestDetail>;
  /** Approve (unless it is the user's own) and merge at the reviewed head SHA. */
  merge(
    entity: CompoundEntityRef,
    repo: string,
    number: number,
    request: MergePullRequestRequest,
    options: { credentials: BackstageCredentials<BackstageUserPrincipal> },
  ): Promise<MergePullRequestResponse>;
  /** Argo CD sync/health per environment; with `revision`, whether it rolled out. */
  deployments(
    entity: CompoundEntityRef,
    options: { credentials: BackstageCredentials; revision?: string },
  ): Promise<DeploymentsResponse>;
  /** Drops cached lists that include this repository (`owner/repo`); returns the entities concerned. */
  invalidate(repo: string): string[];
  /**
   * Re-reads the cached lists that include this repository (one GitHub request each, coalesced
   * with a refresh already running) while viewers keep getting the previous list; resolves when
   * they are fresh, with the entities concerned.
   */
  refresh(repo: string): Promise<string[]>;
  /** Entity refs known to watch a repository (from the catalog). */
  entitiesOfRepo(repo: string): Promise<string[]>;
}
