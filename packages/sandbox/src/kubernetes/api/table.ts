import type express from 'express';
import type { IEvent } from 'kubernetes-models/v1';
import type {
  DeploymentObject,
  KubeObject,
  KubeObjectOf,
  NamespaceObject,
  PodObject,
  ReplicaSetObject,
} from '../../core/cluster';
import { labelSelectorToString } from '../selectors';
import type { ResourceType } from '../resources';
import { badRequest, q } from './request';

/**
 * Server-side printing: the `meta.k8s.io` `Table` kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns of the API server's
 * own printers for pods, deployments, replica sets, namespaces and events (core/v1 and
 * events.k8s.io/v1), and `Name`/`Created At` (the generic printer) for the other kinds.
 */

type Column = {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
};
type Cell = string | number;
type Printer = { columns: Column[]; cells(o: KubeObject, now: number): Cell[] };

/** `v1` or `v1beta1` when the Accept header prefers a Table, else undefined. */
export function tableVersion(req: express.Request): 'v1' | 'v1beta1' | undefined {
  const accept = req.headers.accept;
  if (!accept) return undefined;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map(p => p.trim());
    const p = Object.fromEntries(
      params.map(x => x.split('=').map(s => s.trim().toLowerCase())),
    );
    if (p.as === 'table' && p.g === 'meta.k8s.io') {
      if (type === 'application/json' && (p.v === 'v1' || p.v === 'v1beta1'))
        return p.v;
      continue; // a Table in a format the sandbox does not serve (protobuf)
    }
    if (p.as) continue; // PartialObjectMetadata and other conversions: not served
    if (['application/json', 'application/*', '*/*'].includes(type))
      return undefined;
  }
  return undefined;
}

type IncludeObject = 'None' | 'Metadata' | 'Object';

function includeObjectOf(req: express.Request): IncludeObject {
  const v = q(req, 'includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object')
    throw badRequest(
      `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
    );
  return v;
}

/** How the Table rows embed their objects (per `includeObject`), as seen at `apiVersion`. */
export type TableOptions = {
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  /** Converts a stored object to what the URL's API version serves (events.k8s.io). */
  present?: (o: KubeObject) => KubeObject;
};

export function tableOptions(
  req: express.Request,
  version: 'v1' | 'v1beta1',
  present?: (o: KubeObject) => KubeObject,
): TableOptions {
  return { version, includeObject: includeObjectOf(req), present };
}

/** A Table of `objects` (a list, a single GET, or one watch event). */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  options: TableOptions,
  metadata: Record<string, unknown> = {},
) {
  const printer = printerFor(type);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map(o => {
      const shown = options.present ? options.present(o) : o;
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      if (options.includeObject === 'Object') row.object = shown;
      else if (options.includeObject === 'Metadata')
        row.object = {
          kind: 'PartialObjectMetadata',
          apiVersion: `meta.k8s.io/${options.version}`,
          metadata: shown.metadata,
        };
      return row;
    }),
  };
}

const DOC = {
  name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  creationTimestamp:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

const col = (
  name: string,
  type: Column['type'],
  description: string,
  extra: Partial<Column> = {},
): Column => ({ name, type, format: '', description, priority: 0, ...extra });
const nameCol = col('Name', 'string', DOC.name, { format: 'name' });
const ageCol = col('Age', 'string', DOC.creationTimestamp);
const wide = (c: Column): Column => ({ ...c, priority: 1 });

/** kubectl's duration.HumanDuration: 45s, 4m10s, 25m, 5h3m, 2d3h, 300d, 2y30d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const sec = seconds % 60;
    return sec ? `${minutes}m${sec}s` : `${minutes}m`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m ? `${hours}h${m}m` : `${hours}h`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h ? `${Math.floor(hours / 24)}d${h}h` : `${Math.floor(hours / 24)}d`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d ? `${years}y${d}d` : `${years}y`;
  }
  return `${years}y`;
}

function since(timestamp: string | undefined | null, now: number): string {
  const at = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isFinite(at) ? humanDuration(now - at) : '<unknown>';
}

const age = (o: KubeObject, now: number) =>
  since(o.metadata.creationTimestamp, now);

const podPrinter: Printer = {
  columns: [
    nameCol,
    col(
      'Ready',
      'string',
      'The aggregate readiness state of this pod for accepting traffic.',
    ),
    col(
      'Status',
      'string',
      'The aggregate status of the containers in this pod.',
    ),
    col(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageCol,
    wide(col('IP', 'string', 'IP address allocated to the pod.')),
    wide(col('Node', 'string', 'NodeName of the node the pod runs on.')),
    wide(
      col(
        'Nominated Node',
        'string',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
      ),
    ),
    wide(
      col(
        'Readiness Gates',
        'string',
        'If specified, all readiness gates will be evaluated for pod readiness.',
      ),
    ),
  ],
  cells(o, now) {
    const pod = o as PodObject;
    const statuses = pod.status?.containerStatuses ?? [];
    // (a pod the kubelet has not reported on yet is Pending, as the API server defaults it)
    let reason = pod.status?.reason || pod.status?.phase || 'Pending';
    let restarts = 0;
    let ready = 0;
    let hasRunning = false;
    let lastRestart = 0;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      const finished = c.lastState?.terminated?.finishedAt;
      if (finished)
        lastRestart = Math.max(lastRestart, Date.parse(String(finished)) || 0);
      const { waiting, terminated, running } = c.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated)
        reason = terminated.signal
          ? `Signal:${terminated.signal}`
          : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning)
      reason = pod.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      )
        ? 'Running'
        : 'NotReady';
    if (pod.metadata.deletionTimestamp) reason = 'Terminating';
    const restartText =
      restarts && lastRestart
        ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
        : String(restarts);
    const total = pod.spec?.containers?.length ?? statuses.length;
    return [
      pod.metadata.name,
      `${ready}/${total}`,
      reason,
      restartText,
      age(pod, now),
      pod.status?.podIP || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      pod.spec?.readinessGates?.length
        ? `${pod.spec.readinessGates.length}`
        : '<none>',
    ];
  },
};

const containersCol = wide(
  col('Containers', 'string', 'Names of each container in the template.'),
);
const imagesCol = wide(
  col('Images', 'string', 'Images referenced by each container in the template.'),
);
const selectorCol = wide(
  col('Selector', 'string', 'Label selector for pods.'),
);
const templateCells = (o: DeploymentObject | ReplicaSetObject) => {
  const containers = o.spec?.template?.spec?.containers ?? [];
  return [
    containers.map(c => c.name).join(','),
    containers.map(c => c.image ?? '').join(','),
    labelSelectorToString(o.spec?.selector),
  ];
};

const deploymentPrinter: Printer = {
  columns: [
    nameCol,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'integer',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    col(
      'Available',
      'integer',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageCol,
    containersCol,
    imagesCol,
    selectorCol,
  ],
  cells(o, now) {
    const d = o as DeploymentObject;
    return [
      d.metadata.name,
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(d, now),
      ...templateCells(d),
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    nameCol,
    col('Desired', 'integer', 'Number of desired pods.'),
    col('Current', 'integer', 'Number of actual pods.'),
    col('Ready', 'integer', 'Number of ready pods.'),
    ageCol,
    containersCol,
    imagesCol,
    selectorCol,
  ],
  cells(o, now) {
    const rs = o as ReplicaSetObject;
    return [
      rs.metadata.name,
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs, now),
      ...templateCells(rs),
    ];
  },
};

const namespacePrinter: Printer = {
  columns: [
    nameCol,
    col('Status', 'string', 'The status of the namespace'),
    ageCol,
  ],
  cells(o, now) {
    const ns = o as NamespaceObject;
    return [ns.metadata.name, ns.status?.phase ?? 'Active', age(ns, now)];
  },
};

type CoreEvent = KubeObjectOf<never, never> & Omit<IEvent, 'metadata'>;

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 'Time when last event occurred'),
    col('Type', 'string', 'Type of this event (Normal, Warning).'),
    col('Reason', 'string', 'The reason for this event.'),
    col('Object', 'string', 'The object that this event is about.'),
    wide(col('Subobject', 'string', 'The subobject this event is about.')),
    wide(col('Source', 'string', 'The component reporting this event.')),
    col('Message', 'string', 'A human-readable description of the status.'),
    wide(col('First Seen', 'string', 'Time when first event occurred')),
    wide(col('Count', 'string', 'The number of times this event has occurred.')),
    wide({ ...nameCol, format: 'name' }),
  ],
  cells(o, now) {
    const e = o as CoreEvent;
    const involved = e.involvedObject ?? {};
    const source = e.source?.component
      ? [e.source.component, e.source.host].filter(Boolean).join(', ')
      : e.reportingComponent ?? '';
    const last = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime;
    const first = e.firstTimestamp ?? e.eventTime;
    return [
      since(last ? String(last) : undefined, now),
      e.type ?? '',
      e.reason ?? '',
      `${String(involved.kind ?? '').toLowerCase()}/${involved.name ?? ''}`,
      involved.fieldPath ?? '',
      source,
      e.message ?? '',
      since(first ? String(first) : undefined, now),
      e.series?.count ?? e.count ?? 1,
      e.metadata.name,
    ];
  },
};

const defaultPrinter: Printer = {
  columns: [
    nameCol,
    col('Created At', 'date', DOC.creationTimestamp),
  ],
  cells: o => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

const PRINTERS: Record<string, Printer> = {
  'v1/pods': podPrinter,
  'apps/v1/deployments': deploymentPrinter,
  'apps/v1/replicasets': replicaSetPrinter,
  'v1/namespaces': namespacePrinter,
  'v1/events': eventPrinter,
};

function printerFor(type: ResourceType): Printer {
  return PRINTERS[type.view ?? type.resource] ?? defaultPrinter;
}
