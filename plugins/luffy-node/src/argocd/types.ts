/** An Argo CD instance from `argocd.appLocatorMethods`. @public */
export type ArgoCdInstance = { name: string; url: string };

/** Sync / health status of an Application. @public */
export type ArgoCdSyncStatus = 'Synced' | 'OutOfSync' | 'Unknown' | string;
/** @public */
export type ArgoCdHealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown'
  | string;

/** One history entry of an Application. @public */
export type ArgoCdHistoryEntry = {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt?: string;
  deployStartedAt?: string;
  source?: Record<string, unknown>;
  sources?: Record<string, unknown>[];
  initiatedBy?: { username?: string; automated?: boolean };
};

/** A resource as listed in `status.resources`. @public */
export type ArgoCdResourceStatus = {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: ArgoCdSyncStatus;
  health?: { status?: ArgoCdHealthStatus; message?: string };
  hook?: boolean;
  requiresPruning?: boolean;
};

/** The operation state of an Application. @public */
export type ArgoCdOperationState = {
  phase: 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded' | string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  operation?: Record<string, any>;
  syncResult?: {
    revision?: string;
    resources?: Array<ArgoCdResourceStatus & { message?: string; syncPhase?: string }>;
  };
};

/**
 * An Argo CD Application (argoproj.io/v1alpha1) as the API returns it, plus the instance it
 * came from.
 * @public
 */
export type ArgoCdApplication = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    [key: string]: unknown;
  };
  spec: {
    project?: string;
    source?: Record<string, any>;
    sources?: Record<string, any>[];
    destination?: { server?: string; name?: string; namespace?: string };
    syncPolicy?: {
      automated?: { prune?: boolean; selfHeal?: boolean } | null;
      syncOptions?: string[];
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  status?: {
    sync?: { status?: ArgoCdSyncStatus; revision?: string; revisions?: string[] };
    health?: { status?: ArgoCdHealthStatus; message?: string };
    history?: ArgoCdHistoryEntry[];
    operationState?: ArgoCdOperationState;
    resources?: ArgoCdResourceStatus[];
    conditions?: Array<{ type: string; message?: string }>;
    reconciledAt?: string;
    summary?: { images?: string[]; externalURLs?: string[] };
    [key: string]: unknown;
  };
  /** Name of the Argo CD instance (added by the client). */
  instance: string;
};

/** A node of `GET .../resource-tree`. @public */
export type ArgoCdResourceNode = {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  parentRefs?: Array<{ group?: string; kind: string; namespace?: string; name: string }>;
  health?: { status?: ArgoCdHealthStatus; message?: string };
  info?: Array<{ name: string; value: string }>;
  images?: string[];
  [key: string]: unknown;
};

/** A managed resource with live and desired state (JSON strings, as Argo CD returns them). @public */
export type ArgoCdManagedResource = {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  liveState?: string;
  targetState?: string;
  normalizedLiveState?: string;
  predictedLiveState?: string;
  diff?: string;
  hook?: boolean;
  modified?: boolean;
  [key: string]: unknown;
};

/** Options naming the instance (default: the only one, or the one that has the app). @public */
export type ArgoCdTarget = { instance?: string; appNamespace?: string };

/** Progress report of `waitUntil`. @public */
export type ArgoCdWaitProgress = {
  app: ArgoCdApplication;
  sync?: ArgoCdSyncStatus;
  health?: ArgoCdHealthStatus;
  phase?: string;
  /** Human-readable one-liner: "Synced/Progressing (Deployment acme-dev/checkout: ...)". */
  message: string;
};

/**
 * The shared Argo CD client (all instances of `argocd.appLocatorMethods`).
 * @public
 */
export interface ArgoCdClient {
  instances(): ArgoCdInstance[];
  /** An Application; `NotFoundError` (with Argo CD's message) when absent. */
  getApplication(name: string, options?: ArgoCdTarget & { refresh?: 'normal' | 'hard' }): Promise<ArgoCdApplication>;
  /** Instances that have an Application of this name. */
  findApplication(name: string, options?: { appNamespace?: string }): Promise<ArgoCdApplication[]>;
  /** Applications by label selector and/or projects, across instances (or one). */
  listApplications(options?: {
    selector?: string;
    projects?: string[];
    instance?: string;
    appNamespace?: string;
  }): Promise<ArgoCdApplication[]>;
  sync(
    name: string,
    options?: ArgoCdTarget & {
      prune?: boolean;
      dryRun?: boolean;
      revision?: string;
      resources?: Array<{ group?: string; kind: string; name: string; namespace?: string }>;
    },
  ): Promise<ArgoCdApplication>;
  refresh(name: string, options?: ArgoCdTarget & { type?: 'normal' | 'hard' }): Promise<ArgoCdApplication>;
  /** Argo CD's rollback to a history id (Argo CD refuses while automated sync is on). */
  rollback(name: string, options: ArgoCdTarget & { id: number; prune?: boolean; dryRun?: boolean }): Promise<ArgoCdApplication>;
  history(name: string, options?: ArgoCdTarget): Promise<ArgoCdHistoryEntry[]>;
  resourceTree(name: string, options?: ArgoCdTarget): Promise<{ nodes: ArgoCdResourceNode[] }>;
  managedResources(name: string, options?: ArgoCdTarget): Promise<ArgoCdManagedResource[]>;
  terminateOperation(name: string, options?: ArgoCdTarget): Promise<void>;
  /**
   * Polls (refreshing) until `until(app)` holds — default Synced && Healthy with no running
   * operation (and, with `revision`, synced to it). On timeout throws a ServiceUnavailableError
   * carrying Argo CD's message and the unhealthy resource; a failed operation throws at once.
   */
  waitUntil(
    name: string,
    options?: ArgoCdTarget & {
      until?: (app: ArgoCdApplication) => boolean;
      revision?: string;
      timeoutMs?: number;
      intervalMs?: number;
      onProgress?: (progress: ArgoCdWaitProgress) => void;
      signal?: AbortSignal;
    },
  ): Promise<ArgoCdApplication>;
}
