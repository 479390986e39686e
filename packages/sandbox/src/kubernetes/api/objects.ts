import type express from 'express';
import { applyPatch, patchTypeOf } from '../patch';
import { serveEventsV1 } from './eventsV1';
import { listOf, listPage, selectedObjects } from './list';
import { presenter } from './presentation';
import { serveMetrics } from './metrics';
import {
  badRequest,
  checkBody,
  deleteOptions,
  methodNotAllowed,
  notFound,
  parseBody,
  q,
  statusSuccess,
  truthy,
  type ApiDeps,
  type Req,
  type Target,
} from './request';
import { serveSubresource } from './subresources';
import { serveWatch } from './watch';

const RETURNS_OBJECT_ON_DELETE = new Set(['v1/pods', 'v1/namespaces']);

/**
 * One resource path: metrics (read-only), subresources, then the verbs on a collection
 * (list, watch, create, deletecollection) or on one object (get, replace, patch, delete).
 */
export async function dispatch(
  deps: ApiDeps,
  req: Req,
  res: express.Response,
  t: Target,
) {
  const method = req.method.toUpperCase();
  if (t.type.virtual) {
    if (method !== 'GET') throw methodNotAllowed();
    serveMetrics(deps, req, res, t);
    return;
  }
  if (t.type.view) {
    serveEventsV1(deps, req, res, t);
    return;
  }
  if (t.sub) {
    await serveSubresource(deps, req, res, t);
    return;
  }
  if (!t.name) {
    serveCollection(deps, req, res, t);
    return;
  }
  serveObject(deps, req, res, t);
}

function serveCollection(
  deps: ApiDeps,
  req: Req,
  res: express.Response,
  t: Target,
) {
  const { store } = deps;
  const { type } = t;
  const ns = type.namespaced ? t.namespace : undefined;
  switch (req.method.toUpperCase()) {
    case 'GET': {
      const out = presenter(deps, req, t);
      if (t.watchPath || truthy(q(req, 'watch'))) {
        serveWatch(deps, req, res, t, { encode: out.watch });
        return;
      }
      const page = listPage(deps, req, t);
      res.json(out.list(page.items, page.metadata));
      return;
    }
    case 'POST': {
      if (type.namespaced && !ns) throw methodNotAllowed();
      const body = parseBody(req);
      checkBody(type, body, ns);
      if (type.namespaced) body.metadata = { ...body.metadata, namespace: ns };
      const created = store.create(type.resource, body, {
        requireNamespace: true,
        dryRun: q(req, 'dryRun') === 'All',
      });
      res.status(201).json(created);
      return;
    }
    case 'DELETE': {
      const opts = deleteOptions(req);
      const deleted = selectedObjects(deps, req, t).map(
        o =>
          store.delete(
            type.resource,
            o.metadata.namespace,
            o.metadata.name,
            opts,
          ) ?? o,
      );
      res.json(listOf(deps, type, deleted));
      return;
    }
    default:
      throw methodNotAllowed();
  }
}

function serveObject(
  deps: ApiDeps,
  req: Req,
  res: express.Response,
  t: Target,
) {
  const { store } = deps;
  const { type } = t;
  const ns = type.namespaced ? t.namespace : undefined;
  const name = t.name!;
  const dryRun = q(req, 'dryRun') === 'All';
  switch (req.method.toUpperCase()) {
    case 'GET': {
      const o = store.getRaw(type.resource, ns, name);
      if (!o) throw notFound(type, name);
      res.json(presenter(deps, req, t).one(o));
      return;
    }
    case 'PUT': {
      const body = parseBody(req);
      checkBody(type, body, ns, name);
      if (type.namespaced) body.metadata = { ...body.metadata, namespace: ns };
      if (!store.getRaw(type.resource, ns, name)) throw notFound(type, name);
      res.json(store.update(type.resource, body, { dryRun }));
      return;
    }
    case 'PATCH': {
      const ptype = patchTypeOf(req.headers['content-type']);
      const existing = store.getRaw(type.resource, ns, name);
      const body = typeof req.body === 'string' ? req.body : '';
      if (!existing) {
        if (ptype !== 'apply') throw notFound(type, name);
        const obj = applyPatch(ptype, {}, body);
        checkBody(type, obj, ns, name);
        if (type.namespaced) obj.metadata = { ...obj.metadata, namespace: ns };
        res
          .status(201)
          .json(store.create(type.resource, obj, { requireNamespace: true }));
        return;
      }
      const patched = applyPatch(ptype, structuredClone(existing), body);
      if (!patched || typeof patched !== 'object')
        throw badRequest('the patch produced an invalid object');
      patched.metadata = {
        ...patched.metadata,
        name,
        ...(ns ? { namespace: ns } : {}),
      };
      if (patched.metadata.resourceVersion === existing.metadata.resourceVersion)
        delete patched.metadata.resourceVersion;
      res.json(store.update(type.resource, patched, { dryRun }));
      return;
    }
    case 'DELETE': {
      const existing = store.getRaw(type.resource, ns, name);
      if (!existing) throw notFound(type, name);
      if (dryRun) {
        // validated, nothing deleted: the answer the real deletion would give
        deleteOptions(req);
        if (RETURNS_OBJECT_ON_DELETE.has(type.resource))
          res.json({
            ...existing,
            metadata: {
              ...existing.metadata,
              deletionTimestamp: new Date().toISOString(),
            },
          });
        else res.json(statusSuccess(type, existing));
        return;
      }
      const result = store.delete(type.resource, ns, name, deleteOptions(req));
      // pods (graceful termination) and namespaces (Terminating) answer the object itself
      if (RETURNS_OBJECT_ON_DELETE.has(type.resource) && result)
        res.json(result);
      else res.json(statusSuccess(type, existing));
      return;
    }
    default:
      throw methodNotAllowed();
  }
}
