import { useEffect } from 'react';
import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type { EntityName } from '../../api';
import { useOperationsClient } from './operationsClient';

function RunState(props: { status: string | null; conclusion: string | null }) {
  if (props.status !== 'completed') {
    return props.status === 'in_progress' ? (
      <StatusRunning>in progress</StatusRunning>
    ) : (
      <StatusPending>{props.status ?? 'queued'}</StatusPending>
    );
  }
  return props.conclusion === 'success' ? (
    <StatusOK>success</StatusOK>
  ) : (
    <StatusError>{props.conclusion ?? 'failed'}</StatusError>
  );
}

/** A workflow run followed live (polled until it completes): status, jobs, logs links. */
export function WorkflowRunProgress(props: {
  entity: EntityName;
  runId: number;
  intervalMs?: number;
}) {
  const client = useOperationsClient();
  const { value, error, loading, retry } = useAsyncRetry(
    () => client.workflowRun(props.entity, props.runId),
    [
      client,
      props.entity.namespace,
      props.entity.kind,
      props.entity.name,
      props.runId,
    ],
  );
  const done = value?.status === 'completed';
  useEffect(() => {
    if (done || loading) return undefined;
    const t = setTimeout(retry, props.intervalMs ?? 2000);
    return () => clearTimeout(t);
  }, [done, loading, retry, value, props.intervalMs]);

  return (
    <div
      data-testid="luffy-workflow-run"
      data-status={value?.status ?? 'unknown'}
    >
      {error && !value && (
        <Typography color="error" role="alert">
          {error.message}
        </Typography>
      )}
      {value && (
        <>
          <Typography variant="subtitle2">
            Run <Link to={value.htmlUrl}>#{value.id}</Link>
            {value.name ? ` (${value.name})` : ''}
            {value.attempt && value.attempt > 1
              ? `, attempt ${value.attempt}`
              : ''}
            : <RunState status={value.status} conclusion={value.conclusion} />
          </Typography>
          {!done && (
            <LinearProgress aria-label={`Run ${value.id} in progress`} />
          )}
          <ul>
            {value.jobs.map(j => (
              <li key={j.id}>
                {j.name}:{' '}
                <RunState status={j.status} conclusion={j.conclusion} />
                {j.htmlUrl && (
                  <>
                    {' '}
                    <Link to={j.htmlUrl}>logs</Link>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
