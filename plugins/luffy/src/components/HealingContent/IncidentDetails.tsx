import { useCallback, useState } from 'react';
import { Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import {
  luffyIncidentDecidePermission,
  type IncidentDetail,
} from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { DiffView } from '../DiffView';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { IncidentStatusLabel } from '../IncidentTable/IncidentTable';

function Section(props: { title: string; children: React.ReactNode }) {
  return (
    <Box mt={2}>
      <Typography variant="overline">{props.title}</Typography>
      {props.children}
    </Box>
  );
}

/** Approve / Dismiss of an incident awaiting approval (permission luffy.incident.decide). */
function Decision(props: { incident: IncidentDetail; onDecided(): void }) {
  const api = useApi(luffyApiRef);
  const { allowed, loading } = usePermission({
    permission: luffyIncidentDecidePermission,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  if (props.incident.status !== 'awaiting-approval') return null;
  const decide = async (verb: 'approve' | 'dismiss') => {
    setBusy(true);
    setError(undefined);
    try {
      if (verb === 'approve') await api.approveIncident(props.incident.id);
      else await api.dismissIncident(props.incident.id);
      props.onDecided();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  let reason = '';
  if (loading) reason = 'Checking your permissions…';
  else if (!allowed) {
    reason = `You do not have the permission ${luffyIncidentDecidePermission.name}.`;
  }
  const buttons = (
    <span>
      <Button
        variant="contained"
        color="primary"
        disabled={!!reason || busy}
        onClick={() => decide('approve')}
      >
        Approve fix
      </Button>{' '}
      <Button
        variant="outlined"
        disabled={!!reason || busy}
        onClick={() => decide('dismiss')}
      >
        Dismiss
      </Button>
    </span>
  );
  return (
    <Box mt={2} data-testid="luffy-incident-decision">
      {/* Always inside the tooltip (empty title = none) so the buttons keep their
          elements when the permission answers. */}
      <Tooltip title={reason}>{buttons}</Tooltip>
      {reason && !loading && (
        <Typography variant="body2" color="textSecondary">
          {reason}
        </Typography>
      )}
      {error && <ErrorStatePanel error={error} />}
    </Box>
  );
}

/** One incident: state, reason, root cause, evidence, the patch as a diff, PR and timeline. */
export function IncidentDetails(props: {
  id: string;
  entityRef: string;
  onChanged?(): void;
}) {
  const api = useApi(luffyApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getIncident(props.id),
    [api, props.id],
  );
  const onEvent = useCallback(
    (event?: { payload?: unknown }) => {
      const p = event?.payload as
        | { id?: string; incidentId?: string }
        | undefined;
      if (!p || p.id === props.id || p.incidentId === props.id) retry();
    },
    [retry, props.id],
  );
  useLuffyEvents({ entityRef: props.entityRef, types: ['incident'] }, onEvent);

  if (loading && !value) return <Progress />;
  if (error && !value) return <ErrorStatePanel error={error} onRetry={retry} />;
  if (!value) return null;
  const d = value.diagnosis;
  return (
    <Box width="100%" data-testid="luffy-incident-details">
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <IncidentStatusLabel status={value.status} />
        <Typography variant="body2">
          {value.reason} in {value.namespace}/{value.workload}
          {value.env ? ` (${value.env})` : ''}
        </Typography>
        {value.autonomy && (
          <Chip size="small" variant="outlined" label={value.autonomy} />
        )}
      </Box>
      {value.error && (
        <Typography color="error" variant="body2">
          {value.error}
        </Typography>
      )}
      {d && (
        <Section title="Root cause">
          <Typography variant="body2">{d.rootCause}</Typography>
          <Typography variant="caption" color="textSecondary">
            {d.provider} diagnosis, confidence {Math.round(d.confidence * 100)}%
            {d.runbookId ? ` · runbook ${d.runbookId}` : ''}
          </Typography>
        </Section>
      )}
      {(d?.evidence.length || value.context) && (
        <Section title="Evidence">
          {d?.evidence.map((e, i) => (
            <Typography key={i} variant="body2">
              • {e}
            </Typography>
          ))}
          {value.context?.events.map((e, i) => (
            <Typography key={`ev${i}`} variant="body2">
              <b>{e.reason}</b> {e.object}: {e.message}
              {e.count ? ` (×${e.count})` : ''}
            </Typography>
          ))}
          {value.context?.logs.map(l => (
            <Box key={`${l.pod}/${l.container}/${l.previous}`} mt={1}>
              <Typography variant="caption">
                {l.pod}/{l.container}
                {l.previous ? ' (previous container)' : ''}
              </Typography>
              <pre
                style={{
                  margin: 0,
                  maxHeight: 200,
                  overflow: 'auto',
                  fontSize: 12,
                }}
              >
                {l.lines.join('\n')}
              </pre>
            </Box>
          ))}
          {value.context && value.context.redactions > 0 && (
            <Typography variant="caption" color="textSecondary">
              {value.context.redactions} secret value(s) redacted.
            </Typography>
          )}
        </Section>
      )}
      {value.proposal && (
        <Section
          title={`Proposed patch (${value.proposal.repo} ${value.proposal.path})`}
        >
          <DiffView diff={value.proposal.diff} maxHeight={400} />
        </Section>
      )}
      {value.pullRequest && (
        <Section title="Pull request">
          <Typography variant="body2">
            <Link to={value.pullRequest.url}>
              #{value.pullRequest.number} ({value.pullRequest.branch})
            </Link>{' '}
            — {value.pullRequest.state}
          </Typography>
        </Section>
      )}
      {value.timeline.length > 0 && (
        <Section title="Timeline">
          {value.timeline.map((t, i) => (
            <Typography key={i} variant="body2">
              {new Date(t.at).toLocaleString()} · {t.from ? `${t.from} → ` : ''}
              <b>{t.to}</b> by {t.actor}: {t.reason}
            </Typography>
          ))}
        </Section>
      )}
      <Decision
        incident={value}
        onDecided={() => {
          retry();
          props.onChanged?.();
        }}
      />
    </Box>
  );
}
