import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import type { Entity } from '@backstage/catalog-model';
import type { Incident } from '@openluffy/plugin-luffy-common';
import { OPEN_INCIDENT_STATUSES } from '@openluffy/plugin-luffy-common';
import { errorState } from '../../hooks/errors';

/** What the services view knows about a service's open pull requests. */
export type PullRequestCount =
  | { state: 'loaded'; open: number; healing: number; reviewRequested: number }
  | { state: 'error'; error: Error }
  | { state: 'none' }; // no github.com/project-slug annotation

export type ServiceRow = {
  entityRef: string;
  namespace: string;
  name: string;
  owner?: string;
  system?: string;
  openIncidents: number;
  awaitingApproval: number;
  pullRequests: PullRequestCount;
};

/** A row per catalog service from its entity, its incidents and its pull request count. */
export function serviceRows(
  entities: Entity[],
  incidents: Incident[],
  pullRequests: Map<string, PullRequestCount>,
): ServiceRow[] {
  return entities.map(e => {
    const namespace = e.metadata.namespace ?? 'default';
    const entityRef =
      `${e.kind}:${namespace}/${e.metadata.name}`.toLocaleLowerCase('en-US');
    const mine = incidents.filter(
      i => i.entityRef.toLocaleLowerCase('en-US') === entityRef,
    );
    const spec = (e.spec ?? {}) as { owner?: unknown; system?: unknown };
    return {
      entityRef,
      namespace,
      name: e.metadata.name,
      owner: typeof spec.owner === 'string' ? spec.owner : undefined,
      system: typeof spec.system === 'string' ? spec.system : undefined,
      openIncidents: mine.filter(i => OPEN_INCIDENT_STATUSES.includes(i.status))
        .length,
      awaitingApproval: mine.filter(i => i.status === 'awaiting-approval')
        .length,
      pullRequests: pullRequests.get(entityRef) ?? { state: 'none' },
    };
  });
}

/** A service needs attention with an open incident or an open pull request. */
export function needsAttention(row: ServiceRow): boolean {
  return (
    row.openIncidents > 0 ||
    (row.pullRequests.state === 'loaded' && row.pullRequests.open > 0)
  );
}

function PullRequestCell({ row }: { row: ServiceRow }) {
  const prs = row.pullRequests;
  if (prs.state === 'none') return <>—</>;
  if (prs.state === 'error') {
    const s = errorState(prs.error);
    if (s.kind === 'rate-limited') {
      return (
        <StatusWarning>
          GitHub rate-limited
          {s.resetAt ? ` until ${s.resetAt.toLocaleTimeString()}` : ''}
        </StatusWarning>
      );
    }
    if (s.kind === 'no-access') return <StatusWarning>no access</StatusWarning>;
    return <StatusError>unavailable: {s.message}</StatusError>;
  }
  if (!prs.open) return <>0</>;
  const notes = [
    prs.healing ? `${prs.healing} healing` : undefined,
    prs.reviewRequested ? `${prs.reviewRequested} awaiting review` : undefined,
  ].filter(Boolean);
  return (
    <Link to={`/catalog/${row.namespace}/component/${row.name}/pull-requests`}>
      {prs.open} open{notes.length ? ` (${notes.join(', ')})` : ''}
    </Link>
  );
}

function Attention({ row }: { row: ServiceRow }) {
  if (row.awaitingApproval) {
    return (
      <StatusPending>{row.awaitingApproval} awaiting approval</StatusPending>
    );
  }
  if (row.openIncidents) {
    return <StatusError>{row.openIncidents} open incident(s)</StatusError>;
  }
  if (row.pullRequests.state === 'loaded' && row.pullRequests.open) {
    return <StatusWarning>pull requests open</StatusWarning>;
  }
  return <StatusOK>nothing pending</StatusOK>;
}

/** Services with open incidents or open pull requests, like a catalog view. */
export function ServicesNeedingAttention(props: {
  rows: ServiceRow[];
  loading?: boolean;
}) {
  const rows = props.rows.filter(
    r => needsAttention(r) || r.pullRequests.state === 'error',
  );
  const columns: TableColumn<ServiceRow>[] = [
    {
      title: 'Service',
      field: 'name',
      render: r => (
        <Link to={`/catalog/${r.namespace}/component/${r.name}`}>{r.name}</Link>
      ),
    },
    { title: 'Owner', field: 'owner' },
    { title: 'System', field: 'system' },
    { title: 'Attention', render: r => <Attention row={r} /> },
    {
      title: 'Open incidents',
      field: 'openIncidents',
      render: r =>
        r.openIncidents ? (
          <Link to={`/catalog/${r.namespace}/component/${r.name}/healing`}>
            {r.openIncidents}
          </Link>
        ) : (
          '0'
        ),
    },
    { title: 'Open pull requests', render: r => <PullRequestCell row={r} /> },
  ];
  return (
    <div data-testid="luffy-services-attention">
      <Table<ServiceRow>
        title="Services needing attention"
        subtitle="Services with open incidents or open pull requests"
        isLoading={props.loading}
        options={{ paging: rows.length > 20, pageSize: 20, search: false }}
        columns={columns}
        data={rows}
        emptyContent={
          <div style={{ padding: 16 }}>
            No service has an open incident or an open pull request.
          </div>
        }
      />
    </div>
  );
}
