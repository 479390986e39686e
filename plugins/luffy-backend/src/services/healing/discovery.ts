import type { Entity } from '@backstage/catalog-model';
import type {
  Autonomy,
  HealingEntityStatus,
} from '@openluffy/plugin-luffy-common';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
} from '@openluffy/plugin-luffy-common';
import {
  readEntitySettings,
  type DetectedFailure,
  type EntitySettings,
} from '@openluffy/plugin-luffy-node';

/** A catalog service the engine watches, with how its workloads and apps are found. */
export type ServiceTarget = {
  entity: Entity;
  entityRef: string;
  settings: EntitySettings;
  /** Owner entity ref (for notifications). */
  owner?: string;
  /** Equality label selector of its workloads. */
  selector: Record<string, string>;
  namespace?: string;
  argoAppName?: string;
  argoSelector?: Record<string, string>;
};

/** Parses an equality-based label selector (`a=b,c==d`); undefined when malformed or set-based. */
export function parseLabelSelector(
  value: string,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of value
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const m = part.match(/^([A-Za-z0-9./_-]+)\s*==?\s*([A-Za-z0-9._-]*)$/);
    if (!m) return undefined;
    out[m[1]] = m[2];
  }
  return Object.keys(out).length ? out : undefined;
}

const matches = (
  labels: Record<string, string> | undefined,
  selector: Record<string, string>,
) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function ownerRef(entity: Entity): string | undefined {
  const owner = (entity.spec as any)?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  const ref = owner.includes(':') ? owner : `group:${owner}`;
  return ref.includes('/')
    ? ref.toLocaleLowerCase('en-US')
    : ref.replace(':', ':default/').toLocaleLowerCase('en-US');
}

/**
 * Reads the services to watch from catalog entities: those with Kubernetes annotations. A
 * malformed annotation gives that entity an error (visible through the API), never a failed
 * sweep.
 */
export function discoverTargets(
  entities: Entity[],
  defaults: { gitopsRepo?: string; autonomy?: Autonomy },
): { targets: ServiceTarget[]; statuses: HealingEntityStatus[] } {
  const targets: ServiceTarget[] = [];
  const statuses: HealingEntityStatus[] = [];
  for (const entity of entities) {
    const a = entity.metadata.annotations ?? {};
    const hasKube =
      a[ANNOTATION_KUBERNETES_ID] || a[ANNOTATION_KUBERNETES_LABEL_SELECTOR];
    if (!hasKube) continue;
    const entityRef = `${entity.kind}:${
      entity.metadata.namespace ?? 'default'
    }/${entity.metadata.name}`.toLocaleLowerCase('en-US');
    const errors: string[] = [];
    let settings: EntitySettings | undefined;
    try {
      settings = readEntitySettings(entity, defaults);
    } catch (e: any) {
      errors.push(String(e?.message ?? e));
    }
    let selector: Record<string, string> | undefined;
    if (a[ANNOTATION_KUBERNETES_LABEL_SELECTOR]) {
      selector = parseLabelSelector(a[ANNOTATION_KUBERNETES_LABEL_SELECTOR]);
      if (!selector) {
        errors.push(
          `${entityRef}: annotation ${ANNOTATION_KUBERNETES_LABEL_SELECTOR} must be an equality selector like "app=checkout,tier=api", got "${a[ANNOTATION_KUBERNETES_LABEL_SELECTOR]}"`,
        );
      }
    } else if (a[ANNOTATION_KUBERNETES_ID]) {
      if (
        !/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(
          a[ANNOTATION_KUBERNETES_ID],
        )
      ) {
        errors.push(
          `${entityRef}: annotation ${ANNOTATION_KUBERNETES_ID} must be a label value, got "${a[ANNOTATION_KUBERNETES_ID]}"`,
        );
      } else {
        selector = { [ANNOTATION_KUBERNETES_ID]: a[ANNOTATION_KUBERNETES_ID] };
      }
    }
    let argoSelector: Record<string, string> | undefined;
    if (a[ANNOTATION_ARGOCD_APP_SELECTOR]) {
      argoSelector = parseLabelSelector(a[ANNOTATION_ARGOCD_APP_SELECTOR]);
      if (!argoSelector) {
        errors.push(
          `${entityRef}: annotation ${ANNOTATION_ARGOCD_APP_SELECTOR} must be an equality selector like "backstage-name=checkout", got "${a[ANNOTATION_ARGOCD_APP_SELECTOR]}"`,
        );
      }
    }
    statuses.push({ entityRef, autonomy: settings?.autonomy, errors });
    if (errors.length || !settings || !selector) continue;
    targets.push({
      entity,
      entityRef,
      settings,
      owner: ownerRef(entity),
      selector,
      namespace: a[ANNOTATION_KUBERNETES_NAMESPACE],
      argoAppName: a[ANNOTATION_ARGOCD_APP_NAME],
      argoSelector,
    });
  }
  return { targets, statuses };
}

/** The service a failure belongs to: workload labels against the selector, or its Argo CD app. */
export function targetOf(
  failure: DetectedFailure,
  targets: ServiceTarget[],
): ServiceTarget | undefined {
  const labels = (failure.details?.labels ?? {}) as Record<string, string>;
  const app = failure.details?.argoApp as string | undefined;
  return targets.find(t => {
    if (t.namespace && t.namespace !== failure.namespace) return false;
    if (matches(labels, t.selector)) return true;
    if (
      failure.workloadKind === 'Application' ||
      failure.reason.startsWith('ArgoCD')
    ) {
      if (
        t.argoAppName &&
        (t.argoAppName === app || t.argoAppName === failure.workload)
      )
        return true;
      if (t.argoSelector && matches(labels, t.argoSelector)) return true;
    }
    return false;
  });
}
