import type express from 'express';
import { ClusterError, type KubeObject } from '../../core/cluster';
import { labelSelectorToString } from '../selectors';
import { serveLog } from './logs';
import {
  methodNotAllowed,
  notFound,
  putOrPatchBody,
  q,
  type ApiDeps,
  type Req,
  type Target,
} from './request';

/** `…/<name>/status`, `…/<name>/scale` (autoscaling/v1 Scale) and `pods/<name>/log`. */
export async function serveSubresource(
  deps: ApiDeps,
  req: Req,
  res: express.Response,
  t: Target,
) {
  const { store } = deps;
  const { type } = t;
  const ns = type.namespaced ? t.namespace : undefined;
  const name = t.name!;
  const method = req.method.toUpperCase();
  if (!(type.subresources ?? []).includes(t.sub!))
    throw new ClusterError(
      404,
      'NotFound',
      'the server could not find the requested resource',
    );
  const existing = store.getRaw(type.resource, ns, name);
  if (!existing) throw notFound(type, name);
  if (t.sub === 'log') {
    if (method !== 'GET') throw methodNotAllowed();
    await serveLog(deps, req, res, existing);
    return;
  }
  if (t.sub === 'status') {
    if (method === 'GET') {
      res.json(existing);
      return;
    }
    const next = putOrPatchBody(req, () => structuredClone(existing));
    res.json(
      store.replaceStatus(
        type.resource,
        ns,
        name,
        next.status,
        method === 'PUT' ? next.metadata?.resourceVersion : undefined,
      ),
    );
    return;
  }
  if (method === 'GET') {
    res.json(scaleOf(existing));
    return;
  }
  const scale = putOrPatchBody(req, () => scaleOf(existing));
  const replicas = scale?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new ClusterError(
      422,
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(
        replicas,
      )}: must be greater than or equal to 0`,
      { name, group: 'autoscaling', kind: 'Scale' },
    );
  const rv = method === 'PUT' ? scale?.metadata?.resourceVersion : undefined;
  const updated = store.update(
    type.resource,
    {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: rv },
      spec: { ...existing.spec, replicas },
    },
    { dryRun: q(req, 'dryRun') === 'All' },
  );
  res.json(scaleOf(updated));
}

/** The autoscaling/v1 `Scale` of a scalable object. */
function scaleOf(o: KubeObject) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: {
      replicas: o.status?.replicas ?? 0,
      selector: labelSelectorToString(o.spec?.selector),
    },
  };
}
