import type express from 'express';
import type { KubeObject } from '../../core/cluster';
import { listOf } from './list';
import type { ApiDeps, Target } from './request';
import { tableOptions, tableVersion, toTable } from './table';
import type { WatchObjectEncoder } from './watch';

/**
 * How objects leave the API server for one request: as stored, converted to the URL's API
 * version (`present`), and printed as a Table when the Accept header asks for one.
 */
export type Presenter = {
  table: boolean;
  one(o: KubeObject): unknown;
  list(items: KubeObject[], metadata: Record<string, unknown>): unknown;
  watch: WatchObjectEncoder;
};

export function presenter(
  deps: ApiDeps,
  req: express.Request,
  t: Target,
  present: (o: KubeObject) => KubeObject = o => o,
): Presenter {
  const version = tableVersion(req);
  if (!version)
    return {
      table: false,
      one: present,
      list: (items, metadata) =>
        listOf(deps, t.type, items.map(present), metadata),
      watch: present,
    };
  const options = tableOptions(req, version, present);
  const rv = (o?: KubeObject) => ({
    resourceVersion: o?.metadata.resourceVersion ?? deps.store.resourceVersion,
  });
  return {
    table: true,
    one: o => toTable(t.type, [o], options, rv(o)),
    list: (items, metadata) =>
      toTable(t.type, items, options, { ...rv(), ...metadata }),
    // every event carries the column definitions (kubectl prints the header once)
    watch: o => toTable(t.type, [o], options, rv(o)),
  };
}
