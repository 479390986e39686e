import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  DeploymentsResponse,
  HealthResponse,
  Incident,
  IncidentDecisionRequest,
  IncidentDetail,
  IncidentStatus,
  ListResponse,
  LuffyEvent,
  LuffyMetrics,
  MergePullRequestRequest,
  MergePullRequestResponse,
  PullRequestDetail,
  PullRequestListResponse,
} from '@openluffy/plugin-luffy-common';

/** An entity as the luffy backend's entity-scoped routes name it. @public */
export type EntityName = { namespace: string; kind: string; name: string };

/** A live subscription to `GET /api/luffy/events`; `close()` ends it. @public */
export type LuffyEventStream = { close(): void };

/** Client of the luffy backend (/api/luffy). @public */
export interface LuffyApi {
  getHealth(): Promise<HealthResponse>;
  listIncidents(options?: {
    status?: IncidentStatus[];
    entityRef?: string;
    limit?: number;
    offset?: number;
  }): Promise<ListResponse<Incident>>;
  listEntityIncidents(
    entity: EntityName,
    options?: { status?: IncidentStatus[]; limit?: number; offset?: number },
  ): Promise<ListResponse<Incident>>;
  /**
   * Healing metrics (`GET /metrics`): heals per week, success rate per runbook, median time
   * to heal and healing PR lead time over `weeks` weeks (12 by default), of the given
   * entities (all when absent).
   */
  getMetrics(options?: {
    entityRefs?: string[];
    weeks?: number;
  }): Promise<LuffyMetrics>;
  /** An incident with its timeline, redacted context, diagnosis and proposed patch. */
  getIncident(id: string): Promise<IncidentDetail>;
  approveIncident(
    id: string,
    request?: IncidentDecisionRequest,
  ): Promise<IncidentDetail>;
  dismissIncident(
    id: string,
    request?: IncidentDecisionRequest,
  ): Promise<IncidentDetail>;

  /** Open pull requests of the entity's source and GitOps repositories. */
  listPullRequests(entity: EntityName): Promise<PullRequestListResponse>;
  /** One pull request's files and unified diff (`repo` is `owner/repo`). */
  getPullRequest(
    entity: EntityName,
    repo: string,
    number: number,
  ): Promise<PullRequestDetail>;
  /** Approve and merge at the reviewed head SHA, with the user's GitHub token when given. */
  mergePullRequest(
    entity: EntityName,
    repo: string,
    number: number,
    request: MergePullRequestRequest,
  ): Promise<MergePullRequestResponse>;
  /** Argo CD sync/health per environment; with `revision`, whether it rolled out. */
  getDeployments(
    entity: EntityName,
    options?: { revision?: string },
  ): Promise<DeploymentsResponse>;
  /**
   * Follows `GET /events` (Server-Sent Events through fetchApi, so the Backstage token is
   * sent). `onError` is called once when the stream cannot be opened or breaks; callers then
   * fall back to polling.
   */
  streamEvents(
    options: { entityRef?: string; types?: string[] },
    onEvent: (event: LuffyEvent) => void,
    onError?: (error: Error) => void,
  ): LuffyEventStream;
}

/** @public */
export const luffyApiRef = createApiRef<LuffyApi>({
  id: 'plugin.luffy.service',
});
