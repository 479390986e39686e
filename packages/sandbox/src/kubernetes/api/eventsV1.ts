import type express from 'express';
import {
  eventsV1FieldSelector,
  fromEventsV1,
  toEventsV1,
} from '../eventsV1';
import { listPage, type StoredSource } from './list';
import { presenter } from './presentation';
import {
  checkBody,
  deleteOptions,
  methodNotAllowed,
  notFound,
  parseBody,
  q,
  statusSuccess,
  truthy,
  type ApiDeps,
  type Target,
} from './request';
import { serveWatch } from './watch';

/**
 * `/apis/events.k8s.io/v1/…/events`: list, watch, get, create and delete, over the stored
 * core/v1 events (converted both ways; field selectors on events.k8s.io names are mapped).
 */
export function serveEventsV1(
  deps: ApiDeps,
  req: express.Request,
  res: express.Response,
  t: Target,
) {
  const { store } = deps;
  const { type } = t;
  const ns = t.namespace;
  const method = req.method.toUpperCase();
  const source: StoredSource = {
    resource: type.view!,
    fieldSelector: eventsV1FieldSelector(q(req, 'fieldSelector')),
  };
  const out = presenter(deps, req, t, toEventsV1);
  if (t.sub) throw notFound(type, `${t.name}/${t.sub}`);
  if (!t.name) {
    if (method === 'GET') {
      if (t.watchPath || truthy(q(req, 'watch'))) {
        serveWatch(deps, req, res, t, { source, encode: out.watch });
        return;
      }
      const page = listPage(deps, req, t, source);
      res.json(out.list(page.items, page.metadata));
      return;
    }
    if (method === 'POST') {
      if (!ns) throw methodNotAllowed();
      const body = parseBody(req);
      checkBody(type, body, ns);
      body.metadata = { ...body.metadata, namespace: ns };
      const created = store.create(source.resource, fromEventsV1(body), {
        requireNamespace: true,
        dryRun: q(req, 'dryRun') === 'All',
      });
      res.status(201).json(toEventsV1(created));
      return;
    }
    throw methodNotAllowed();
  }
  const existing = store.getRaw(source.resource, ns, t.name);
  if (!existing) throw notFound(type, t.name);
  if (method === 'GET') {
    res.json(out.one(existing));
    return;
  }
  if (method === 'DELETE') {
    store.delete(source.resource, ns, t.name, deleteOptions(req));
    res.json(statusSuccess(type, existing));
    return;
  }
  throw methodNotAllowed();
}
