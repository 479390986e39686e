import type { KubernetesObject } from '@kubernetes/client-node';
import { NotFoundError } from '@backstage/errors';
import {
  KUBERNETES_KINDS,
  environmentOf,
  type DetectedFailure,
  type KubernetesAccess,
} from '@openluffy/plugin-luffy-node';

/** The failure reason of a Flux Kustomization whose Ready condition is False. */
export const FLUX_NOT_READY = 'FluxKustomizationNotReady';

type Kustomization = KubernetesObject & {
  spec?: { targetNamespace?: string; path?: string };
  status?: {
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }>;
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
  };
};

/**
 * Failures of Flux Kustomizations (pure): Ready=False. A Kustomization still reconciling
 * (Ready=Unknown) is not a failure. The incident is keyed on the namespace the Kustomization
 * deploys to (`spec.targetNamespace`, else its own) so it sits with the service's workloads.
 */
export function kustomizationFailures(
  cluster: string,
  items: KubernetesObject[],
  now: Date,
): DetectedFailure[] {
  const out: DetectedFailure[] = [];
  for (const k of items as Kustomization[]) {
    const ready = k.status?.conditions?.find(c => c.type === 'Ready');
    if (ready?.status !== 'False') continue;
    const name = k.metadata?.name ?? '';
    const namespace =
      k.spec?.targetNamespace ?? k.metadata?.namespace ?? 'flux-system';
    const labels = k.metadata?.labels ?? {};
    const message = `Flux Kustomization ${
      k.metadata?.namespace
    }/${name} is not Ready: ${ready.reason ?? 'ReconciliationFailed'}${
      ready.message ? `: ${ready.message}` : ''
    }`;
    out.push({
      cluster,
      namespace,
      workload: name,
      workloadKind: 'Kustomization',
      reason: FLUX_NOT_READY,
      message,
      pods: [],
      containers: [],
      detectedAt: now.toISOString(),
      details: {
        findings: [`${FLUX_NOT_READY}: ${message}`],
        labels,
        env: environmentOf({ metadata: { namespace, labels } }),
        fluxNamespace: k.metadata?.namespace,
        lastAppliedRevision: k.status?.lastAppliedRevision,
        lastAttemptedRevision: k.status?.lastAttemptedRevision,
      },
    });
  }
  return out;
}

/**
 * Lists Flux Kustomizations where Flux is installed. A cluster that does not serve
 * `kustomize.toolkit.fluxcd.io/v1` (404) is skipped cleanly — no error, and it is not asked
 * again until `recheckMs` passed; other errors are reported per cluster.
 */
export class FluxKustomizations {
  readonly #absentUntil = new Map<string, number>();

  constructor(
    private readonly kubernetes: KubernetesAccess,
    private readonly recheckMs = 10 * 60_000,
  ) {}

  /** Clusters known (for now) to have no Flux. */
  absent(now = Date.now()): string[] {
    return [...this.#absentUntil]
      .filter(([, until]) => until > now)
      .map(([c]) => c);
  }

  async list(now = Date.now()): Promise<{
    byCluster: Record<string, KubernetesObject[]>;
    errors: string[];
  }> {
    const skip = new Set(this.absent(now));
    const clusters = this.kubernetes
      .clusters()
      .map(c => c.name)
      .filter(c => !skip.has(c));
    const byCluster: Record<string, KubernetesObject[]> = {};
    const errors: string[] = [];
    if (!clusters.length) return { byCluster, errors };
    for (const r of await this.kubernetes.list(
      KUBERNETES_KINDS.fluxKustomizations,
      { clusters },
    )) {
      if (
        r.error instanceof NotFoundError ||
        r.error?.name === 'NotFoundError'
      ) {
        this.#absentUntil.set(r.cluster, now + this.recheckMs);
      } else if (r.error) {
        errors.push(`${r.cluster}: ${r.error.message}`);
      } else {
        this.#absentUntil.delete(r.cluster);
        byCluster[r.cluster] = r.items;
      }
    }
    return { byCluster, errors };
  }
}
