import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
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
import { GITHUB_TOKEN_HEADER } from '@openluffy/plugin-luffy-common';
import { createParser } from 'eventsource-parser';
import type { EntityName, LuffyApi, LuffyEventStream } from './LuffyApi';

/** Default {@link LuffyApi} over Backstage discovery and fetch (identity token included). @public */
export class LuffyClient implements LuffyApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  getHealth(): Promise<HealthResponse> {
    return this.request('/health');
  }

  listIncidents(
    options: {
      status?: IncidentStatus[];
      entityRef?: string;
      limit?: number;
      offset?: number;
    } = {},
  ): Promise<ListResponse<Incident>> {
    return this.request(`/incidents${incidentQuery(options)}`);
  }

  /** Healing metrics of `GET /metrics` (see {@link LuffyApi.getMetrics}). */
  getMetrics(
    options: { entityRefs?: string[]; weeks?: number } = {},
  ): Promise<LuffyMetrics> {
    const query = new URLSearchParams();
    if (options.entityRefs) query.set('entity', options.entityRefs.join(','));
    if (options.weeks) query.set('weeks', String(options.weeks));
    const s = query.toString();
    return this.request(`/metrics${s ? `?${s}` : ''}`);
  }

  listEntityIncidents(
    entity: EntityName,
    options: {
      status?: IncidentStatus[];
      limit?: number;
      offset?: number;
    } = {},
  ): Promise<ListResponse<Incident>> {
    return this.request(
      `${entityPath(entity)}/incidents${incidentQuery(options)}`,
    );
  }

  getIncident(id: string): Promise<IncidentDetail> {
    return this.request(`/incidents/${encodeURIComponent(id)}`);
  }

  approveIncident(
    id: string,
    request: IncidentDecisionRequest = {},
  ): Promise<IncidentDetail> {
    return this.post(`/incidents/${encodeURIComponent(id)}/approve`, request);
  }

  dismissIncident(
    id: string,
    request: IncidentDecisionRequest = {},
  ): Promise<IncidentDetail> {
    return this.post(`/incidents/${encodeURIComponent(id)}/dismiss`, request);
  }

  listPullRequests(entity: EntityName): Promise<PullRequestListResponse> {
    return this.request(`${entityPath(entity)}/pull-requests`);
  }

  getPullRequest(
    entity: EntityName,
    repo: string,
    number: number,
  ): Promise<PullRequestDetail> {
    return this.request(
      `${entityPath(entity)}/pull-requests/${encodeURIComponent(
        repo,
      )}/${number}`,
    );
  }

  mergePullRequest(
    entity: EntityName,
    repo: string,
    number: number,
    request: MergePullRequestRequest,
  ): Promise<MergePullRequestResponse> {
    const { githubToken, ...body } = request;
    // The user's GitHub token travels in a header, not the JSON body, so that no body
    // logging can ever record it.
    return this.post(
      `${entityPath(entity)}/pull-requests/${encodeURIComponent(
        repo,
      )}/${number}/merge`,
      body,
      githubToken ? { [GITHUB_TOKEN_HEADER]: githubToken } : undefined,
    );
  }

  getDeployments(
    entity: EntityName,
    options: { revision?: string } = {},
  ): Promise<DeploymentsResponse> {
    const q = options.revision
      ? `?${new URLSearchParams({ revision: options.revision })}`
      : '';
    return this.request(`${entityPath(entity)}/deployments${q}`);
  }

  streamEvents(
    options: { entityRef?: string; types?: string[] },
    onEvent: (event: LuffyEvent) => void,
    onError?: (error: Error) => void,
  ): LuffyEventStream {
    const controller = new AbortController();
    let failed = false;
    const fail = (e: unknown) => {
      if (failed || controller.signal.aborted) return;
      failed = true;
      onError?.(e instanceof Error ? e : new Error(String(e)));
    };
    (async () => {
      const query = new URLSearchParams();
      if (options.entityRef) query.set('entity', options.entityRef);
      if (options.types?.length) query.set('type', options.types.join(','));
      const baseUrl = await this.#discoveryApi.getBaseUrl('luffy');
      const res = await this.#fetchApi.fetch(
        `${baseUrl}/events${query.size ? `?${query}` : ''}`,
        {
          headers: { Accept: 'text/event-stream' },
          signal: controller.signal,
        },
      );
      if (!res.ok) throw await ResponseError.fromResponse(res);
      if (!res.body) throw new Error('The event stream has no body');
      const parser = createParser({
        onEvent: message => {
          try {
            onEvent(JSON.parse(message.data) as LuffyEvent);
          } catch {
            // a malformed event is skipped, the stream goes on
          }
        },
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      throw new Error('The event stream ended');
    })().catch(fail);
    return { close: () => controller.abort() };
  }

  private async post<T>(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('luffy');
    const res = await this.#fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return (await res.json()) as T;
  }
}

function entityPath({ namespace, kind, name }: EntityName): string {
  return `/entity/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind,
  )}/${encodeURIComponent(name)}`;
}

/** `?status=a,b&entity=<ref>&limit=n` for the set filters, or '' when none is set. */
function incidentQuery(options: {
  status?: IncidentStatus[];
  entityRef?: string;
  limit?: number;
  offset?: number;
}): string {
  const query = new URLSearchParams();
  if (options.status?.length) query.set('status', options.status.join(','));
  if (options.entityRef) query.set('entity', options.entityRef);
  if (options.limit) query.set('limit', String(options.limit));
  if (options.offset) query.set('offset', String(options.offset));
  const s = query.toString();
  return s ? `?${s}` : '';
}
