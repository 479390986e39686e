import {
  InfoCard,
  Progress,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { AuditEvent } from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type { EntityName } from '../../api';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { useOperationsClient } from './operationsClient';

const columns: TableColumn<AuditEvent>[] = [
  { title: 'When', render: e => new Date(e.createdAt).toLocaleString() },
  { title: 'Who', field: 'actor' },
  { title: 'Action', field: 'action' },
  { title: 'Outcome', field: 'outcome' },
  {
    title: 'Input',
    render: e => <code>{e.input ? JSON.stringify(e.input) : '—'}</code>,
  },
  {
    title: 'Duration',
    render: e => (e.durationMs !== undefined ? `${e.durationMs} ms` : '—'),
  },
];

/** The entity's audit trail (`GET /audit?target=<entity ref>`), newest first. */
export function AuditTrailCard(props: {
  entity: EntityName;
  refreshKey?: unknown;
}) {
  const { entity } = props;
  const client = useOperationsClient();
  const target =
    `${entity.kind}:${entity.namespace}/${entity.name}`.toLocaleLowerCase(
      'en-US',
    );
  const { value, loading, error, retry } = useAsyncRetry(
    () => client.audit(target),
    [client, target, props.refreshKey],
  );
  return (
    <InfoCard
      title="Audit trail"
      subheader="Operations and decisions on this service"
    >
      {loading && !value && <Progress />}
      {error && !value && (
        <ErrorStatePanel error={error} what="the audit trail" onRetry={retry} />
      )}
      {value && value.items.length === 0 && (
        <Typography variant="body2">Nothing recorded yet.</Typography>
      )}
      {value && value.items.length > 0 && (
        <Table<AuditEvent>
          options={{
            paging: false,
            search: false,
            toolbar: false,
            padding: 'dense',
          }}
          columns={columns}
          data={value.items}
        />
      )}
    </InfoCard>
  );
}
