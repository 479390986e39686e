import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  IncidentContainerLog,
  IncidentContext,
  IncidentKubeEvent,
} from '@openluffy/plugin-luffy-common';
import {
  KUBERNETES_KINDS,
  Redactor,
  candidateFolders,
  locateManifest,
  redactEnv,
  type DetectedFailure,
  type GitopsRepo,
  type KubernetesAccess,
  type LocatedManifest,
  type WorkloadSpec,
} from '@openluffy/plugin-luffy-node';
import type { ServiceTarget } from './discovery';

const LOG_LINES = 50;
const MAX_LINE = 500;
const MAX_PODS = 3;
const MAX_EVENTS = 30;
const MAX_MANIFEST = 20_000;

/** Everything collected about a failure; `context` is the redacted part shown to diagnosers. */
export type CollectedContext = {
  context: IncidentContext;
  workload?: WorkloadSpec;
  manifest?: LocatedManifest & { repo: string };
  knownEnv: Record<string, string>;
  lastChange?: { sha: string; message: string; at: string };
  failingSince?: string;
};

const RESTARTING = /OOMKilled|CrashLoopBackOff|RestartLoop/;

/**
 * Collects the context of a failure through the shared clients: the last 50 log lines per
 * container (the previous instance when it restarts), Warning events of the pods and the
 * workload, the live workload spec (env from Secrets dropped), values of ConfigMaps in the
 * namespace (never Secrets), the manifest from git, and optional Prometheus figures. Every
 * text is redacted before it is stored or shown to a diagnoser.
 */
export async function collectContext(options: {
  failure: DetectedFailure;
  target: ServiceTarget;
  kubernetes: KubernetesAccess;
  gitops?: (repo: string) => Promise<GitopsRepo>;
  lastChange?: (
    repo: string,
    folder: string,
  ) => Promise<CollectedContext['lastChange']>;
  prometheusUrl?: string;
  redactor: Redactor;
  logger: LoggerService;
}): Promise<CollectedContext> {
  const { failure, kubernetes, redactor, logger, target } = options;
  const { cluster, namespace } = failure;
  const findings = (
    (failure.details?.findings as string[]) ?? [
      failure.message ?? failure.reason,
    ]
  ).map(f => redactor.text(f));
  const soft = async <T>(
    what: string,
    fn: () => Promise<T>,
  ): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e: any) {
      logger.debug(
        `healing context: ${what} failed: ${redactor.text(
          String(e?.message ?? e),
        )}`,
      );
      return undefined;
    }
  };

  // workload spec
  let workload: WorkloadSpec | undefined;
  if ((failure.workloadKind ?? 'Deployment') === 'Deployment') {
    const d = await soft('deployment', () =>
      kubernetes.getDeployment(cluster, namespace, failure.workload),
    );
    if (d) {
      workload = {
        kind: 'Deployment',
        namespace,
        name: failure.workload,
        replicas: d.spec?.replicas,
        containers: (d.spec?.template?.spec?.containers ?? []).map(c => ({
          name: c.name,
          resources: c.resources as any,
          env: redactEnv(c.env as any, redactor),
          readinessProbe: c.readinessProbe as any,
          livenessProbe: c.livenessProbe as any,
          startupProbe: c.startupProbe as any,
        })),
      };
    }
  }

  // logs
  const pods = (failure.pods ?? []).slice(0, MAX_PODS);
  const containers = failure.containers?.length
    ? failure.containers
    : workload?.containers.map(c => c.name) ?? [];
  const logs: IncidentContainerLog[] = [];
  const restarting = RESTARTING.test(failure.reason);
  for (const pod of pods) {
    for (const container of containers) {
      const read = (previous: boolean) =>
        soft(`logs ${pod}/${container}`, () =>
          kubernetes.podLogs(cluster, namespace, pod, {
            container,
            tailLines: LOG_LINES,
            previous,
            limitBytes: LOG_LINES * MAX_LINE,
          }),
        );
      let previous = restarting;
      let text = await read(previous);
      if (text === undefined && previous) {
        previous = false;
        text = await read(false);
      }
      if (text === undefined) continue;
      const lines = text
        .split('\n')
        .filter(l => l.length)
        .slice(-LOG_LINES)
        .map(l => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
      logs.push({ pod, container, previous, lines: redactor.lines(lines) });
    }
  }

  // Warning events of the pods and the workload
  const events: IncidentKubeEvent[] = [];
  const objects = [
    ...pods.map(name => ({ kind: 'Pod', name })),
    { kind: failure.workloadKind ?? 'Deployment', name: failure.workload },
  ];
  let failingSince: string | undefined;
  for (const o of objects) {
    const list = await soft(`events of ${o.kind} ${o.name}`, () =>
      kubernetes.events(cluster, namespace, o, { type: 'Warning' }),
    );
    for (const e of list ?? []) {
      const first = (e.firstTimestamp ??
        e.eventTime ??
        e.metadata?.creationTimestamp) as any;
      if (first) {
        const t = new Date(first).toISOString();
        if (!failingSince || t < failingSince) failingSince = t;
      }
      events.push({
        object: `${o.kind}/${o.name}`,
        reason: e.reason ?? '',
        message: redactor.text(e.message ?? ''),
        count: e.count,
        lastSeen: e.lastTimestamp
          ? new Date(e.lastTimestamp as any).toISOString()
          : undefined,
      });
    }
  }

  // values known from ConfigMaps of the namespace (Secrets are never read)
  const knownEnv: Record<string, string> = {};
  const cms = await soft('configmaps', () =>
    kubernetes.list(KUBERNETES_KINDS.configmaps, {
      namespace,
      clusters: [cluster],
    }),
  );
  for (const list of cms ?? []) {
    for (const cm of list.items as any[]) {
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) {
        if (
          /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) &&
          typeof v === 'string' &&
          v.length < 2000
        ) {
          const r = redactor.text(v);
          if (r === v) knownEnv[k] = v;
        }
      }
    }
  }

  // the manifest in git
  let manifest: CollectedContext['manifest'];
  let lastChange: CollectedContext['lastChange'];
  const repoRef = target.settings.gitopsRepo;
  if (repoRef && options.gitops) {
    const repoName = `${repoRef.owner}/${repoRef.repo}`;
    const env = failure.details?.env as string | undefined;
    const repo = await soft('gitops repo', () => options.gitops!(repoName));
    if (repo) {
      const found = await soft('manifest', () =>
        locateManifest(repo, {
          folders: candidateFolders({
            annotatedPath: env ? target.settings.gitopsPath(env) : undefined,
            service: target.entity.metadata.name,
            workload: failure.workload,
            env,
          }),
          target: {
            kind: failure.workloadKind ?? 'Deployment',
            name: failure.workload,
          },
        }),
      );
      if (found) {
        manifest = { ...found, repo: repoName };
        if (options.lastChange) {
          lastChange = await soft('history', () =>
            options.lastChange!(repoName, found.folder),
          );
        }
      }
    }
  }

  // Prometheus (optional)
  let metrics: Record<string, number> | undefined;
  if (options.prometheusUrl) {
    metrics = await soft('prometheus', () =>
      queryPrometheus(options.prometheusUrl!, namespace, failure.workload),
    );
  }

  return {
    context: {
      findings,
      logs,
      events: events.slice(-MAX_EVENTS),
      manifest: manifest
        ? {
            repo: manifest.repo,
            path: manifest.path,
            content: redactor.text(manifest.content.slice(0, MAX_MANIFEST)),
          }
        : undefined,
      metrics,
      redactions: redactor.stats.count,
    },
    workload,
    manifest,
    knownEnv,
    lastChange,
    failingSince,
  };
}

async function queryPrometheus(
  baseUrl: string,
  namespace: string,
  workload: string,
): Promise<Record<string, number>> {
  const queries: Record<string, string> = {
    memoryWorkingSetBytes: `max(container_memory_working_set_bytes{namespace="${namespace}",pod=~"${workload}-.*",container!=""})`,
    cpuCores: `sum(rate(container_cpu_usage_seconds_total{namespace="${namespace}",pod=~"${workload}-.*",container!=""}[5m]))`,
  };
  const out: Record<string, number> = {};
  for (const [name, query] of Object.entries(queries)) {
    const res = await fetch(
      `${baseUrl.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(
        query,
      )}`,
      { signal: AbortSignal.timeout(5000) },
    );
    if (!res.ok) continue;
    const body: any = await res.json();
    const v = Number(body?.data?.result?.[0]?.value?.[1]);
    if (Number.isFinite(v)) out[name] = v;
  }
  return out;
}
