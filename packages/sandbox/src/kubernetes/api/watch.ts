import type express from 'express';
import { ClusterError, type KubeObject } from '../../core/cluster';
import type { StoredSource } from './list';
import { q, truthy, type ApiDeps, type Target } from './request';

/** How a watch stream sends an object (as is, or converted: a Table row, another API version). */
export type WatchObjectEncoder = (object: KubeObject, first: boolean) => unknown;

/**
 * A watch: newline-delimited `{"type","object"}` events in a chunked 200, starting from the
 * current state or from `resourceVersion` (410 Expired as an ERROR event when too old), with
 * bookmarks and the watch-list (`sendInitialEvents`) protocol.
 */
export function serveWatch(
  { store }: ApiDeps,
  req: express.Request,
  res: express.Response,
  t: Target,
  options: {
    /** The stored resource to watch (default t.type.resource) and its field selector. */
    source?: StoredSource;
    encode?: WatchObjectEncoder;
    contentType?: string;
  } = {},
) {
  const resource = options.source?.resource ?? t.type.resource;
  const opts = {
    namespace: t.type.namespaced ? t.namespace : undefined,
    labelSelector: q(req, 'labelSelector'),
    fieldSelector: options.source
      ? options.source.fieldSelector
      : q(req, 'fieldSelector'),
  };
  if (t.name)
    opts.fieldSelector = [opts.fieldSelector, `metadata.name=${t.name}`]
      .filter(Boolean)
      .join(',');
  const rv = q(req, 'resourceVersion');
  let first = true;
  const encode = (o: KubeObject) => {
    const out = options.encode ? options.encode(o, first) : o;
    first = false;
    return out;
  };
  const send = (e: { type: string; object: unknown }) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(e)}\n`);
  };
  const sendObject = (e: { type: string; object: KubeObject }) =>
    send({ type: e.type, object: encode(e.object) });
  let unsubscribe: (() => void) | undefined;
  // validate the selectors before committing to a 200
  store.listRaw(resource, { ...opts, namespace: opts.namespace });
  res.status(200);
  res.setHeader('Content-Type', options.contentType ?? 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  try {
    const initial = q(req, 'sendInitialEvents');
    if (truthy(initial) || (initial === undefined && (!rv || rv === '0'))) {
      for (const o of store.listRaw(resource, opts))
        sendObject({ type: 'ADDED', object: o });
    }
    if (truthy(initial)) {
      // watch-list: a bookmark marks the end of the initial state
      send({
        type: 'BOOKMARK',
        object: {
          kind: t.type.kind,
          apiVersion: t.type.apiVersion,
          metadata: {
            resourceVersion: store.resourceVersion,
            annotations: { 'k8s.io/initial-events-end': 'true' },
          },
        },
      });
    }
    unsubscribe = store.watchRaw(
      resource,
      { ...opts, resourceVersion: truthy(initial) ? undefined : rv },
      e => sendObject(e),
    );
  } catch (e) {
    if (e instanceof ClusterError) {
      send({ type: 'ERROR', object: e.toStatus() });
      res.end();
      return;
    }
    throw e;
  }
  if (truthy(q(req, 'allowWatchBookmarks'))) {
    const bm = setInterval(() => {
      send({
        type: 'BOOKMARK',
        object: {
          kind: t.type.kind,
          apiVersion: t.type.apiVersion,
          metadata: { resourceVersion: store.resourceVersion },
        },
      });
    }, 60000);
    bm.unref();
    res.on('close', () => clearInterval(bm));
  }
  const timeoutSeconds = Number(q(req, 'timeoutSeconds') ?? 1800);
  const timer = setTimeout(() => {
    unsubscribe?.();
    res.end();
  }, Math.max(0, timeoutSeconds) * 1000);
  timer.unref();
  const close = () => {
    clearTimeout(timer);
    unsubscribe?.();
  };
  req.on('close', close);
  res.on('close', close);
}
