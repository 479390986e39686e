import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  HealthResponse,
  Incident,
  IncidentStatus,
  ListResponse,
} from '@openluffy/plugin-luffy-common';

/** An entity as the luffy backend's entity-scoped routes name it. @public */
export type EntityName = { namespace: string; kind: string; name: string };

/** Client of the luffy backend (/api/luffy). @public */
export interface LuffyApi {
  getHealth(): Promise<HealthResponse>;
  listIncidents(options?: {
    status?: IncidentStatus[];
    entityRef?: string;
    limit?: number;
  }): Promise<ListResponse<Incident>>;
  listEntityIncidents(
    entity: EntityName,
    options?: { status?: IncidentStatus[]; limit?: number },
  ): Promise<ListResponse<Incident>>;
}

/** @public */
export const luffyApiRef = createApiRef<LuffyApi>({
  id: 'plugin.luffy.service',
});
