import { useCallback, useEffect, useState } from 'react';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import type {
  MergePullRequestResponse,
  PullRequestDetail,
  PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import { stringifyEntityRef } from '@backstage/catalog-model';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef, type EntityName } from '../../api';
import { DiffView } from '../DiffView';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
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
  // The diff the user reads stays the one of the head they opened; live updates refresh the
  // checks and review state only, and say when new commits arrive (the merge names the
  // reviewed head, so GitHub would refuse it).
  const [reviewed, setReviewed] = useState<PullRequestDetail>();
  useEffect(() => {
    if (value && !reviewed) setReviewed(value);
  }, [value, reviewed]);
  const onChange = useCallback(
    (event?: { payload?: unknown }) => {
      const p = event?.payload as
        | { repo?: string; number?: number }
        | undefined;
      if (
        !p ||
        (p.repo === props.pr.repo &&
          (!p.number || p.number === props.pr.number))
      ) {
        retry();
      }
    },
    [retry, props.pr.repo, props.pr.number],
  );
  useLuffyEvents(
    {
      entityRef: stringifyEntityRef({ ...entity }),
      types: ['pullRequest'],
    },
    onChange,
  );
  const pr = value?.pullRequest ?? props.pr;
  const moved =
    reviewed &&
    value &&
    value.pullRequest.headSha !== reviewed.pullRequest.headSha;

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
            {reviewed && (
              <MergeDialog
                entity={entity}
                pr={pr}
                reviewedSha={reviewed.pullRequest.headSha}
                onMerged={result => onMerged(result, pr)}
              />
            )}
            <Box mt={1}>
              <Link to={pr.url}>Open on GitHub</Link>
            </Box>
          </Box>
        </Box>
        {moved && (
          <Box mb={2} display="flex" alignItems="center" style={{ gap: 8 }}>
            <Typography color="error" variant="body2" role="alert">
              New commits were pushed since you opened this diff (head is now{' '}
              {value!.pullRequest.headSha.slice(0, 7)}).
            </Typography>
            <Button
              size="small"
              variant="outlined"
              onClick={() => setReviewed(value)}
            >
              Show the new diff
            </Button>
          </Box>
        )}
        {loading && !reviewed && <Progress />}
        {error && <ErrorStatePanel error={error} onRetry={retry} />}
        {reviewed && <DiffView diff={reviewed.diff} files={reviewed.files} />}
      </InfoCard>
    </Box>
  );
}
