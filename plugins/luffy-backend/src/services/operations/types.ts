import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type {
  OperationChange,
  OperationHealth,
  OperationId,
  OperationPath,
  OperationRequest,
  OperationResult,
  OperationUndo,
  WorkflowRunStatus,
  WorkloadEnvironment,
} from '@openluffy/plugin-luffy-common';
import type {
  EntitySettings,
  GitopsRepo,
  LuffyClients,
} from '@openluffy/plugin-luffy-node';
import type { z } from 'zod/v3';

/** Everything an operation module gets. */
export type OperationContext = {
  entity: Entity;
  entityRef: string;
  settings: EntitySettings;
  actor: string;
  credentials: BackstageCredentials;
  dryRun: boolean;
  clients: LuffyClients;
  logger: LoggerService;
  limits: OperationLimits;
  gitops(repo: { owner: string; repo: string }): Promise<GitopsRepo>;
  /** Records a request the operation makes (or would make, in a dry run). */
  request(request: OperationRequest): void;
};

/** What a module returns; the service adds entityRef, status, duration and requests. */
export type OperationOutcome = {
  path: OperationPath;
  changes: OperationChange[];
  /** Set when the outcome is a pull request awaiting review. */
  pullRequestUrl?: string;
  health?: OperationHealth;
  undo?: OperationUndo;
  details?: Record<string, unknown>;
};

export type OperationLimits = {
  maxReplicas: number;
};

/** One operation: a module under ./ops. */
export type OperationDefinition<S extends z.AnyZodObject = z.AnyZodObject> = {
  id: OperationId;
  title: string;
  description: string;
  input: S;
  readOnly?: boolean;
  /** A reason when this input is destructive (needs a confirmation token). */
  destructive?: (input: z.infer<S>) => string | undefined;
  run(ctx: OperationContext, input: z.infer<S>): Promise<OperationOutcome>;
};

/** Runs operations with the guardrails (permission, rate limits, confirmation, audit). */
export interface OperationsService {
  list(): Array<{
    id: OperationId;
    title: string;
    description: string;
    readOnly: boolean;
    definition: OperationDefinition;
  }>;
  run(request: {
    entityRef: string;
    operation: string;
    input: Record<string, unknown>;
    credentials: BackstageCredentials;
    dryRun?: boolean;
    confirmationToken?: string;
    /** Where the call came from, for the audit row (`http` or `action`). */
    via?: 'http' | 'action';
  }): Promise<OperationResult>;
  /**
   * The entity's Deployments per environment with rollout health and pods (read-only: the
   * caller must see the entity in the catalog). The pod rows and live rollout progress.
   */
  workloads(request: {
    entityRef: string;
    credentials: BackstageCredentials;
    environment?: string;
  }): Promise<WorkloadEnvironment[]>;
  /** A workflow run of the entity's source repository with its jobs (live progress). */
  workflowRun(request: {
    entityRef: string;
    credentials: BackstageCredentials;
    runId: number;
  }): Promise<WorkflowRunStatus>;
}
