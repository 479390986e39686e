import {
  EmptyState,
  InfoCard,
  MissingAnnotationEmptyState,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  ANNOTATION_GITOPS_REPO,
  parseRepoSlug,
} from '@openluffy/plugin-luffy-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';

/**
 * The entity's "Pull requests" tab: pending pull requests of its source and GitOps
 * repositories. Lists the repositories it watches; the list of pull requests comes with the
 * pull request service.
 */
export function PullRequestsContent() {
  const { entity } = useEntity();
  const annotations = entity.metadata.annotations ?? {};
  const source = annotations[ANNOTATION_GITHUB_PROJECT_SLUG];
  const gitops = annotations[ANNOTATION_GITOPS_REPO];

  if (!source && !gitops) {
    return (
      <MissingAnnotationEmptyState
        annotation={ANNOTATION_GITHUB_PROJECT_SLUG}
      />
    );
  }
  const repos = [
    { label: 'Source', value: source },
    { label: 'GitOps', value: gitops },
  ].filter(r => r.value);
  const malformed = repos.filter(r => !parseRepoSlug(r.value));

  return (
    <Grid container spacing={3} data-testid="luffy-pull-requests-content">
      <Grid item xs={12}>
        <InfoCard title="Pull requests">
          {repos.map(r => (
            <Typography key={r.label} variant="body1">
              {r.label} repository: <code>{r.value}</code>
            </Typography>
          ))}
          {malformed.map(r => (
            <Typography key={r.label} color="error" variant="body2">
              {`"${r.value}" is not an owner/repo slug; fix the ${
                r.label === 'Source'
                  ? ANNOTATION_GITHUB_PROJECT_SLUG
                  : ANNOTATION_GITOPS_REPO
              } annotation.`}
            </Typography>
          ))}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <EmptyState
          missing="content"
          title="No pull requests loaded"
          description="Pending pull requests with CI checks, diffs and Approve & Merge are not available in this version yet."
        />
      </Grid>
    </Grid>
  );
}
