import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  AuditEvent,
  ListResponse,
  OperationId,
  OperationResult,
} from '@openluffy/plugin-luffy-common';
import { useMemo } from 'react';
import type { EntityName } from '../../api';

/** Calls of the operations routes (`POST .../operations/:op`, `GET /audit`). */
export type OperationsClient = {
  run(
    entity: EntityName,
    op: OperationId,
    input: Record<string, unknown>,
    options?: { dryRun?: boolean; confirmationToken?: string },
  ): Promise<OperationResult>;
  audit(
    target: string,
    options?: { limit?: number },
  ): Promise<ListResponse<AuditEvent>>;
};

export function useOperationsClient(): OperationsClient {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  return useMemo(() => {
    const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const base = await discoveryApi.getBaseUrl('luffy');
      const res = await fetchApi.fetch(`${base}${path}`, init);
      if (!res.ok) throw await ResponseError.fromResponse(res);
      return (await res.json()) as T;
    };
    return {
      run: (entity, op, input, options = {}) =>
        call<OperationResult>(
          `/entity/${encodeURIComponent(entity.namespace)}/${encodeURIComponent(
            entity.kind,
          )}/${encodeURIComponent(entity.name)}/operations/${op}`,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...input, ...options }),
          },
        ),
      audit: (target, options = {}) =>
        call<ListResponse<AuditEvent>>(
          `/audit?target=${encodeURIComponent(target)}&limit=${
            options.limit ?? 20
          }`,
        ),
    };
  }, [discoveryApi, fetchApi]);
}
