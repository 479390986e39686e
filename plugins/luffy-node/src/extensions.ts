import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ArgoCdApplication } from './argocd/types';

/** A failure seen on a workload (detector output, before deduplication). @public */
export type DetectedFailure = {
  cluster: string;
  namespace: string;
  /** Workload name (e.g. the Deployment). */
  workload: string;
  workloadKind?: string;
  /** Short reason: CrashLoopBackOff, OOMKilled, Unavailable, ReadinessFailing, ArgoDegraded… */
  reason: string;
  message?: string;
  /** Pods involved, for context collection. */
  pods?: string[];
  containers?: string[];
  /** Entity the workload belongs to, when known. */
  entityRef?: string;
  detectedAt?: string;
  details?: Record<string, unknown>;
};

/** What detectors look at: one snapshot per sweep (lists per cluster and kind). @public */
export type DetectionSnapshot = {
  /** Objects by cluster, then by kind plural (`pods`, `deployments`, …). */
  objects: Record<string, Record<string, KubernetesObject[]>>;
  argoApplications: ArgoCdApplication[];
  now: Date;
};

/** Finds failures in a snapshot. @public */
export interface LuffyDetector {
  readonly id: string;
  detect(snapshot: DetectionSnapshot): Promise<DetectedFailure[]> | DetectedFailure[];
}

/** Input of a diagnosis: the redacted context of an incident. @public */
export type DiagnosisInput = {
  incidentId: string;
  failure: DetectedFailure;
  /** Redacted log lines per container. */
  logs: Record<string, string[]>;
  /** Redacted Warning events. */
  events: Array<{ reason?: string; message?: string; count?: number; lastTimestamp?: string }>;
  /** Current manifest from git, if located. */
  manifest?: { path: string; content: string };
  metrics?: Record<string, unknown>;
};

/** A proposed change to a workload (validated against policy before use). @public */
export type DiagnosisPatch = {
  container?: string;
  resources?: {
    limits?: { cpu?: string; memory?: string };
    requests?: { cpu?: string; memory?: string };
  };
  env?: Array<{ name: string; value: string }>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  replicas?: number;
};

/** Output of a diagnoser. @public */
export type Diagnosis = {
  rootCause: string;
  /** 0..1 */
  confidence: number;
  evidence: string[];
  patch?: DiagnosisPatch;
  /** Runbook id, e.g. `raise-memory-limit`. */
  runbook?: string;
  /** Set when the diagnoser recommends a human look (no safe patch). */
  escalate?: boolean;
  provider: string;
};

/** Diagnoses an incident. @public */
export interface LuffyDiagnoser {
  readonly id: string;
  diagnose(input: DiagnosisInput, options?: { signal?: AbortSignal }): Promise<Diagnosis>;
}

/** Something worth telling people about. @public */
export type LuffyNotification = {
  kind: 'incident' | 'pull-request' | 'operation';
  title: string;
  text: string;
  severity: 'info' | 'warning' | 'error' | 'success';
  entityRef?: string;
  url?: string;
  incidentId?: string;
};

/** Delivers notifications (Slack, Discord, …). @public */
export interface LuffyNotifier {
  readonly id: string;
  notify(notification: LuffyNotification): Promise<void>;
}

/** @public */
export interface LuffyDiagnosersExtensionPoint {
  addDiagnoser(...diagnosers: LuffyDiagnoser[]): void;
}
/** @public */
export interface LuffyDetectorsExtensionPoint {
  addDetector(...detectors: LuffyDetector[]): void;
}
/** @public */
export interface LuffyNotifiersExtensionPoint {
  addNotifier(...notifiers: LuffyNotifier[]): void;
}

/** Modules of the `luffy` plugin add diagnosers here. @public */
export const luffyDiagnosersExtensionPoint =
  createExtensionPoint<LuffyDiagnosersExtensionPoint>({ id: 'luffy.diagnosers' });
/** Modules of the `luffy` plugin add detectors here. @public */
export const luffyDetectorsExtensionPoint =
  createExtensionPoint<LuffyDetectorsExtensionPoint>({ id: 'luffy.detectors' });
/** Modules of the `luffy` plugin add notifiers here. @public */
export const luffyNotifiersExtensionPoint =
  createExtensionPoint<LuffyNotifiersExtensionPoint>({ id: 'luffy.notifiers' });
