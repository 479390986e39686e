import { useCallback, useState } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_AUTONOMY,
  parseAutonomy,
  type Autonomy,
  type Incident,
} from '@openluffy/plugin-luffy-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { IncidentStatusLabel } from '../IncidentTable/IncidentTable';
import { IncidentDetails } from './IncidentDetails';

const PAGE = 10;

const AUTONOMY_TEXT = {
  observe: 'Observe: OpenLuffy diagnoses incidents but changes nothing.',
  propose:
    'Propose: OpenLuffy opens a pull request with the fix; a human approves it.',
  auto: 'Auto: proven runbooks are merged automatically; anything else is proposed.',
};

function autonomyText(autonomy: Autonomy | undefined, raw?: string): string {
  if (autonomy) return AUTONOMY_TEXT[autonomy];
  if (raw) {
    return `The annotation ${ANNOTATION_AUTONOMY}: "${raw}" is not one of observe, propose, auto; the configured default applies.`;
  }
  return `No ${ANNOTATION_AUTONOMY} annotation; the configured default autonomy applies.`;
}

/** "12m", "3h 5m": a duration for humans. */
export function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.max(1, Math.round(ms / 1000))}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.round(h / 24)}d`;
}

const timeToHeal = (i: Incident) =>
  i.status === 'healed' && i.resolvedAt
    ? new Date(i.resolvedAt).getTime() - new Date(i.createdAt).getTime()
    : undefined;

/** Healed / failed / escalated counts and the mean time to heal of the incidents given. */
export function healingSummary(incidents: Incident[]) {
  const count = (s: Incident['status']) =>
    incidents.filter(i => i.status === s).length;
  const heals = incidents
    .map(timeToHeal)
    .filter((x): x is number => x !== undefined);
  return {
    healed: count('healed'),
    failed: count('failed'),
    escalated: count('escalated'),
    open: incidents.filter(i =>
      [
        'detected',
        'diagnosing',
        'diagnosed',
        'awaiting-approval',
        'fixing',
      ].includes(i.status),
    ).length,
    mttrMs: heals.length
      ? heals.reduce((a, b) => a + b, 0) / heals.length
      : undefined,
  };
}

/**
 * The entity's "Healing" tab: a summary (healed, failed, escalated, MTTR), then every incident
 * of the service newest first, paged; each opens to its state, root cause, evidence, the
 * proposed patch as a diff, the PR and the timeline, with Approve / Dismiss while it awaits
 * approval. Live through `GET /api/luffy/events`.
 */
export function HealingContent() {
  const { entity } = useEntity();
  const luffyApi = useApi(luffyApiRef);
  const raw = entity.metadata.annotations?.[ANNOTATION_AUTONOMY];
  const autonomy = parseAutonomy(raw);
  const entityRef = stringifyEntityRef(entity);
  const [limit, setLimit] = useState(PAGE);
  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      luffyApi.listEntityIncidents(
        {
          namespace: entity.metadata.namespace ?? 'default',
          kind: entity.kind,
          name: entity.metadata.name,
        },
        { limit },
      ),
    [luffyApi, entity, limit],
  );
  const onChange = useCallback(() => retry(), [retry]);
  useLuffyEvents({ entityRef, types: ['incident'] }, onChange);
  const summary = value ? healingSummary(value.items) : undefined;

  return (
    <Grid container spacing={3} data-testid="luffy-healing-content">
      <Grid item xs={12} md={6}>
        <InfoCard title="Healing">
          <Typography variant="body1">{autonomyText(autonomy, raw)}</Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Summary">
          {summary ? (
            <Box
              display="flex"
              style={{ gap: 24 }}
              data-testid="luffy-healing-summary"
            >
              <Box>
                <Typography variant="h5">{summary.healed}</Typography>
                <Typography variant="caption">healed</Typography>
              </Box>
              <Box>
                <Typography variant="h5">{summary.failed}</Typography>
                <Typography variant="caption">failed</Typography>
              </Box>
              <Box>
                <Typography variant="h5">{summary.escalated}</Typography>
                <Typography variant="caption">escalated</Typography>
              </Box>
              <Box>
                <Typography variant="h5">{summary.open}</Typography>
                <Typography variant="caption">open</Typography>
              </Box>
              <Box>
                <Typography variant="h5">
                  {summary.mttrMs !== undefined
                    ? formatDuration(summary.mttrMs)
                    : '—'}
                </Typography>
                <Typography variant="caption">mean time to heal</Typography>
              </Box>
            </Box>
          ) : (
            <Typography variant="body2">…</Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        {loading && !value && <Progress />}
        {error && <ErrorStatePanel error={error} onRetry={retry} />}
        {!error && value && value.items.length === 0 && (
          <EmptyState
            missing="data"
            title="No incidents"
            description={`OpenLuffy has not recorded any incident for ${entity.metadata.name}.`}
          />
        )}
        {value &&
          value.items.map(incident => (
            <Accordion
              key={incident.id}
              TransitionProps={{ unmountOnExit: true }}
              defaultExpanded={incident.status === 'awaiting-approval'}
            >
              <AccordionSummary expandIcon={<ExpandMoreIcon />}>
                <Box
                  display="flex"
                  alignItems="center"
                  flexWrap="wrap"
                  style={{ gap: 12 }}
                  width="100%"
                >
                  <IncidentStatusLabel status={incident.status} />
                  <Typography variant="body2">
                    <b>{incident.reason}</b> · {incident.namespace}/
                    {incident.workload}
                  </Typography>
                  <Typography variant="body2" color="textSecondary">
                    {incident.summary}
                  </Typography>
                  <Box flex={1} />
                  <Typography variant="caption">
                    {new Date(incident.createdAt).toLocaleString()}
                    {timeToHeal(incident) !== undefined
                      ? ` · healed in ${formatDuration(timeToHeal(incident)!)}`
                      : ''}
                  </Typography>
                </Box>
              </AccordionSummary>
              <AccordionDetails>
                <IncidentDetails
                  id={incident.id}
                  entityRef={entityRef}
                  onChanged={retry}
                />
              </AccordionDetails>
            </Accordion>
          ))}
        {value && value.totalCount > value.items.length && (
          <Box mt={2}>
            <Button variant="outlined" onClick={() => setLimit(l => l + PAGE)}>
              Show older incidents ({value.totalCount - value.items.length}{' '}
              more)
            </Button>
          </Box>
        )}
      </Grid>
    </Grid>
  );
}
