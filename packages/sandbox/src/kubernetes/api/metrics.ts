import type express from 'express';
import { ClusterError, type KubeObject } from '../../core/cluster';
import { podMetrics } from '../../simulator/metrics';
import { formatMemory, parseQuantity } from '../../simulator/behaviour';
import { isoNow } from '../store';
import { q, type ApiDeps, type Target } from './request';

/** `metrics.k8s.io/v1beta1` pods and nodes, computed from the simulator's containers. */
export function serveMetrics(
  { store, sim }: ApiDeps,
  req: express.Request,
  res: express.Response,
  t: Target,
) {
  const now = new Date();
  if (t.type.plural === 'pods') {
    const pods = t.name
      ? [store.getRaw('v1/pods', t.namespace, t.name)].filter(
          (p): p is KubeObject => !!p,
        )
      : store.listRaw('v1/pods', {
          namespace: t.namespace,
          labelSelector: q(req, 'labelSelector'),
          fieldSelector: q(req, 'fieldSelector'),
        });
    const items = pods
      .map(p => podMetrics(p, sim.chaos, now))
      .filter((m): m is KubeObject => !!m);
    if (t.name) {
      if (!items.length)
        throw new ClusterError(
          404,
          'NotFound',
          `podmetrics.metrics.k8s.io "${t.name}" not found`,
          {
            name: t.name,
            group: 'metrics.k8s.io',
            kind: 'pods',
          },
        );
      res.json(items[0]);
      return;
    }
    res.json({
      kind: 'PodMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items,
    });
    return;
  }
  // nodes
  let memory = 0;
  let cpu = 0;
  for (const p of store.listRaw('v1/pods')) {
    const m = podMetrics(p, sim.chaos, now);
    for (const c of (m?.containers as any[]) ?? []) {
      memory += parseQuantity(c.usage.memory) ?? 0;
      cpu += parseQuantity(c.usage.cpu) ?? 0;
    }
  }
  const nodes = store.listRaw('v1/nodes').map(n => ({
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: n.metadata.name,
      creationTimestamp: isoNow(),
      labels: n.metadata.labels,
    },
    timestamp: isoNow(),
    window: '20.05s',
    usage: {
      cpu: `${Math.round((cpu + 0.15) * 1e9)}n`,
      memory: formatMemory(memory + 900 * 1024 ** 2),
    },
  }));
  if (t.name) {
    const n = nodes.find(x => x.metadata.name === t.name);
    if (!n)
      throw new ClusterError(
        404,
        'NotFound',
        `nodemetrics.metrics.k8s.io "${t.name}" not found`,
        {
          name: t.name,
          group: 'metrics.k8s.io',
          kind: 'nodes',
        },
      );
    res.json(n);
    return;
  }
  res.json({
    kind: 'NodeMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {},
    items: nodes,
  });
}
