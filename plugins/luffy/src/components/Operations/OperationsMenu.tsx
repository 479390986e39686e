import { useState, type ReactNode } from 'react';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import { Link, Progress } from '@backstage/core-components';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Menu from '@material-ui/core/Menu';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  luffyOperationRunPermission,
  type OperationId,
  type OperationResult,
} from '@openluffy/plugin-luffy-common';
import type { EntityName } from '../../api';
import { InvestigationReport } from './InvestigationReport';
import { OperationPreview, messageOf } from './OperationPreview';
import { useOperationsClient } from './operationsClient';
import { WorkflowRunProgress } from './WorkflowRunProgress';

/** One entry of an Operations menu: the operation and its input. */
export type MenuEntry = {
  op: OperationId;
  label: string;
  input: (
    env: string,
    replicas: number,
    text: string,
  ) => Record<string, unknown>;
  replicas?: boolean;
  /** A text field the input needs (e.g. the workflow to run). */
  text?: {
    label: string;
    initial: string | ((entity: EntityName, environment: string) => string);
    multiline?: boolean;
  };
  /**
   * A read-only operation: no dry run and no confirmation, it runs when asked and its result
   * is shown in the dialog with `result` (failures are alerts).
   */
  readOnly?: boolean;
  result?: (result: OperationResult) => ReactNode;
};

/** The entries of an environment's menu (the deployment panel's rows). */
export const ENVIRONMENT_ENTRIES: MenuEntry[] = [
  { op: 'restart', label: 'Restart', input: env => ({ environment: env }) },
  {
    op: 'scale',
    label: 'Scale…',
    input: (env, replicas) => ({ environment: env, replicas }),
    replicas: true,
  },
  { op: 'argocd-sync', label: 'Sync', input: env => ({ environment: env }) },
  {
    op: 'argocd-refresh',
    label: 'Refresh',
    input: env => ({ environment: env }),
  },
  {
    op: 'argocd-rollback',
    label: 'Rollback',
    input: env => ({ environment: env }),
  },
  {
    op: 'promote',
    label: 'Promote to next environment',
    input: env => ({ from: env }),
  },
  {
    op: 'workflow-dispatch',
    label: 'Run workflow…',
    input: (_env, _replicas, workflow) => ({ workflow }),
    text: { label: 'Workflow file', initial: 'ci.yaml' },
  },
  {
    op: 'investigate',
    label: 'Investigate…',
    input: (env, _replicas, question) => ({ question, environment: env }),
    text: {
      label: 'Question',
      initial: (entity, env) =>
        `Is ${entity.name} healthy in ${env}, and if not, why?`,
      multiline: true,
    },
    readOnly: true,
    result: result => <InvestigationReport result={result} />,
  },
];

/** The dialog's run button: a read-only operation's name, Confirm (destructive) or Run. */
function runLabel(entry?: MenuEntry, preview?: OperationResult): string {
  if (entry?.readOnly) return entry.label.replace('…', '');
  return preview?.confirmation ? 'Confirm' : 'Run';
}

/**
 * The Operations menu of one environment row (or, with `entries`, of one pod row): each entry
 * opens a dialog that shows the dry run (the exact requests and changes), then runs the
 * operation with the dry run's confirmation token; the result or failure is a Backstage
 * alert. `links` are plain menu links (e.g. a pod's logs).
 */
export function OperationsMenu(props: {
  entity: EntityName;
  environment: string;
  onDone?: (result: OperationResult) => void;
  entries?: MenuEntry[];
  /** What the menu is for, in its button's accessible name (default: the environment). */
  subject?: string;
  links?: Array<{ label: string; to: string }>;
}) {
  const { entity, environment } = props;
  const entries = props.entries ?? ENVIRONMENT_ENTRIES;
  // luffy.operation.run is decided per entity (the policy may allow owners only)
  const permission = usePermission({
    permission: luffyOperationRunPermission,
    resourceRef: stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
  });
  const subject = props.subject ?? environment;
  const client = useOperationsClient();
  const alertApi = useApi(alertApiRef);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [entry, setEntry] = useState<MenuEntry | undefined>();
  const [replicas, setReplicas] = useState(1);
  const [text, setText] = useState('');
  // a workflow run started by the operation: followed live in the dialog
  const [runId, setRunId] = useState<number | undefined>();
  const [preview, setPreview] = useState<OperationResult | undefined>();
  // the result of a read-only operation, shown in the dialog
  const [outcome, setOutcome] = useState<OperationResult | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  const close = () => {
    setEntry(undefined);
    setRunId(undefined);
    setPreview(undefined);
    setOutcome(undefined);
    setError(undefined);
    setBusy(false);
  };

  const dryRun = async (e: MenuEntry, n = replicas, t = text) => {
    setBusy(true);
    setError(undefined);
    setPreview(undefined);
    try {
      setPreview(
        await client.run(entity, e.op, e.input(environment, n, t), {
          dryRun: true,
        }),
      );
    } catch (err) {
      setError(new Error(messageOf(err)));
    } finally {
      setBusy(false);
    }
  };

  const choose = (e: MenuEntry) => {
    setAnchor(null);
    setEntry(e);
    const initial =
      typeof e.text?.initial === 'function'
        ? e.text.initial(entity, environment)
        : e.text?.initial ?? '';
    setText(initial);
    if (!e.replicas && !e.readOnly) void dryRun(e, replicas, initial);
  };

  /** A read-only operation: run it, show its result; a failure is an alert. */
  const runReadOnly = async (e: MenuEntry) => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const result = await client.run(
        entity,
        e.op,
        e.input(environment, replicas, text),
      );
      setOutcome(result);
      props.onDone?.(result);
    } catch (err) {
      alertApi.post({
        message: `${e.label.replace(
          '…',
          '',
        )} in ${environment} failed: ${messageOf(err)}`,
        severity: 'error',
      });
      setError(new Error(messageOf(err)));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!entry) return;
    if (entry.readOnly) {
      await runReadOnly(entry);
      return;
    }
    setBusy(true);
    try {
      const result = await client.run(
        entity,
        entry.op,
        entry.input(environment, replicas, text),
        { confirmationToken: preview?.confirmation?.token },
      );
      alertApi.post({
        message: result.pullRequestUrl
          ? `${entry.label.replace(
              '…',
              '',
            )} in ${environment}: pull request opened ${result.pullRequestUrl}`
          : `${entry.label.replace('…', '')} in ${environment}: ${
              result.status
            }${result.health ? ` (${result.health.status})` : ''}`,
        severity: 'success',
        display: 'transient',
      });
      props.onDone?.(result);
      const run = (result.details?.run as { id?: number } | undefined)?.id;
      if (run) {
        setRunId(run);
        setPreview(undefined);
        setBusy(false);
      } else {
        close();
      }
    } catch (err) {
      alertApi.post({
        message: `${entry.label.replace(
          '…',
          '',
        )} in ${environment} failed: ${messageOf(err)}`,
        severity: 'error',
      });
      setError(new Error(messageOf(err)));
      setBusy(false);
    }
  };

  return (
    <>
      <Tooltip
        title={
          permission.allowed || permission.loading
            ? ''
            : `Running operations on ${entity.name} needs ${luffyOperationRunPermission.name} for this entity (its owners or the writer groups)`
        }
      >
        <span>
          <Button
            size="small"
            variant="outlined"
            aria-haspopup="true"
            aria-label={`Operations for ${subject}`}
            disabled={!permission.loading && !permission.allowed}
            onClick={ev => setAnchor(ev.currentTarget)}
          >
            Operations
          </Button>
        </span>
      </Tooltip>
      <Menu
        anchorEl={anchor}
        keepMounted
        open={!!anchor}
        onClose={() => setAnchor(null)}
      >
        {entries.map(e => (
          <MenuItem key={e.op} onClick={() => choose(e)}>
            {e.label}
          </MenuItem>
        ))}
        {(props.links ?? []).map(l => (
          <MenuItem key={l.label} onClick={() => setAnchor(null)}>
            <Link to={l.to}>{l.label}</Link>
          </MenuItem>
        ))}
      </Menu>
      <Dialog open={!!entry} onClose={close} maxWidth="md" fullWidth>
        <DialogTitle>
          {entry?.label.replace('…', '')} — {entity.name} in {subject}
        </DialogTitle>
        <DialogContent>
          {entry?.replicas && (
            <TextField
              label="Replicas"
              type="number"
              value={replicas}
              inputProps={{ min: 0 }}
              onChange={ev => setReplicas(Number(ev.target.value))}
              onBlur={() => void dryRun(entry)}
            />
          )}
          {entry?.text && !runId && (
            <TextField
              id={`luffy-operation-${entry.op}-text`}
              label={entry.text.label}
              value={text}
              multiline={entry.text.multiline}
              fullWidth={entry.text.multiline}
              onChange={ev => setText(ev.target.value)}
              onBlur={() => {
                if (!entry.readOnly) void dryRun(entry);
              }}
            />
          )}
          {runId !== undefined && (
            <WorkflowRunProgress entity={entity} runId={runId} />
          )}
          {busy && (
            <Progress
              aria-label={`${entry?.label.replace('…', '')} in progress`}
            />
          )}
          {error && (
            <Typography color="error" role="alert">
              {error.message}
            </Typography>
          )}
          {preview && <OperationPreview preview={preview} />}
          {outcome && entry?.result?.(outcome)}
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>
            {runId !== undefined || outcome ? 'Close' : 'Cancel'}
          </Button>
          {entry?.replicas && (
            <Button onClick={() => void dryRun(entry)} disabled={busy}>
              Preview
            </Button>
          )}
          {runId === undefined && (
            <Button
              color={preview?.confirmation ? 'secondary' : 'primary'}
              variant="contained"
              disabled={busy || (!preview && !entry?.readOnly) || !entry}
              onClick={() => void confirm()}
            >
              {runLabel(entry, preview)}
            </Button>
          )}
        </DialogActions>
      </Dialog>
    </>
  );
}
