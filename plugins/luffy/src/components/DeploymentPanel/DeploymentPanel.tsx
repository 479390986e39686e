import { useEffect, useState } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Typography from '@material-ui/core/Typography';
import type { DeploymentEnvironment } from '@openluffy/plugin-luffy-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { luffyApiRef, type EntityName } from '../../api';
import { ErrorStatePanel } from '../ErrorStatePanel';
import {
  KeyedTable,
  OperationsMenu,
  WorkloadsPanel,
  type KeyedColumn,
} from '../Operations';

export function HealthStatus({ env }: { env: DeploymentEnvironment }) {
  switch (env.healthStatus) {
    case 'Healthy':
      return <StatusOK>Healthy</StatusOK>;
    case 'Progressing':
      return <StatusRunning>Progressing</StatusRunning>;
    case 'Degraded':
    case 'Missing':
      return <StatusError>{env.healthStatus}</StatusError>;
    case 'Suspended':
      return <StatusWarning>Suspended</StatusWarning>;
    default:
      return <StatusPending>{env.healthStatus}</StatusPending>;
  }
}

function SyncStatus({ env }: { env: DeploymentEnvironment }) {
  if (env.operationPhase === 'Running') {
    return <StatusRunning>Syncing</StatusRunning>;
  }
  if (env.syncStatus === 'Synced') return <StatusOK>Synced</StatusOK>;
  if (env.syncStatus === 'OutOfSync') {
    return <StatusWarning>OutOfSync</StatusWarning>;
  }
  return <StatusPending>{env.syncStatus}</StatusPending>;
}

function RolloutStatus(props: {
  env: DeploymentEnvironment;
  touched: boolean;
}) {
  if (!props.touched) return <>—</>;
  return props.env.rolledOut ? (
    <StatusOK>rolled out</StatusOK>
  ) : (
    <StatusRunning>rolling out</StatusRunning>
  );
}

function panelSubheader(props: {
  revision?: string;
  done: boolean;
  failed: boolean;
  environments: string[];
}): string {
  const { revision, done, failed, environments } = props;
  if (!revision) return 'Argo CD applications of this service.';
  const short = revision.slice(0, 7);
  if (done) {
    return `Revision ${short} is Synced and Healthy in ${environments.join(
      ', ',
    )}.`;
  }
  if (failed) {
    return `Revision ${short}: a resource is unhealthy (see Problems).`;
  }
  return `Following revision ${short} until it is Synced and Healthy…`;
}

function argoTabPath(): string {
  const path = typeof window === 'undefined' ? '' : window.location.pathname;
  return path.replace(/\/[^/]+\/?$/, '/argocd');
}

/**
 * Argo CD per environment: sync, health, revision, unhealthy resources. After a merge
 * (`revision`), it follows the rollout live until every environment the change touched is
 * Synced and Healthy at that revision.
 */
export function DeploymentPanel(props: {
  entity: EntityName;
  /** The merge commit to follow. */
  revision?: string;
  /** Environments the merged change touched (all when absent). */
  environments?: string[];
  intervalMs?: number;
}) {
  const { entity, revision, environments } = props;
  const luffyApi = useApi(luffyApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => luffyApi.getDeployments(entity, { revision }),
    [luffyApi, entity.namespace, entity.kind, entity.name, revision],
  );
  const followed = (value?.environments ?? []).filter(
    e => !environments?.length || environments.includes(e.environment),
  );
  const done =
    !!revision && followed.length > 0 && followed.every(e => e.rolledOut);
  const failed = followed.some(e => e.healthStatus === 'Degraded');
  // bumped after an operation: the pods below follow the rollout it started
  const [operated, setOperated] = useState(0);

  useEffect(() => {
    if (!revision || done || loading) return undefined;
    const t = setTimeout(retry, props.intervalMs ?? 2000);
    return () => clearTimeout(t);
  }, [revision, done, loading, retry, value, props.intervalMs]);

  const columns: KeyedColumn<DeploymentEnvironment>[] = [
    { title: 'Environment', render: e => e.environment },
    {
      title: 'Application',
      render: e => <Link to={argoTabPath()}>{e.application}</Link>,
    },
    { title: 'Sync', render: e => <SyncStatus env={e} /> },
    { title: 'Health', render: e => <HealthStatus env={e} /> },
    {
      title: 'Revision',
      render: e => <code>{e.revision?.slice(0, 7) ?? '—'}</code>,
    },
    ...(revision
      ? [
          {
            title: 'Rollout',
            render: (e: DeploymentEnvironment) => (
              <RolloutStatus
                env={e}
                touched={
                  !environments?.length || environments.includes(e.environment)
                }
              />
            ),
          } as KeyedColumn<DeploymentEnvironment>,
        ]
      : []),
    {
      title: 'Problems',
      render: e =>
        e.unhealthyResources.length
          ? e.unhealthyResources
              .map(
                r =>
                  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${
                    r.name
                  }: ${r.health}${r.message ? ` (${r.message})` : ''}`,
              )
              .join('; ')
          : '—',
    },
    {
      title: 'Operations',
      render: e => (
        <OperationsMenu
          entity={entity}
          environment={e.environment}
          onDone={() => {
            setOperated(n => n + 1);
            retry();
          }}
        />
      ),
    },
  ];

  return (
    <InfoCard
      title="Deployments"
      subheader={panelSubheader({
        revision,
        done,
        failed,
        environments: followed.map(e => e.environment),
      })}
    >
      <div
        data-testid="luffy-deployment-panel"
        data-rolled-out={done ? 'true' : 'false'}
      >
        {loading && !value && <Progress />}
        {error && !value && (
          <ErrorStatePanel
            error={error}
            annotation="argocd/app-selector"
            what="Argo CD"
            onRetry={retry}
          />
        )}
        {value && value.environments.length === 0 && (
          <Typography variant="body2">
            No Argo CD application found for this service.
          </Typography>
        )}
        {value && value.environments.length > 0 && (
          <KeyedTable<DeploymentEnvironment>
            aria-label="Argo CD applications per environment"
            columns={columns}
            rows={value.environments}
            rowKey={e => e.environment}
          />
        )}
        <Typography variant="h6" style={{ marginTop: 16 }}>
          Pods
        </Typography>
        <WorkloadsPanel entity={entity} follow={operated} />
      </div>
    </InfoCard>
  );
}
