import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  type PullRequestListResponse,
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_GITHUB_PROJECT_SLUG,
} from '@openluffy/plugin-luffy-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import type { AsyncState } from 'react-use/esm/useAsyncFn';
import { luffyApiRef } from '../../api';
import { HealthStatus } from '../DeploymentPanel';
import { IncidentStatusLabel } from '../IncidentTable/IncidentTable';

function OpenPullRequests(props: {
  prs: AsyncState<PullRequestListResponse | undefined>;
  to: string;
}) {
  const { prs } = props;
  if (prs.loading) return <>…</>;
  if (prs.error) return <>unavailable ({prs.error.message})</>;
  if (!prs.value) return <>no github.com/project-slug annotation</>;
  return <Link to={props.to}>{prs.value.items.length} open</Link>;
}

/**
 * Entity overview card: environments with sync/health and the running revision, the number
 * of open pull requests, and the latest incident. Each part loads on its own, so a missing
 * annotation or an unreachable system only blanks its line.
 */
export function LuffyOverviewCard() {
  const { entity } = useEntity();
  const luffyApi = useApi(luffyApiRef);
  const name = {
    namespace: entity.metadata.namespace ?? 'default',
    kind: entity.kind,
    name: entity.metadata.name,
  };
  const a = entity.metadata.annotations ?? {};
  const deployments = useAsync(
    async () =>
      a[ANNOTATION_ARGOCD_APP_SELECTOR] || a[ANNOTATION_ARGOCD_APP_NAME]
        ? luffyApi.getDeployments(name)
        : undefined,
    [luffyApi, entity],
  );
  const prs = useAsync(
    async () =>
      a[ANNOTATION_GITHUB_PROJECT_SLUG]
        ? luffyApi.listPullRequests(name)
        : undefined,
    [luffyApi, entity],
  );
  const incidents = useAsync(
    () => luffyApi.listEntityIncidents(name, { limit: 1 }),
    [luffyApi, entity],
  );
  const base =
    typeof window === 'undefined'
      ? ''
      : window.location.pathname.replace(/\/$/, '');

  return (
    <InfoCard title="OpenLuffy" variant="gridItem">
      <Box data-testid="luffy-overview-card">
        <Typography variant="overline">Environments</Typography>
        {deployments.loading && <Progress />}
        {deployments.error && (
          <Typography variant="body2" color="textSecondary">
            Argo CD: {deployments.error.message}
          </Typography>
        )}
        {deployments.value?.environments.map(e => (
          <Box
            key={e.application}
            display="flex"
            alignItems="center"
            style={{ gap: 8 }}
          >
            <Typography variant="body2" style={{ minWidth: 70 }}>
              {e.environment}
            </Typography>
            <Typography variant="body2">{e.syncStatus}</Typography>
            <HealthStatus env={e} />
            <code>{e.revision?.slice(0, 7)}</code>
          </Box>
        ))}
        {!deployments.loading && !deployments.value && !deployments.error && (
          <Typography variant="body2" color="textSecondary">
            No Argo CD annotation.
          </Typography>
        )}
        <Box mt={1}>
          <Typography variant="overline">Pull requests</Typography>
          <Typography variant="body2">
            <OpenPullRequests prs={prs} to={`${base}/pull-requests`} />
          </Typography>
        </Box>
        <Box mt={1}>
          <Typography variant="overline">Latest incident</Typography>
          {incidents.value?.items[0] ? (
            <Box display="flex" alignItems="center" style={{ gap: 8 }}>
              <IncidentStatusLabel status={incidents.value.items[0].status} />
              <Typography variant="body2">
                {incidents.value.items[0].reason} ·{' '}
                {new Date(incidents.value.items[0].createdAt).toLocaleString()}
              </Typography>
            </Box>
          ) : (
            <Typography variant="body2" color="textSecondary">
              {incidents.loading ? '…' : 'none'}
            </Typography>
          )}
        </Box>
      </Box>
    </InfoCard>
  );
}
