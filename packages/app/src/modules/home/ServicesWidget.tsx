import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';

/** The annotation that says how far OpenLuffy may heal a service on its own. */
const AUTONOMY = 'openluffy.io/autonomy';

/**
 * The services OpenLuffy watches (service components of the catalog), each with links into
 * its Pull requests and Healing tabs.
 */
export function ServicesWidget() {
  const catalogApi = useApi(catalogApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  const { value, loading, error } = useAsync(
    async () =>
      (
        await catalogApi.getEntities({
          filter: { kind: 'Component', 'spec.type': 'service' },
          fields: ['kind', 'metadata', 'spec.owner'],
          order: { field: 'metadata.name', order: 'asc' },
        })
      ).items,
    [catalogApi],
  );

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.length) {
    return (
      <EmptyState
        missing="data"
        title="No services yet"
        description="Register a service in the catalog or onboard a customer from Create."
      />
    );
  }
  const path = (e: (typeof value)[number]) =>
    entityRoute?.({
      namespace: e.metadata.namespace ?? 'default',
      kind: e.kind.toLocaleLowerCase('en-US'),
      name: e.metadata.name,
    }) ?? '';
  return (
    <List dense>
      {value.map(e => (
        <ListItem key={`${e.metadata.namespace}/${e.metadata.name}`} divider>
          <ListItemText
            primary={
              <Link to={path(e)}>{e.metadata.title ?? e.metadata.name}</Link>
            }
            secondary={
              <Typography variant="body2" component="span">
                <Link to={`${path(e)}/pull-requests`}>Pull requests</Link>
                {' · '}
                <Link to={`${path(e)}/healing`}>Healing</Link>
                {e.metadata.annotations?.[AUTONOMY] &&
                  ` · autonomy ${e.metadata.annotations[AUTONOMY]}`}
              </Typography>
            }
          />
        </ListItem>
      ))}
    </List>
  );
}

/** Where the operator starts: what OpenLuffy does and the suite's pages. */
export function StartWidget() {
  return (
    <Typography variant="body1" component="div">
      <p>
        OpenLuffy watches your catalog's services on Kubernetes and Argo CD,
        diagnoses failures and proposes fixes as pull requests against the
        GitOps repository.
      </p>
      <List dense>
        <ListItem>
          <ListItemText
            primary={<Link to="/luffy">Pending approvals</Link>}
            secondary="Fixes waiting for a human decision, across the catalog"
          />
        </ListItem>
        <ListItem>
          <ListItemText
            primary={<Link to="/create">Onboard a customer</Link>}
            secondary="The New Customer template: repository, GitOps manifests, Argo CD"
          />
        </ListItem>
        <ListItem>
          <ListItemText
            primary={<Link to="/catalog">Catalog</Link>}
            secondary="Every service, its pull requests, deployments and healing history"
          />
        </ListItem>
      </List>
    </Typography>
  );
}
