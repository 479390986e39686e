import { useEffect, useState } from 'react';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import type {
  OperationId,
  OperationResult,
  WorkflowRunStatus,
} from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type { EntityName } from '../../api';
import { OperationPreview, messageOf } from './OperationPreview';
import { useOperationsClient } from './operationsClient';

/** An operation on the run (cancel, re-run), offered by the progress view. */
type RunAction = {
  op: OperationId;
  label: string;
  input: Record<string, unknown>;
};

/** What can be done with the run now: cancel while it runs, re-run once it completed. */
function actionsFor(run: WorkflowRunStatus): RunAction[] {
  if (run.status !== 'completed') {
    return [
      { op: 'workflow-cancel', label: 'Cancel run', input: { runId: run.id } },
    ];
  }
  const actions: RunAction[] = [
    {
      op: 'workflow-rerun',
      label: 'Re-run all jobs',
      input: { runId: run.id },
    },
  ];
  if (run.conclusion !== 'success') {
    actions.push({
      op: 'workflow-rerun',
      label: 'Re-run failed jobs',
      input: { runId: run.id, failedOnly: true },
    });
  }
  return actions;
}

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

/**
 * A workflow run followed live (polled until it completes): status, jobs, logs links; with
 * Cancel while it runs and Re-run (all or failed jobs) once it completed, each through the
 * dry run and its confirmation like the Operations menu; after a re-run it follows the new
 * attempt.
 */
export function WorkflowRunProgress(props: {
  entity: EntityName;
  runId: number;
  intervalMs?: number;
}) {
  const client = useOperationsClient();
  const alertApi = useApi(alertApiRef);
  const [action, setAction] = useState<RunAction | undefined>();
  const [preview, setPreview] = useState<OperationResult | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // after a re-run: the attempt to follow (the run keeps its id, its attempt goes up)
  const [attempt, setAttempt] = useState<number | undefined>();
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
  const done =
    value?.status === 'completed' &&
    (attempt === undefined || (value.attempt ?? 1) >= attempt);
  useEffect(() => {
    if (done || loading) return undefined;
    const t = setTimeout(retry, props.intervalMs ?? 2000);
    return () => clearTimeout(t);
  }, [done, loading, retry, value, props.intervalMs]);

  const reset = () => {
    setAction(undefined);
    setPreview(undefined);
    setActionError(undefined);
  };

  const dryRun = async (a: RunAction) => {
    setAction(a);
    setPreview(undefined);
    setActionError(undefined);
    setBusy(true);
    try {
      setPreview(
        await client.run(props.entity, a.op, a.input, { dryRun: true }),
      );
    } catch (err) {
      setActionError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!action) return;
    setBusy(true);
    try {
      const result = await client.run(props.entity, action.op, action.input, {
        confirmationToken: preview?.confirmation?.token,
      });
      alertApi.post({
        message: `${action.label} — run #${props.runId}: ${result.status}${
          result.health ? ` (${result.health.status})` : ''
        }`,
        severity: 'success',
        display: 'transient',
      });
      if (action.op === 'workflow-rerun') {
        const run = result.details?.run as { attempt?: number } | undefined;
        setAttempt(
          run?.attempt ??
            (value?.attempt ?? 1) + (value?.status === 'completed' ? 1 : 0),
        );
      }
      reset();
      retry();
    } catch (err) {
      alertApi.post({
        message: `${action.label} — run #${props.runId} failed: ${messageOf(
          err,
        )}`,
        severity: 'error',
      });
      setActionError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      data-testid="luffy-workflow-run"
      data-status={value?.status ?? 'unknown'}
      data-attempt={value?.attempt ?? 1}
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
          {!action && (
            <Box display="flex" gridGap={8}>
              {actionsFor(value).map(a => (
                <Button
                  key={a.label}
                  size="small"
                  variant="outlined"
                  disabled={busy || (a.op === 'workflow-rerun' && !done)}
                  onClick={() => void dryRun(a)}
                >
                  {a.label}
                </Button>
              ))}
            </Box>
          )}
        </>
      )}
      {action && (
        <Box
          mt={1}
          data-testid="luffy-workflow-run-action"
          aria-label={`${action.label} (dry run)`}
        >
          {busy && <LinearProgress aria-label={`${action.label}…`} />}
          {actionError && (
            <Typography color="error" role="alert">
              {actionError}
            </Typography>
          )}
          {preview && <OperationPreview preview={preview} />}
          <Box display="flex" gridGap={8}>
            <Button size="small" onClick={reset} disabled={busy}>
              Back
            </Button>
            <Button
              size="small"
              variant="contained"
              color={preview?.confirmation ? 'secondary' : 'primary'}
              disabled={busy || !preview}
              onClick={() => void confirm()}
            >
              {preview?.confirmation ? 'Confirm' : action.label}
            </Button>
          </Box>
        </Box>
      )}
    </div>
  );
}
