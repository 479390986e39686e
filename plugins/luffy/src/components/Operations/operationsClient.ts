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
  WorkflowRunStatus,
  WorkloadsResponse,
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
  /** Deployments per environment with rollout health and pods. */
  workloads(
    entity: EntityName,
    options?: { environment?: string },
  ): Promise<WorkloadsResponse>;
  /** A workflow run of the entity's source repository with its jobs. */
  workflowRun(entity: EntityName, runId: number): Promise<WorkflowRunStatus>;
};

const entityPath = (entity: EntityName) =>
  `/entity/${encodeURIComponent(entity.namespace)}/${encodeURIComponent(
    entity.kind,
  )}/${encodeURIComponent(entity.name)}`;

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
          `${entityPath(entity)}/operations/${encodeURIComponent(op)}`,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...input, ...options }),
          },
        ),
      workloads: (entity, options = {}) => {
        const query = new URLSearchParams();
        if (options.environment) query.set('environment', options.environment);
        const qs = query.toString();
        return call<WorkloadsResponse>(
          `${entityPath(entity)}/workloads${qs ? `?${qs}` : ''}`,
        );
      },
      workflowRun: (entity, runId) =>
        call<WorkflowRunStatus>(
          `${entityPath(entity)}/workflow-runs/${encodeURIComponent(
            String(runId),
          )}`,
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
