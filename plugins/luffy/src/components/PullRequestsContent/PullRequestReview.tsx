import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import type {
  MergePullRequestResponse,
  PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef, type EntityName } from '../../api';
import { DiffView } from '../DiffView';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { MergeDialog } from '../MergeDialog';
import { Checks } from './Checks';
import { Mergeability, ReviewDecision } from './PullRequestTable';

/** One pull request: checks, review state, blockers, the diff, and Approve & Merge. */
export function PullRequestReview(props: {
  entity: EntityName;
  pr: PullRequestSummary;
  onBack(): void;
  onMerged(result: MergePullRequestResponse, pr: PullRequestSummary): void;
}) {
  const { entity, onBack, onMerged } = props;
  const luffyApi = useApi(luffyApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => luffyApi.getPullRequest(entity, props.pr.repo, props.pr.number),
    [
      luffyApi,
      entity.namespace,
      entity.kind,
      entity.name,
      props.pr.repo,
      props.pr.number,
    ],
  );
  const pr = value?.pullRequest ?? props.pr;

  return (
    <Box data-testid="luffy-pull-request-review">
      <Box mb={2}>
        <Button variant="text" onClick={onBack}>
          ← All pull requests
        </Button>
      </Box>
      <InfoCard
        title={`#${pr.number} ${pr.title}`}
        subheader={`${pr.repo} · ${pr.headRef} → ${pr.baseRef} · by ${
          pr.author.login
        } · head ${pr.headSha.slice(0, 7)}`}
      >
        <Box display="flex" flexWrap="wrap" style={{ gap: 24 }} mb={2}>
          <Box>
            <Typography variant="overline">Review</Typography>
            <Box>
              <ReviewDecision pr={pr} />
            </Box>
          </Box>
          <Box>
            <Typography variant="overline">Merge</Typography>
            <Box>
              <Mergeability pr={pr} />
            </Box>
          </Box>
          <Box>
            <Typography variant="overline">Checks</Typography>
            <Checks checks={pr.checks} />
          </Box>
          {pr.environments?.length ? (
            <Box>
              <Typography variant="overline">Environments</Typography>
              <Typography variant="body2">
                {pr.environments.join(', ')}
              </Typography>
            </Box>
          ) : null}
          <Box flex={1} />
          <Box display="flex" flexDirection="column" alignItems="flex-end">
            {value && (
              <MergeDialog
                entity={entity}
                pr={pr}
                reviewedSha={value.pullRequest.headSha}
                onMerged={result => onMerged(result, pr)}
              />
            )}
            <Box mt={1}>
              <Link to={pr.url}>Open on GitHub</Link>
            </Box>
          </Box>
        </Box>
        {loading && <Progress />}
        {error && <ErrorStatePanel error={error} onRetry={retry} />}
        {value && <DiffView diff={value.diff} files={value.files} />}
      </InfoCard>
    </Box>
  );
}
