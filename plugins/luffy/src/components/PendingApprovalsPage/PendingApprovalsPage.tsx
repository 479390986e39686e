import { useCallback, useMemo, useState } from 'react';
import {
  Content,
  ContentHeader,
  EmptyState,
  InfoCard,
  Link,
  Progress,
  SupportButton,
} from '@backstage/core-components';
import type { Entity } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  INCIDENT_STATUSES,
  OPEN_INCIDENT_STATUSES,
  type Incident,
  type PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef, type LuffyApi } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { IncidentDetails } from '../HealingContent/IncidentDetails';
import { IncidentStatusLabel } from '../IncidentTable/IncidentTable';
import { MetricsCharts } from './MetricsCharts';
import {
  ServicesNeedingAttention,
  serviceRows,
  type PullRequestCount,
} from './ServicesNeedingAttention';

/** Incidents read for the page: the backend's page limit. */
const INCIDENT_LIMIT = 500;
/** Pull request lists read at once (each is one cached backend call). */
const PR_CONCURRENCY = 4;

type StatusFilter = 'awaiting-approval' | 'open' | 'all' | Incident['status'];

type ServicePullRequests = {
  counts: Map<string, PullRequestCount>;
  waiting: Array<PullRequestSummary & { entity: Entity }>;
};

const refOf = (e: Entity) =>
  `${e.kind}:${e.metadata.namespace ?? 'default'}/${
    e.metadata.name
  }`.toLocaleLowerCase('en-US');

async function loadPullRequests(
  api: LuffyApi,
  entities: Entity[],
): Promise<ServicePullRequests> {
  const counts = new Map<string, PullRequestCount>();
  const waiting: ServicePullRequests['waiting'] = [];
  const queue = entities.filter(
    e => e.metadata.annotations?.[ANNOTATION_GITHUB_PROJECT_SLUG],
  );
  const worker = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      const entity = e;
      try {
        const list = await api.listPullRequests({
          namespace: entity.metadata.namespace ?? 'default',
          kind: entity.kind,
          name: entity.metadata.name,
        });
        const review = list.items.filter(
          p => p.reviewDecision === 'review-required',
        );
        counts.set(refOf(entity), {
          state: 'loaded',
          open: list.items.length,
          healing: list.items.filter(p => p.healing).length,
          reviewRequested: review.length,
        });
        for (const p of list.items) {
          if (p.healing || p.reviewDecision === 'review-required') {
            waiting.push({ ...p, entity });
          }
        }
      } catch (error) {
        counts.set(refOf(entity), { state: 'error', error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: PR_CONCURRENCY }, worker));
  waiting.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  return { counts, waiting };
}

function matchesStatus(i: Incident, status: StatusFilter) {
  if (status === 'all') return true;
  if (status === 'open') return OPEN_INCIDENT_STATUSES.includes(i.status);
  return i.status === status;
}

function Select(props: {
  label: string;
  value: string;
  onChange(value: string): void;
  options: Array<{ value: string; label: string }>;
}) {
  return (
    <TextField
      select
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      inputProps={{ 'aria-label': props.label }}
      variant="outlined"
      size="small"
      style={{ minWidth: 200 }}
    >
      {props.options.map(o => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </TextField>
  );
}

function WaitingPullRequests(props: { items: ServicePullRequests['waiting'] }) {
  if (!props.items.length) {
    return (
      <Typography variant="body2" color="textSecondary">
        No healing or review-requested pull request is open.
      </Typography>
    );
  }
  return (
    <Box component="ul" pl={2} m={0}>
      {props.items.map(p => (
        <li key={`${p.repo}#${p.number}`}>
          <Typography variant="body2">
            <Link
              to={`/catalog/${
                p.entity.metadata.namespace ?? 'default'
              }/component/${p.entity.metadata.name}/pull-requests`}
            >
              {p.repo}#{p.number} {p.title}
            </Link>{' '}
            — {p.entity.metadata.name}
            {p.healing ? ', healing' : ''}
            {p.reviewDecision === 'review-required' ? ', review requested' : ''}
            , checks {p.checks.state}
          </Typography>
        </li>
      ))}
    </Box>
  );
}

/**
 * /luffy: what waits for a human across the catalog — incidents awaiting approval (with the
 * same Approve / Dismiss as the Healing tab) and healing or review-requested pull requests —
 * filterable by service, owner and status; services needing attention (open incidents or open
 * pull requests); and metrics charts (heals per week, success rate per runbook, median time to
 * heal, healing PR lead time, incidents over time; computed by `GET /api/luffy/metrics`). Live through
 * `GET /api/luffy/events`.
 */
export function PendingApprovalsPage() {
  const luffyApi = useApi(luffyApiRef);
  const catalogApi = useApi(catalogApiRef);
  const [service, setService] = useState('');
  const [owner, setOwner] = useState('');
  const [status, setStatus] = useState<StatusFilter>('awaiting-approval');

  const incidents = useAsyncRetry(
    () => luffyApi.listIncidents({ limit: INCIDENT_LIMIT }),
    [luffyApi],
  );
  const services = useAsyncRetry(
    async () =>
      (
        await catalogApi.getEntities({
          filter: { kind: 'Component', 'spec.type': 'service' },
        })
      ).items,
    [catalogApi],
  );
  const pullRequests = useAsyncRetry(
    async () =>
      services.value
        ? loadPullRequests(luffyApi, services.value)
        : { counts: new Map(), waiting: [] },
    [luffyApi, services.value],
  );
  const onIncident = useCallback(() => incidents.retry(), [incidents]);
  const onPullRequest = useCallback(() => pullRequests.retry(), [pullRequests]);
  useLuffyEvents({ types: ['incident'] }, onIncident);
  useLuffyEvents({ types: ['pullRequest'] }, onPullRequest);

  const entityFilter = useCallback(
    (ref: string) => {
      const e = services.value?.find(x => refOf(x) === ref);
      if (service && ref !== service) return false;
      if (owner && (e?.spec as { owner?: string } | undefined)?.owner !== owner)
        return false;
      return true;
    },
    [services.value, service, owner],
  );

  /** The metrics' entities: the service, or the owner's services; all when neither is set. */
  const metricsRefs = useMemo(() => {
    if (service) return [service];
    if (!owner) return undefined;
    return (services.value ?? [])
      .filter(e => (e.spec as { owner?: string } | undefined)?.owner === owner)
      .map(refOf);
  }, [service, owner, services.value]);

  const allIncidents = useMemo(
    () => incidents.value?.items ?? [],
    [incidents.value],
  );
  const scoped = allIncidents.filter(i =>
    entityFilter(i.entityRef.toLocaleLowerCase('en-US')),
  );
  const shown = scoped.filter(i => matchesStatus(i, status));
  const rows = serviceRows(
    services.value ?? [],
    allIncidents,
    pullRequests.value?.counts ?? new Map(),
  ).filter(r => entityFilter(r.entityRef));
  const waiting = (pullRequests.value?.waiting ?? []).filter(p =>
    entityFilter(refOf(p.entity)),
  );

  const serviceOptions = [
    { value: '', label: 'All services' },
    ...(services.value ?? [])
      .map(e => ({ value: refOf(e), label: e.metadata.name }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  ];
  const owners = [
    ...new Set(
      (services.value ?? [])
        .map(e => (e.spec as { owner?: string } | undefined)?.owner)
        .filter((o): o is string => !!o),
    ),
  ].sort();

  return (
    <Content>
      <ContentHeader title="Waiting for a human">
        <SupportButton>
          Incidents whose proposed fix (a pull request against the GitOps
          repository) waits for a human to approve or dismiss it, pull requests
          waiting for a review, the services that need attention and how healing
          goes over time.
        </SupportButton>
      </ContentHeader>
      <Box
        display="flex"
        flexWrap="wrap"
        style={{ gap: 16 }}
        mb={2}
        data-testid="luffy-approval-filters"
      >
        <Select
          label="Service"
          value={service}
          onChange={setService}
          options={serviceOptions}
        />
        <Select
          label="Owner"
          value={owner}
          onChange={setOwner}
          options={[
            { value: '', label: 'All owners' },
            ...owners.map(o => ({ value: o, label: o })),
          ]}
        />
        <Select
          label="Status"
          value={status}
          onChange={v => setStatus(v as StatusFilter)}
          options={[
            { value: 'awaiting-approval', label: 'Awaiting approval' },
            { value: 'open', label: 'Any open status' },
            { value: 'all', label: 'Any status' },
            ...INCIDENT_STATUSES.filter(s => s !== 'awaiting-approval').map(
              s => ({ value: s, label: s }),
            ),
          ]}
        />
      </Box>

      <Grid container spacing={3}>
        <Grid item xs={12} data-testid="luffy-approvals">
          <Typography variant="h5" gutterBottom>
            Incidents
          </Typography>
          {incidents.loading && !incidents.value && <Progress />}
          {incidents.error && (
            <ErrorStatePanel
              error={incidents.error}
              what="The luffy backend"
              onRetry={incidents.retry}
            />
          )}
          {incidents.value && shown.length === 0 && (
            <EmptyState
              missing="data"
              title={
                status === 'awaiting-approval'
                  ? 'Nothing waits for approval'
                  : 'No incident matches the filters'
              }
              description="When OpenLuffy proposes a fix for a service in propose mode, it appears here."
            />
          )}
          {shown.map(i => (
            <Accordion key={i.id} TransitionProps={{ unmountOnExit: true }}>
              <AccordionSummary expandIcon={<ExpandMoreIcon />}>
                <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                  <IncidentStatusLabel status={i.status} />
                  <Typography variant="body2">
                    <strong>{i.entityRef}</strong> — {i.reason} in {i.namespace}
                    /{i.workload}
                    {i.summary ? `: ${i.summary}` : ''}
                  </Typography>
                </Box>
              </AccordionSummary>
              <AccordionDetails>
                <IncidentDetails
                  id={i.id}
                  entityRef={i.entityRef}
                  onChanged={incidents.retry}
                />
              </AccordionDetails>
            </Accordion>
          ))}
        </Grid>

        <Grid item xs={12}>
          <InfoCard title="Pull requests waiting">
            {pullRequests.loading && !pullRequests.value && <Progress />}
            {pullRequests.value && <WaitingPullRequests items={waiting} />}
          </InfoCard>
        </Grid>

        <Grid item xs={12}>
          {services.error ? (
            <ErrorStatePanel
              error={services.error}
              what="The catalog"
              onRetry={services.retry}
            />
          ) : (
            <ServicesNeedingAttention
              rows={rows}
              loading={services.loading || pullRequests.loading}
            />
          )}
        </Grid>

        <Grid item xs={12}>
          <Typography variant="h5" gutterBottom>
            Metrics
          </Typography>
          <MetricsCharts entityRefs={metricsRefs} />
        </Grid>
      </Grid>
    </Content>
  );
}
