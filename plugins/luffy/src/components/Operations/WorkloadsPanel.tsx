import { useEffect, useState } from 'react';
import {
  Progress,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import type {
  WorkloadEnvironment,
  WorkloadPod,
} from '@openluffy/plugin-luffy-common';
import { stringifyEntityRef } from '@backstage/catalog-model';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type { EntityName } from '../../api';
import { useLuffyEvents } from '../../hooks/useLuffyEvents';
import { ErrorStatePanel } from '../ErrorStatePanel';
import { KeyedTable, type KeyedColumn } from './KeyedTable';
import { OperationsMenu, type MenuEntry } from './OperationsMenu';
import { useOperationsClient } from './operationsClient';

function PodStatus({ pod }: { pod: WorkloadPod }) {
  if (pod.phase === 'Terminating') {
    return <StatusPending>Terminating</StatusPending>;
  }
  if (pod.phase === 'Failed') return <StatusError>Failed</StatusError>;
  if (pod.ready) return <StatusOK>Ready</StatusOK>;
  return <StatusRunning>{pod.phase}</StatusRunning>;
}

function age(createdAt?: string): string {
  if (!createdAt) return '—';
  const s = Math.max(0, (Date.now() - Date.parse(createdAt)) / 1000);
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 129_600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function kubernetesTabPath(): string {
  const path = typeof window === 'undefined' ? '' : window.location.pathname;
  return path.replace(/\/[^/]+\/?$/, '/kubernetes');
}

/** The rollout of one environment's Deployment, live while it progresses. */
function RolloutProgress({ env }: { env: WorkloadEnvironment }) {
  const rolling = env.health.status === 'Progressing';
  const ready = env.pods.filter(p => p.current && p.ready).length;
  return (
    <Box
      mb={1}
      data-testid={`luffy-rollout-${env.environment}`}
      data-health={env.health.status}
    >
      <Typography variant="subtitle2">
        {env.environment} · Deployment {env.namespace}/{env.deployment} ·{' '}
        {rolling
          ? `rolling out: ${env.updatedReplicas}/${env.replicas} updated, ${ready}/${env.replicas} new pods ready`
          : `${env.health.status} (${env.health.message ?? ''})`}
      </Typography>
      {rolling && (
        <LinearProgress
          variant="determinate"
          value={env.replicas ? (100 * ready) / env.replicas : 0}
          aria-label={`Rollout of ${env.deployment} in ${env.environment}`}
        />
      )}
    </Box>
  );
}

/**
 * Pods per environment with an Operations menu on every row (delete pod, logs), and the
 * Deployment's rollout live: it polls while a rollout progresses (and for `followMs` after
 * `follow` changes, i.e. after an operation), and refreshes on operation events.
 */
export function WorkloadsPanel(props: {
  entity: EntityName;
  /** Bump after an operation to follow the rollout it starts. */
  follow?: number;
  followMs?: number;
  intervalMs?: number;
}) {
  const { entity } = props;
  const client = useOperationsClient();
  const { value, loading, error, retry } = useAsyncRetry(
    () => client.workloads(entity),
    [client, entity.namespace, entity.kind, entity.name],
  );
  const [followUntil, setFollowUntil] = useState(0);
  useEffect(() => {
    if (props.follow) setFollowUntil(Date.now() + (props.followMs ?? 10_000));
  }, [props.follow, props.followMs]);

  useLuffyEvents(
    {
      entityRef: stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
      types: ['operation.finished'],
    },
    () => retry(),
  );

  const rolling = (value?.environments ?? []).some(
    e =>
      e.health.status === 'Progressing' ||
      e.pods.some(p => !p.current || p.phase === 'Terminating'),
  );
  useEffect(() => {
    if (loading || (!rolling && Date.now() > followUntil)) return undefined;
    const t = setTimeout(retry, props.intervalMs ?? 1500);
    return () => clearTimeout(t);
  }, [rolling, followUntil, loading, retry, value, props.intervalMs]);

  if (loading && !value) return <Progress />;
  if (error && !value) {
    return (
      <ErrorStatePanel
        error={error}
        annotation="backstage.io/kubernetes-id"
        what="Kubernetes"
        onRetry={retry}
      />
    );
  }
  if (!value?.environments.length) {
    return (
      <Typography variant="body2">
        No Deployment labelled with this service&apos;s kubernetes id.
      </Typography>
    );
  }
  return (
    <div data-testid="luffy-workloads">
      {value.environments.map(env => {
        const podEntries: (pod: WorkloadPod) => MenuEntry[] = pod => [
          {
            op: 'delete-pod',
            label: 'Delete pod…',
            input: e => ({
              environment: e,
              pod: pod.name,
              deployment: env.deployment,
            }),
          },
        ];
        const columns: KeyedColumn<WorkloadPod>[] = [
          { title: 'Pod', render: p => <code>{p.name}</code> },
          { title: 'Status', render: p => <PodStatus pod={p} /> },
          { title: 'Restarts', render: p => p.restarts },
          { title: 'Age', render: p => age(p.createdAt) },
          {
            title: 'Revision',
            render: p => (p.current ? 'current' : 'previous'),
          },
          {
            title: 'Operations',
            render: p => (
              <OperationsMenu
                entity={entity}
                environment={env.environment}
                subject={`pod ${p.name}`}
                entries={podEntries(p)}
                links={[{ label: 'Logs', to: kubernetesTabPath() }]}
                onDone={() => {
                  setFollowUntil(Date.now() + (props.followMs ?? 10_000));
                  retry();
                }}
              />
            ),
          },
        ];
        return (
          <Box key={`${env.cluster}/${env.namespace}/${env.deployment}`} mb={2}>
            <RolloutProgress env={env} />
            <KeyedTable<WorkloadPod>
              aria-label={`Pods of ${env.deployment} in ${env.environment}`}
              columns={columns}
              rows={env.pods}
              rowKey={p => p.name}
            />
          </Box>
        );
      })}
    </div>
  );
}
