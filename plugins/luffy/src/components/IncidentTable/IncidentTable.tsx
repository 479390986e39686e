import {
  Link,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import type { Incident } from '@openluffy/plugin-luffy-common';

export function IncidentStatusLabel({
  status,
}: {
  status: Incident['status'];
}) {
  switch (status) {
    case 'healed':
      return <StatusOK>healed</StatusOK>;
    case 'failed':
      return <StatusError>failed</StatusError>;
    case 'escalated':
      return <StatusWarning>escalated</StatusWarning>;
    case 'dismissed':
      return <StatusAborted>dismissed</StatusAborted>;
    case 'awaiting-approval':
      return <StatusPending>awaiting approval</StatusPending>;
    default:
      return <StatusRunning>{status}</StatusRunning>;
  }
}

/** Incidents as a table: when, where, why, status and the fix's pull request. */
export function IncidentTable(props: {
  title: string;
  incidents: Incident[];
  showEntity?: boolean;
}) {
  const columns: TableColumn<Incident>[] = [
    {
      title: 'Detected',
      field: 'createdAt',
      render: i => new Date(i.createdAt).toLocaleString(),
    },
    ...(props.showEntity
      ? [{ title: 'Service', field: 'entityRef' } as TableColumn<Incident>]
      : []),
    {
      title: 'Workload',
      render: i => `${i.namespace}/${i.workload}`,
    },
    { title: 'Reason', field: 'reason' },
    { title: 'Status', render: i => <IncidentStatusLabel status={i.status} /> },
    { title: 'Diagnosis', field: 'summary' },
    {
      title: 'Pull request',
      render: i =>
        i.pullRequestUrl ? <Link to={i.pullRequestUrl}>open</Link> : '—',
    },
  ];
  return (
    <Table<Incident>
      title={props.title}
      options={{
        paging: props.incidents.length > 20,
        pageSize: 20,
        search: false,
      }}
      columns={columns}
      data={props.incidents}
    />
  );
}
