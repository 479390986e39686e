import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type CoreV1Event,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kindPath } from './kinds';
import type {
  KubernetesAccess,
  KubernetesCluster,
  KubernetesKind,
  KubernetesWatchEvent,
} from './types';

type ClusterConfig = KubernetesCluster & {
  token?: string;
  skipTLSVerify: boolean;
  caData?: string;
  caFile?: string;
};

type ClusterClients = {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
};

/** Reads `kubernetes.clusterLocatorMethods` (type config, serviceAccount auth). */
export function readKubernetesClusters(
  config: Config,
  logger?: LoggerService,
): ClusterConfig[] {
  const out: ClusterConfig[] = [];
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  for (const m of methods) {
    if (m.getString('type') !== 'config') continue;
    for (const c of m.getOptionalConfigArray('clusters') ?? []) {
      const name = c.getString('name');
      const authProvider = c.getOptionalString('authProvider') ?? 'serviceAccount';
      if (authProvider !== 'serviceAccount') {
        logger?.warn(
          `Kubernetes cluster ${name}: authProvider ${authProvider} is not supported by OpenLuffy (use serviceAccount); skipped`,
        );
        continue;
      }
      out.push({
        name,
        url: c.getString('url').replace(/\/+$/, ''),
        token: c.getOptionalString('serviceAccountToken'),
        skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
        caData: c.getOptionalString('caData'),
        caFile: c.getOptionalString('caFile'),
      });
    }
  }
  return out;
}

/** The Status message of a Kubernetes API error body. */
function statusMessage(body: unknown): string | undefined {
  if (!body) return undefined;
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return b as string;
    }
  }
  return (b as { message?: string })?.message;
}

/** Maps client-node errors to Backstage errors naming the cluster and the Kubernetes message. */
export function kubernetesError(cluster: string, what: string, e: any): Error {
  const code: number | undefined = e?.code ?? e?.statusCode;
  const message = `Kubernetes ${cluster}: ${what} failed: ${
    statusMessage(e?.body) ?? e?.message ?? String(e)
  }`;
  switch (code) {
    case 400:
    case 422:
      return new InputError(message);
    case 401:
      return new AuthenticationError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    default:
      return new ServiceUnavailableError(message);
  }
}

const CORE_LIST: Record<string, { all?: string; ns?: string; cluster?: string }> = {
  pods: { all: 'listPodForAllNamespaces', ns: 'listNamespacedPod' },
  events: { all: 'listEventForAllNamespaces', ns: 'listNamespacedEvent' },
  services: { all: 'listServiceForAllNamespaces', ns: 'listNamespacedService' },
  configmaps: { all: 'listConfigMapForAllNamespaces', ns: 'listNamespacedConfigMap' },
  namespaces: { cluster: 'listNamespace' },
  nodes: { cluster: 'listNode' },
  limitranges: { all: 'listLimitRangeForAllNamespaces', ns: 'listNamespacedLimitRange' },
  resourcequotas: {
    all: 'listResourceQuotaForAllNamespaces',
    ns: 'listNamespacedResourceQuota',
  },
  persistentvolumeclaims: {
    all: 'listPersistentVolumeClaimForAllNamespaces',
    ns: 'listNamespacedPersistentVolumeClaim',
  },
};

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

/**
 * The shared Kubernetes access layer over every cluster of `kubernetes.clusterLocatorMethods`
 * (type config).
 * @public
 */
export function createKubernetesAccess(options: {
  config: Config;
  logger: LoggerService;
}): KubernetesAccess {
  const logger = options.logger;
  const clusters = readKubernetesClusters(options.config, logger);
  const clients = new Map<string, ClusterClients>();

  const clientsFor = (name: string): ClusterClients => {
    const cfg = clusters.find(c => c.name === name);
    if (!cfg) {
      throw new NotFoundError(
        `Unknown Kubernetes cluster "${name}" (configured: ${
          clusters.map(c => c.name).join(', ') || 'none'
        })`,
      );
    }
    let c = clients.get(name);
    if (!c) {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name,
            server: cfg.url,
            skipTLSVerify: cfg.skipTLSVerify,
            caData: cfg.caData,
            caFile: cfg.caFile,
          },
        ],
        users: [{ name: 'luffy', token: cfg.token }],
        contexts: [{ name, cluster: name, user: 'luffy' }],
        currentContext: name,
      });
      c = {
        kc,
        core: kc.makeApiClient(CoreV1Api),
        apps: kc.makeApiClient(AppsV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
      };
      clients.set(name, c);
    }
    return c;
  };

  const guard = async <T>(cluster: string, what: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (e) {
      throw kubernetesError(cluster, what, e);
    }
  };

  /** One list request for a kind in one cluster. */
  const listOne = async (
    cluster: string,
    kind: KubernetesKind,
    opts: { labelSelector?: string; fieldSelector?: string; namespace?: string },
  ): Promise<{ items: KubernetesObject[]; resourceVersion?: string }> => {
    const c = clientsFor(cluster);
    const params = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    };
    let res: any;
    if (!kind.group && CORE_LIST[kind.plural]) {
      const m = CORE_LIST[kind.plural];
      const method = opts.namespace ? m.ns : m.all ?? m.cluster;
      if (!method) {
        throw new InputError(`${kind.kind} is cluster-scoped; list it without a namespace`);
      }
      res = await (c.core as any)[method]({
        ...params,
        ...(opts.namespace && m.ns ? { namespace: opts.namespace } : {}),
      });
    } else if (!kind.group) {
      throw new InputError(`Listing core kind ${kind.plural} is not supported`);
    } else if (opts.namespace) {
      res = await c.custom.listNamespacedCustomObject({
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace: opts.namespace,
        ...params,
      });
    } else {
      res = await c.custom.listClusterCustomObject({
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        ...params,
      });
    }
    return {
      items: (res?.items ?? []).map((o: KubernetesObject) => ({
        apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
        kind: kind.kind,
        ...o,
      })),
      resourceVersion: res?.metadata?.resourceVersion,
    };
  };

  const access: KubernetesAccess = {
    clusters: () => clusters.map(({ name, url }) => ({ name, url })),
    kubeConfig: cluster => clientsFor(cluster).kc,

    async list(kind, opts = {}) {
      const names = opts.clusters ?? clusters.map(c => c.name);
      return Promise.all(
        names.map(async cluster => {
          try {
            const r = await guard(cluster, `list ${kind.plural}`, () =>
              listOne(cluster, kind, opts),
            );
            return { cluster, ...r } as any;
          } catch (e) {
            return { cluster, items: [], error: e as Error };
          }
        }),
      );
    },

    watch(cluster, kind, opts) {
      clientsFor(cluster); // unknown cluster → NotFoundError now
      let stopped = false;
      let rv = opts.resourceVersion;
      let abort: AbortController | undefined;
      let failures = 0;
      const emit = (e: KubernetesWatchEvent<any>) => {
        try {
          opts.onEvent(e);
        } catch (err) {
          logger.warn(`Kubernetes watch handler failed: ${(err as Error).message}`);
        }
      };
      const relist = async () => {
        const r = await listOne(cluster, kind, opts);
        rv = r.resourceVersion;
        emit({ type: 'RELISTED', items: r.items, cluster, resourceVersion: rv });
      };
      /** One watch request, until the stream ends: did it end with 410 Gone, or an error? */
      const attempt = () =>
        new Promise<{ gone: boolean; error?: unknown }>(resolve => {
          let gone = false;
          let error: unknown;
          const w = new Watch(clientsFor(cluster).kc);
          w.watch(
            kindPath(kind, opts.namespace),
            {
              labelSelector: opts.labelSelector,
              resourceVersion: rv,
              allowWatchBookmarks: true,
            },
            (type, obj) => {
              if (type === 'ERROR') {
                if (obj?.code === 410) gone = true;
                else error = new Error(statusMessage(obj) ?? 'watch error');
                return;
              }
              const v = obj?.metadata?.resourceVersion;
              if (v) rv = v;
              if (type === 'BOOKMARK') return;
              failures = 0;
              emit({
                type: type as 'ADDED' | 'MODIFIED' | 'DELETED',
                object: obj,
                cluster,
              });
            },
            err => {
              const code =
                (err as { code?: number })?.code ??
                (err as { statusCode?: number })?.statusCode;
              if (code === 410) gone = true;
              else if (err && !stopped && (err as Error).name !== 'AbortError') {
                error = err;
              }
              resolve({ gone, error });
            },
          )
            .then(a => {
              abort = a;
              if (stopped) a.abort();
            })
            .catch(err => {
              if ((err as { code?: number })?.code === 410) gone = true;
              else error = err;
              resolve({ gone, error });
            });
        });
      const run = async (): Promise<void> => {
        while (!stopped) {
          let { gone, error } = await attempt();
          if (stopped) return;
          if (gone) {
            try {
              await relist();
              continue;
            } catch (e) {
              error = e;
              gone = false;
            }
          }
          if (error) {
            failures += 1;
            opts.onError?.(kubernetesError(cluster, `watch ${kind.plural}`, error));
            await sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
          }
        }
      };
      void run();
      return {
        resourceVersion: () => rv,
        stop() {
          stopped = true;
          abort?.abort();
        },
      };
    },

    async podLogs(cluster, namespace, pod, opts = {}) {
      const { core } = clientsFor(cluster);
      return guard(cluster, `logs of pod ${namespace}/${pod}`, () =>
        core.readNamespacedPodLog({
          name: pod,
          namespace,
          container: opts.container,
          tailLines: opts.tailLines,
          previous: opts.previous,
          limitBytes: opts.limitBytes,
        }),
      );
    },

    async events(cluster, namespace, object, opts = {}) {
      const { core } = clientsFor(cluster);
      const fields = [
        `involvedObject.kind=${object.kind}`,
        `involvedObject.name=${object.name}`,
        ...(object.uid ? [`involvedObject.uid=${object.uid}`] : []),
        ...(opts.type ? [`type=${opts.type}`] : []),
      ];
      const res = await guard(cluster, `events of ${object.kind} ${namespace}/${object.name}`, () =>
        core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') }),
      );
      const when = (e: CoreV1Event) =>
        new Date(
          (e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0) as any,
        ).getTime();
      return [...res.items].sort((a, b) => when(a) - when(b));
    },

    async getDeployment(cluster, namespace, name) {
      const { apps } = clientsFor(cluster);
      return guard(cluster, `get deployment ${namespace}/${name}`, () =>
        apps.readNamespacedDeployment({ name, namespace }),
      );
    },

    async rolloutRestart(cluster, namespace, deployment, opts = {}) {
      const { apps } = clientsFor(cluster);
      const restartedAt = (opts.now ?? new Date()).toISOString();
      const result = await guard(cluster, `rollout restart of deployment ${namespace}/${deployment}`, () =>
        apps.patchNamespacedDeployment(
          {
            name: deployment,
            namespace,
            dryRun: opts.dryRun ? 'All' : undefined,
            body: {
              spec: {
                template: {
                  metadata: {
                    annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt },
                  },
                },
              },
            },
          },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      );
      return { restartedAt, deployment: result };
    },

    async scale(cluster, namespace, deployment, replicas, opts = {}) {
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new InputError(`replicas must be a whole number ≥ 0, got ${replicas}`);
      }
      const { apps } = clientsFor(cluster);
      const current = await guard(cluster, `read scale of deployment ${namespace}/${deployment}`, () =>
        apps.readNamespacedDeploymentScale({ name: deployment, namespace }),
      );
      const previousReplicas = current.spec?.replicas ?? 0;
      const updated = await guard(cluster, `scale deployment ${namespace}/${deployment}`, () =>
        apps.replaceNamespacedDeploymentScale({
          name: deployment,
          namespace,
          dryRun: opts.dryRun ? 'All' : undefined,
          body: {
            apiVersion: 'autoscaling/v1',
            kind: 'Scale',
            metadata: {
              name: deployment,
              namespace,
              resourceVersion: current.metadata?.resourceVersion,
            },
            spec: { replicas },
          },
        }),
      );
      return { previousReplicas, replicas: updated.spec?.replicas ?? replicas };
    },

    async deletePod(cluster, namespace, pod, opts = {}) {
      const { core } = clientsFor(cluster);
      await guard(cluster, `delete pod ${namespace}/${pod}`, () =>
        core.deleteNamespacedPod({
          name: pod,
          namespace,
          dryRun: opts.dryRun ? 'All' : undefined,
        }),
      );
    },
  };
  return access;
}
