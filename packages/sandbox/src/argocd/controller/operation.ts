import type { ClusterStore, KubeObject } from '../../core/cluster';
import type { AppSource, RenderedSource } from '../source';
import { inSync, type Comparer } from './compare';
import {
  HISTORY_LIMIT,
  LAST_APPLIED,
  groupVersion,
  kindRank,
  type Application,
  type Flight,
  type HistoryEntry,
  type Operation,
} from './types';

/** How a sync operation ended: the `operationState` fields and, on success, the new history. */
export type SyncOutcome = {
  state: Record<string, unknown>;
  history?: HistoryEntry[];
};

/**
 * Runs a sync operation like gitops-engine: renders the operation's revision, applies the
 * objects in kind order (creating the destination namespace when `CreateNamespace=true`),
 * prunes what git no longer has when asked (reverse order), and reports per-resource results.
 */
export async function runSync(opts: {
  comparer: Comparer;
  cluster: ClusterStore;
  app: Application;
  operation: Operation;
  startedAt: string;
  flight: Flight;
  now: () => string;
  /** The app as stored now (its history may have moved since the start). */
  current: () => Application | undefined;
}): Promise<SyncOutcome> {
  const { comparer, cluster, app, operation, startedAt, flight, now } = opts;
  const sync = operation.sync ?? {};
  const source = (sync.source ?? app.spec?.source) as AppSource;
  const base = { operation, startedAt };
  let sha: string;
  let rendered: RenderedSource;
  try {
    sha = (await comparer.resolve(source, sync.revision)).sha;
    rendered = await comparer.render(app, source, sha);
  } catch (e) {
    return {
      state: {
        ...base,
        phase: 'Error',
        message: `ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: ${
          (e as Error).message
        }`,
      },
    };
  }
  const targets = comparer
    .decorate(app, rendered.objects)
    .sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
  const selected = (o: {
    kind: string;
    apiVersion?: string;
    metadata: { name: string; namespace?: string };
  }) =>
    !sync.resources?.length ||
    sync.resources.some(
      r =>
        r.kind === o.kind &&
        r.name === o.metadata.name &&
        (!r.namespace || r.namespace === (o.metadata.namespace ?? '')) &&
        (r.group === undefined ||
          r.group === groupVersion(o.apiVersion ?? '').group),
    );
  const results: Array<Record<string, unknown>> = [];
  let failed: string | undefined;
  const syncOptions = [
    ...(app.spec?.syncPolicy?.syncOptions ?? []),
    ...(sync.syncOptions ?? []),
  ];
  const destNs = app.spec?.destination?.namespace;
  if (
    destNs &&
    !sync.dryRun &&
    cluster.resourceType('v1/namespaces') &&
    !cluster.get('v1/namespaces', undefined, destNs)
  ) {
    if (syncOptions.includes('CreateNamespace=true')) {
      cluster.apply('v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: destNs },
      });
      results.push({
        group: '',
        version: 'v1',
        kind: 'Namespace',
        namespace: '',
        name: destNs,
        status: 'Synced',
        message: `namespace/${destNs} created`,
        hookPhase: 'Running',
        syncPhase: 'PreSync',
      });
    } else {
      failed = `namespaces "${destNs}" not found`;
    }
  }
  for (const t of failed ? [] : targets) {
    if (flight.terminated) break;
    if (!selected(t)) continue;
    const { group, version } = groupVersion(t.apiVersion);
    const res = cluster.resourceForKind(t.apiVersion, t.kind);
    const line = {
      group,
      version,
      kind: t.kind,
      namespace: t.metadata.namespace ?? '',
      name: t.metadata.name,
      hookPhase: 'Running',
      syncPhase: 'Sync',
    };
    const ref = `${t.kind.toLowerCase()}${group ? `.${group}` : ''}/${
      t.metadata.name
    }`;
    if (!res) {
      failed = `The Kubernetes API could not find ${group || 'core'}/${
        t.kind
      } for requested resource ${t.metadata.namespace ?? ''}/${
        t.metadata.name
      }. Make sure the "${
        t.kind
      }" CRD is installed on the destination cluster.`;
      results.push({
        ...line,
        status: 'SyncFailed',
        message: failed,
        hookPhase: 'Failed',
      });
      continue;
    }
    const live = cluster.get(res, t.metadata.namespace, t.metadata.name);
    const unchanged = inSync(t, live);
    let verb = 'created';
    if (live) verb = unchanged ? 'unchanged' : 'configured';
    if (sync.dryRun) {
      results.push({
        ...line,
        status: 'Synced',
        message: `${ref} ${verb} (dry run)`,
      });
      continue;
    }
    try {
      if (!unchanged || !live) cluster.apply(res, applied(t, live));
      results.push({ ...line, status: 'Synced', message: `${ref} ${verb}` });
    } catch (e) {
      failed = `${ref}: ${(e as Error).message}`;
      results.push({
        ...line,
        status: 'SyncFailed',
        message: (e as Error).message,
        hookPhase: 'Failed',
      });
    }
  }
  // prune: managed live objects no longer in git
  if (!failed && !flight.terminated) {
    const keyOf = (o: KubeObject) =>
      `${groupVersion(o.apiVersion).group}/${o.kind}/${
        o.metadata.namespace ?? ''
      }/${o.metadata.name}`;
    const targetKeys = new Set(targets.map(keyOf));
    const extras = comparer
      .liveManaged(
        app,
        comparer.managedTypes(app, targets),
        targets.map(t => t.metadata.namespace),
      )
      .filter(o => !targetKeys.has(keyOf(o)))
      .filter(o => selected(o))
      .sort((a, b) => kindRank(b.kind) - kindRank(a.kind));
    for (const o of extras) {
      const { group, version } = groupVersion(o.apiVersion);
      const line = {
        group,
        version,
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
        hookPhase: 'Running',
        syncPhase: 'Sync',
      };
      if (!sync.prune) {
        results.push({
          ...line,
          status: 'PruneSkipped',
          message: 'ignored (requires pruning)',
        });
        continue;
      }
      if (sync.dryRun) {
        results.push({
          ...line,
          status: 'Pruned',
          message: 'pruned (dry run)',
        });
        continue;
      }
      const res = cluster.resourceForKind(o.apiVersion, o.kind)!;
      cluster.delete(res, o.metadata.namespace, o.metadata.name);
      results.push({ ...line, status: 'Pruned', message: 'pruned' });
    }
  }
  const syncResult = { resources: results, revision: sha, source };
  if (flight.terminated) {
    return {
      state: {
        ...base,
        phase: 'Failed',
        message: 'Operation terminated',
        syncResult,
      },
    };
  }
  if (failed) {
    return {
      state: {
        ...base,
        phase: 'Failed',
        message: `one or more objects failed to apply, reason: ${failed}`,
        syncResult,
      },
    };
  }
  const fresh = opts.current() ?? app;
  let history: HistoryEntry[] | undefined;
  if (!sync.dryRun) {
    const prev = fresh.status?.history ?? [];
    const id = prev.reduce((m, h) => Math.max(m, h.id), -1) + 1;
    const limit = fresh.spec?.revisionHistoryLimit ?? HISTORY_LIMIT;
    history = [
      ...prev,
      {
        id,
        revision: sha,
        deployStartedAt: startedAt,
        deployedAt: now(),
        source: source as HistoryEntry['source'],
        initiatedBy: operation.initiatedBy ?? {},
      },
    ].slice(-Math.max(1, limit));
  }
  return {
    state: {
      ...base,
      phase: 'Succeeded',
      message: sync.dryRun
        ? 'successfully synced (dry run)'
        : 'successfully synced (all tasks run)',
      syncResult,
    },
    history,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Three-way merge like `kubectl apply` (JSON merge semantics; lists are replaced whole): fields
 * set in `target` win, fields the last apply set but `target` no longer has are removed, and
 * fields only `live` has (set by others: a rollout restart's pod-template annotation, the
 * deployment revision, status) are kept.
 */
export function threeWayMerge(
  last: unknown,
  target: unknown,
  live: unknown,
): unknown {
  if (!isObject(target) || !isObject(live)) return structuredClone(target);
  const out: Record<string, unknown> = { ...live };
  if (isObject(last))
    for (const k of Object.keys(last)) if (!(k in target)) delete out[k];
  for (const [k, v] of Object.entries(target))
    out[k] = threeWayMerge(isObject(last) ? last[k] : undefined, v, live[k]);
  return out;
}

/**
 * What `kubectl apply` leaves: the three-way merge of the last applied configuration (the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation), the target and the live
 * object, with the target recorded as the new last applied configuration.
 */
export function applied(
  target: KubeObject,
  live: KubeObject | undefined,
): KubeObject {
  const lastText = live?.metadata.annotations?.[LAST_APPLIED];
  let last: unknown = {};
  try {
    last = lastText ? JSON.parse(lastText) : {};
  } catch {
    last = {}; // unreadable: remove nothing, like kubectl with no annotation
  }
  const obj = (
    live ? threeWayMerge(last, target, live) : structuredClone(target)
  ) as KubeObject;
  delete obj.metadata.resourceVersion;
  delete obj.metadata.managedFields;
  obj.metadata.annotations = {
    ...(obj.metadata.annotations ?? {}),
    [LAST_APPLIED]: JSON.stringify(target),
  };
  return obj;
}
