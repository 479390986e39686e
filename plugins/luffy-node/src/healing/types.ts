import type {
  Diagnosis,
  IncidentContext,
} from '@openluffy/plugin-luffy-common';
import type { DetectedFailure } from '../extensions';

/** A container of the live workload as a diagnoser may see it (env redacted). @public */
export type WorkloadContainer = {
  name: string;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  readinessProbe?: Record<string, any>;
  livenessProbe?: Record<string, any>;
  startupProbe?: Record<string, any>;
};

/** The live workload's spec, reduced to what fixes may touch. @public */
export type WorkloadSpec = {
  kind: string;
  namespace: string;
  name: string;
  replicas?: number;
  containers: WorkloadContainer[];
};

/** Everything a diagnoser gets: redacted context, never a secret. @public */
export type HealingDiagnosisInput = {
  incidentId: string;
  failure: DetectedFailure;
  context: IncidentContext;
  workload?: WorkloadSpec;
  /** Values of variables known from ConfigMaps of the namespace (never Secrets) or config. */
  knownEnv?: Record<string, string>;
  /** The last change of the workload's GitOps folder, for crash-after-change rollbacks. */
  lastChange?: { sha: string; message: string; at: string };
  /** When the failure began. */
  failingSince?: string;
};

/** A diagnoser of the healing engine (rules, Anthropic, or an extension). @public */
export interface HealingDiagnoser {
  readonly id: string;
  diagnose(
    input: HealingDiagnosisInput,
    options?: { signal?: AbortSignal },
  ): Promise<Diagnosis>;
}

/** Limits of what a fix may set. @public */
export type PatchBounds = {
  /** Highest memory limit a fix may set. Default 4Gi. */
  maxMemory: string;
  /** Highest CPU limit a fix may set. Default 4. */
  maxCpu: string;
  /** A fix may at most multiply a resource by this. Default 4. */
  maxFactor: number;
  /** Replicas range. Default 1..20. */
  minReplicas: number;
  maxReplicas: number;
  /** Longest probe timing (seconds). Default 600. */
  maxProbeSeconds: number;
};

/** @public */
export const DEFAULT_PATCH_BOUNDS: PatchBounds = {
  maxMemory: '4Gi',
  maxCpu: '4',
  maxFactor: 4,
  minReplicas: 1,
  maxReplicas: 20,
  maxProbeSeconds: 600,
};
