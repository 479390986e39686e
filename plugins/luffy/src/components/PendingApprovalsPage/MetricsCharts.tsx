import { InfoCard } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import type { Incident } from '@openluffy/plugin-luffy-common';
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
import { formatDuration } from '../HealingContent/HealingContent';
import {
  incidentsPerWeek,
  meanTimeToHealPerWeek,
  timeToHealMs,
} from './metrics';

const WIDTH = 520;
const HEIGHT = 240;

/** Incidents over time (per week, by outcome) and mean time to heal per week. */
export function MetricsCharts(props: { incidents: Incident[] }) {
  const theme = useTheme();
  const weeks = incidentsPerWeek(props.incidents);
  const mttr = meanTimeToHealPerWeek(props.incidents);
  const heals = props.incidents
    .map(timeToHealMs)
    .filter((x): x is number => x !== undefined);
  const overall = heals.length
    ? formatDuration(heals.reduce((a, b) => a + b, 0) / heals.length)
    : undefined;
  return (
    <Grid container spacing={2} data-testid="luffy-metrics">
      <Grid item xs={12} lg={6}>
        <InfoCard
          title="Incidents over time"
          subheader="Detected per week, by outcome"
        >
          {weeks.length ? (
            <BarChart
              width={WIDTH}
              height={HEIGHT}
              data={weeks}
              aria-label="Incidents per week"
            >
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="week" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Bar
                dataKey="healed"
                stackId="a"
                fill={theme.palette.success?.main ?? '#2e7d32'}
              />
              <Bar
                dataKey="failed"
                stackId="a"
                fill={theme.palette.error.main}
              />
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
          ) : (
            <Typography variant="body2" color="textSecondary">
              No incidents yet.
            </Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} lg={6}>
        <InfoCard
          title="Mean time to heal"
          subheader={
            overall
              ? `${overall} over ${heals.length} heal${
                  heals.length === 1 ? '' : 's'
                }`
              : 'From detection to healed'
          }
        >
          {mttr.length ? (
            <LineChart
              width={WIDTH}
              height={HEIGHT}
              data={mttr}
              aria-label="Mean time to heal per week"
            >
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="week" />
              <YAxis unit=" min" />
              <Tooltip />
              <Line
                type="monotone"
                dataKey="minutes"
                name="mean minutes to heal"
                stroke={theme.palette.primary.main}
              />
            </LineChart>
          ) : (
            <Typography variant="body2" color="textSecondary">
              No healed incident yet.
            </Typography>
          )}
        </InfoCard>
      </Grid>
    </Grid>
  );
}
