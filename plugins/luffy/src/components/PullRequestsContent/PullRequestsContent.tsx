import { useCallback, useState } from 'react';
import {
  EmptyState,
  MissingAnnotationEmptyState,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  type MergePullRequestResponse,
  type PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { DeploymentPanel } from '../DeploymentPanel';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { PullRequestReview } from './PullRequestReview';
import { PullRequestTable } from './PullRequestTable';

type Merged = {
  result: MergePullRequestResponse;
  pr: PullRequestSummary;
};

/**
 * The entity's "Pull requests" tab: open pull requests of its source repository and of its
 * GitOps folder, with checks; a review view with the diff and Approve & Merge; and the
 * deployment panel following Argo CD after a merge. Live through `GET /api/luffy/events`.
 */
export function PullRequestsContent() {
  const { entity } = useEntity();
  const luffyApi = useApi(luffyApiRef);
  const name = {
    namespace: entity.metadata.namespace ?? 'default',
    kind: entity.kind,
    name: entity.metadata.name,
  };
  const slug = entity.metadata.annotations?.[ANNOTATION_GITHUB_PROJECT_SLUG];
  const [selected, setSelected] = useState<PullRequestSummary>();
  const [merged, setMerged] = useState<Merged>();

  const { value, loading, error, retry } = useAsyncRetry(
    async () => (slug ? luffyApi.listPullRequests(name) : undefined),
    [luffyApi, name.namespace, name.kind, name.name, slug],
  );
  const onChange = useCallback(() => retry(), [retry]);
  const { live } = useLuffyEvents(
    { entityRef: stringifyEntityRef(entity), types: ['pullRequest'] },
    onChange,
  );

  if (!slug) {
    return (
      <MissingAnnotationEmptyState
        annotation={ANNOTATION_GITHUB_PROJECT_SLUG}
      />
    );
  }

  return (
    <Grid container spacing={3} data-testid="luffy-pull-requests-content">
      {merged && (
        <Grid item xs={12}>
          <Typography variant="body1" data-testid="luffy-merged-banner">
            Merged {merged.pr.repo}#{merged.pr.number} as{' '}
            <b>{merged.result.mergedBy}</b>
            {merged.result.actedAs === 'integration'
              ? ' (integration, on your behalf)'
              : ''}{' '}
            → <code>{merged.result.sha.slice(0, 7)}</code>
          </Typography>
        </Grid>
      )}
      <Grid item xs={12}>
        {selected ? (
          <PullRequestReview
            entity={name}
            pr={selected}
            onBack={() => setSelected(undefined)}
            onMerged={(result, pr) => {
              setMerged({ result, pr });
              setSelected(undefined);
              retry();
            }}
          />
        ) : (
          <>
            {loading && !value && <Progress />}
            {error && (
              <ErrorStatePanel
                error={error}
                annotation={ANNOTATION_GITHUB_PROJECT_SLUG}
                onRetry={retry}
              />
            )}
            {value && !error && value.items.length === 0 && (
              <EmptyState
                missing="data"
                title="No open pull requests"
                description={`Nothing waits in ${value.repos
                  .map(r =>
                    r.role === 'gitops'
                      ? `${r.repo} (${(r.paths ?? []).join(', ')})`
                      : r.repo,
                  )
                  .join(' or ')}.`}
              />
            )}
            {value && !error && value.items.length > 0 && (
              <PullRequestTable items={value.items} onOpen={setSelected} />
            )}
            {value && (
              <Box mt={1}>
                <Typography variant="caption" color="textSecondary">
                  Watching {value.repos.map(r => r.repo).join(', ')} · updated{' '}
                  {new Date(value.fetchedAt).toLocaleTimeString()} ·{' '}
                  {live ? 'live' : 'polling'}
                </Typography>
              </Box>
            )}
          </>
        )}
      </Grid>
      {(merged ||
        entity.metadata.annotations?.['argocd/app-selector'] ||
        entity.metadata.annotations?.['argocd/app-name']) && (
        <Grid item xs={12}>
          <DeploymentPanel
            entity={name}
            revision={
              merged?.pr.role === 'gitops' ? merged.result.sha : undefined
            }
            environments={merged?.pr.environments}
          />
        </Grid>
      )}
    </Grid>
  );
}
