import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  HealthResponse,
  Incident,
  IncidentStatus,
  ListResponse,
} from '@openluffy/plugin-luffy-common';
import type { EntityName, LuffyApi } from './LuffyApi';

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
    } = {},
  ): Promise<ListResponse<Incident>> {
    return this.request(`/incidents${incidentQuery(options)}`);
  }

  listEntityIncidents(
    entity: EntityName,
    options: { status?: IncidentStatus[]; limit?: number } = {},
  ): Promise<ListResponse<Incident>> {
    return this.request(
      `${entityPath(entity)}/incidents${incidentQuery(options)}`,
    );
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
}): string {
  const query = new URLSearchParams();
  if (options.status?.length) query.set('status', options.status.join(','));
  if (options.entityRef) query.set('entity', options.entityRef);
  if (options.limit) query.set('limit', String(options.limit));
  const s = query.toString();
  return s ? `?${s}` : '';
}
