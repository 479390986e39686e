import type express from 'express';
import type { KubeObject } from '../../core/cluster';
import type { ResourceType } from '../resources';
import { badRequest, q, type ApiDeps, type Target } from './request';

/** A `<Kind>List` of `items` at the store's current resourceVersion. */
export function listOf(
  { store }: ApiDeps,
  type: ResourceType,
  items: KubeObject[],
  extra: Record<string, unknown> = {},
) {
  return {
    kind: `${type.kind}List`,
    apiVersion: type.apiVersion,
    metadata: { resourceVersion: store.resourceVersion, ...extra },
    items,
  };
}

/** Where a view (events.k8s.io/v1) reads from: the stored resource and its field selector. */
export type StoredSource = { resource: string; fieldSelector?: string };

/** The objects a list request selects (namespace, label and field selectors). */
export function selectedObjects(
  { store }: ApiDeps,
  req: express.Request,
  t: Target,
  source?: StoredSource,
): KubeObject[] {
  return store.listRaw(source?.resource ?? t.type.resource, {
    namespace: t.type.namespaced ? t.namespace : undefined,
    labelSelector: q(req, 'labelSelector'),
    fieldSelector: source ? source.fieldSelector : q(req, 'fieldSelector'),
  });
}

/** A list, paged with `limit` and `continue` (the token carries the last namespace/name). */
export function listPage(
  deps: ApiDeps,
  req: express.Request,
  t: Target,
  source?: StoredSource,
): { items: KubeObject[]; metadata: Record<string, unknown> } {
  const items = selectedObjects(deps, req, t, source);
  const limit = Number(q(req, 'limit') ?? 0);
  let start = 0;
  const cont = q(req, 'continue');
  if (cont) {
    try {
      const token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8'));
      start = items.findIndex(
        o => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > token.after,
      );
      if (start < 0) start = items.length;
    } catch {
      throw badRequest('continue key is not valid');
    }
  }
  if (limit > 0 && items.length - start > limit) {
    const page = items.slice(start, start + limit);
    const last = page[page.length - 1];
    const token = Buffer.from(
      JSON.stringify({
        after: `${last.metadata.namespace ?? ''}/${last.metadata.name}`,
        rv: deps.store.resourceVersion,
      }),
    ).toString('base64');
    return {
      items: page,
      metadata: {
        continue: token,
        remainingItemCount: items.length - start - limit,
      },
    };
  }
  return { items: start ? items.slice(start) : items, metadata: {} };
}
