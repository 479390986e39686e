import { ClusterError, type KubeObject } from '../core/cluster';

/**
 * events.k8s.io/v1 Events are a view of the stored core/v1 Events, converted field by field as
 * the API server converts them (involvedObject ↔ regarding, message ↔ note, source ↔
 * deprecatedSource, first/lastTimestamp and count ↔ deprecated*, reportingComponent ↔
 * reportingController).
 */
const omitUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function toEventsV1(e: KubeObject): KubeObject {
  const source = e.source as { component?: string; host?: string } | undefined;
  return omitUndefined({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    series: e.series,
    reportingController: e.reportingComponent ?? source?.component ?? '',
    reportingInstance: e.reportingInstance ?? source?.host ?? '',
    action: e.action,
    reason: e.reason,
    regarding: e.involvedObject,
    related: e.related,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  }) as KubeObject;
}

/** An events.k8s.io/v1 Event to store as core/v1 (create); 422 for missing required fields. */
export function fromEventsV1(e: any): KubeObject {
  const missing = [
    'eventTime',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
  ].filter(k => !e?.[k]);
  if (missing.length)
    throw new ClusterError(
      422,
      'Invalid',
      `Event.events.k8s.io "${e?.metadata?.name ?? ''}" is invalid: ${missing
        .map(k => `${k}: Required value`)
        .join(', ')}`,
      { name: e?.metadata?.name, group: 'events.k8s.io', kind: 'Event' },
    );
  return omitUndefined({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime,
    series: e.series,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
    action: e.action,
    reason: e.reason,
    involvedObject: e.regarding ?? {},
    related: e.related,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
  }) as KubeObject;
}

const FIELD_PREFIXES: Array<[string, string]> = [
  ['regarding.', 'involvedObject.'],
  ['deprecatedSource.', 'source.'],
  ['reportingController', 'reportingComponent'],
  ['note', 'message'],
  ['deprecatedCount', 'count'],
];

/** A field selector on events.k8s.io/v1 fields, on the stored core/v1 fields. */
export function eventsV1FieldSelector(selector: string | undefined) {
  if (!selector) return selector;
  return selector
    .split(',')
    .map(term => {
      const t = term.trim();
      for (const [from, to] of FIELD_PREFIXES)
        if (t.startsWith(from)) return to + t.slice(from.length);
      return t;
    })
    .join(',');
}
