import Grid from '@material-ui/core/Grid';
import {
  EntityArgoCDHistoryCard,
  EntityArgoCDOverviewCard,
} from '@roadiehq/backstage-plugin-argo-cd';

/** Roadie's Argo CD cards, side by side on the entity's ArgoCD tab. */
export function ArgoCdContent() {
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <EntityArgoCDOverviewCard />
      </Grid>
      <Grid item xs={12}>
        <EntityArgoCDHistoryCard />
      </Grid>
    </Grid>
  );
}
