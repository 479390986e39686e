import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_AUTONOMY,
  parseAutonomy,
  type Autonomy,
} from '@openluffy/plugin-luffy-common';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef } from '../../api';
import { IncidentTable } from '../IncidentTable';

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

/** The entity's "Healing" tab: every incident of the service, its diagnosis and PR. */
export function HealingContent() {
  const { entity } = useEntity();
  const luffyApi = useApi(luffyApiRef);
  const raw = entity.metadata.annotations?.[ANNOTATION_AUTONOMY];
  const autonomy = parseAutonomy(raw);
  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      luffyApi.listEntityIncidents({
        namespace: entity.metadata.namespace ?? 'default',
        kind: entity.kind,
        name: entity.metadata.name,
      }),
    [luffyApi, entity],
  );

  return (
    <Grid container spacing={3} data-testid="luffy-healing-content">
      <Grid item xs={12}>
        <InfoCard title="Healing">
          <Typography variant="body1">{autonomyText(autonomy, raw)}</Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {!loading && !error && value && value.items.length === 0 && (
          <EmptyState
            missing="data"
            title="No incidents"
            description={`OpenLuffy has not recorded any incident for ${entity.metadata.name}.`}
          />
        )}
        {!loading && !error && value && value.items.length > 0 && (
          <IncidentTable title="Incidents" incidents={value.items} />
        )}
        {!loading && error && (
          <Button variant="outlined" onClick={() => retry()}>
            Retry
          </Button>
        )}
      </Grid>
    </Grid>
  );
}
