import { useCallback } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import type {
  LuffyMetrics,
  MetricsDuration,
  MetricsRunbook,
} from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { luffyApiRef } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { formatDuration } from '../HealingContent/HealingContent';

const WIDTH = 520;
const HEIGHT = 240;
/** Weeks the section covers. */
export const METRICS_WEEKS = 12;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A runbook's row label: the runbook id, or the failure reason when none was named. */
export const runbookLabel = (r: MetricsRunbook) =>
  r.kind === 'runbook' ? r.key : `${r.key} (no runbook)`;

function DurationChart(props: {
  title: string;
  label: string;
  what: string;
  metric: MetricsDuration;
  weeks: number;
  color: string;
}) {
  const { metric } = props;
  const data = metric.perWeek.map(w => ({
    week: w.week,
    minutes: Math.round((w.medianMs / 60_000) * 10) / 10,
    count: w.count,
  }));
  return (
    <InfoCard
      title={props.title}
      subheader={
        metric.medianMs !== undefined
          ? `Median ${formatDuration(metric.medianMs)} over ${plural(
              metric.count,
              props.what,
            )}`
          : `No ${props.what} in ${props.weeks} weeks`
      }
    >
      {data.length ? (
        <LineChart
          width={WIDTH}
          height={HEIGHT}
          data={data}
          aria-label={props.label}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="week" />
          <YAxis unit=" min" />
          <Tooltip />
          <Line
            type="monotone"
            dataKey="minutes"
            name="median minutes"
            stroke={props.color}
          />
        </LineChart>
      ) : (
        <Typography variant="body2" color="textSecondary">
          Nothing to chart yet.
        </Typography>
      )}
    </InfoCard>
  );
}

/** The charts of {@link MetricsCharts}, from a metrics answer. */
export function MetricsView(props: { metrics: LuffyMetrics }) {
  const theme = useTheme();
  const m = props.metrics;
  const success = theme.palette.success?.main ?? '#2e7d32';
  const heals = m.healsPerWeek.map(w => ({
    week: w.week,
    'by a healing PR': w.byPullRequest,
    'cleared by itself': w.heals - w.byPullRequest,
  }));
  const totalHeals = m.healsPerWeek.reduce((a, w) => a + w.heals, 0);
  const rated = m.runbooks.filter(r => r.successRate !== undefined);
  const rates = rated.map(r => ({
    runbook: runbookLabel(r),
    'success %': Math.round(r.successRate! * 100),
  }));
  return (
    <Grid container spacing={2} data-testid="luffy-metrics-charts">
      <Grid item xs={12} lg={6}>
        <InfoCard
          title="Heals per week"
          subheader={`${plural(totalHeals, 'heal')} in ${m.weeks.length} weeks`}
        >
          <BarChart
            width={WIDTH}
            height={HEIGHT}
            data={heals}
            aria-label="Heals per week"
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="week" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="by a healing PR" stackId="a" fill={success} />
            <Bar
              dataKey="cleared by itself"
              stackId="a"
              fill={theme.palette.grey[500]}
            />
          </BarChart>
        </InfoCard>
      </Grid>
      <Grid item xs={12} lg={6}>
        <InfoCard
          title="Success rate per runbook"
          subheader="Healed / (healed + failed + escalated); dismissed not counted"
        >
          {rated.length ? (
            <>
              <BarChart
                width={WIDTH}
                height={Math.max(120, 40 * rates.length + 60)}
                data={rates}
                layout="vertical"
                aria-label="Success rate per runbook"
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" domain={[0, 100]} unit="%" />
                <YAxis type="category" dataKey="runbook" width={180} />
                <Tooltip />
                <Bar dataKey="success %" fill={success} />
              </BarChart>
              <Box
                component="ul"
                pl={2}
                m={0}
                data-testid="luffy-runbook-rates"
              >
                {rated.map(r => (
                  <li key={`${r.kind}:${r.key}`}>
                    <Typography variant="body2">
                      {runbookLabel(r)}: {Math.round(r.successRate! * 100)}% (
                      {r.healed} healed, {r.failed} failed, {r.escalated}{' '}
                      escalated)
                    </Typography>
                  </li>
                ))}
              </Box>
            </>
          ) : (
            <Typography variant="body2" color="textSecondary">
              No incident finished in {m.weeks.length} weeks.
            </Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} lg={6}>
        <DurationChart
          title="Median time to heal"
          label="Median time to heal per week"
          what="heal"
          metric={m.timeToHeal}
          weeks={m.weeks.length}
          color={theme.palette.primary.main}
        />
      </Grid>
      <Grid item xs={12} lg={6}>
        <DurationChart
          title="Healing PR lead time"
          label="Median healing PR lead time per week"
          what="merged healing PR"
          metric={m.pullRequestLeadTime}
          weeks={m.weeks.length}
          color={theme.palette.secondary.main}
        />
      </Grid>
      <Grid item xs={12} lg={6}>
        <InfoCard
          title="Incidents over time"
          subheader="Detected per week, by outcome"
        >
          <BarChart
            width={WIDTH}
            height={HEIGHT}
            data={m.incidentsPerWeek}
            aria-label="Incidents per week"
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="week" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="healed" stackId="a" fill={success} />
            <Bar dataKey="failed" stackId="a" fill={theme.palette.error.main} />
            <Bar
              dataKey="escalated"
              stackId="a"
              fill={theme.palette.warning?.main ?? '#ed6c02'}
            />
            <Bar
              dataKey="dismissed"
              stackId="a"
              fill={theme.palette.grey[500]}
            />
            <Bar
              dataKey="open"
              stackId="a"
              fill={theme.palette.info?.main ?? '#0288d1'}
            />
          </BarChart>
        </InfoCard>
      </Grid>
    </Grid>
  );
}

/**
 * The metrics section of /luffy: heals per week, success rate per runbook, median time to heal,
 * healing PR lead time and incidents over time, from `GET /api/luffy/metrics` (computed by the
 * backend) for the given entities (all when absent); refreshed on incident events.
 */
export function MetricsCharts(props: { entityRefs?: string[] }) {
  const api = useApi(luffyApiRef);
  const key = props.entityRefs?.join(',');
  const metrics = useAsyncRetry(
    () =>
      api.getMetrics({
        entityRefs:
          key === undefined ? undefined : key.split(',').filter(Boolean),
        weeks: METRICS_WEEKS,
      }),
    [api, key],
  );
  const onIncident = useCallback(() => metrics.retry(), [metrics]);
  useLuffyEvents({ types: ['incident'] }, onIncident);

  return <div data-testid="luffy-metrics">{body()}</div>;

  function body() {
    if (metrics.loading && !metrics.value) {
      return (
        <div data-testid="luffy-metrics-loading">
          <Progress />
        </div>
      );
    }
    if (metrics.error) {
      return (
        <ErrorStatePanel
          error={metrics.error}
          what="The luffy backend"
          onRetry={metrics.retry}
        />
      );
    }
    const m = metrics.value;
    if (!m) return null;
    const any = m.incidentsPerWeek.some(
      w => w.healed + w.failed + w.escalated + w.dismissed + w.open > 0,
    );
    if (!any && !m.timeToHeal.count && !m.runbooks.length) {
      return (
        <EmptyState
          missing="data"
          title={`No incident in the last ${m.weeks.length} weeks`}
          description="Heals, success rates per runbook, time to heal and pull request lead time appear here once OpenLuffy has handled incidents."
        />
      );
    }
    return <MetricsView metrics={m} />;
  }
}
