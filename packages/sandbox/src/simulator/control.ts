import type express from 'express';
import type { SandboxContext } from '../core/context';
import type { MemoryClusterStore } from '../kubernetes/store';
import {
  CHAOS_MODES,
  NODE_MEMORY_BYTES,
  parseQuantity,
  serviceAndEnv,
  type ChaosEntry,
  type ChaosMode,
} from './behaviour';
import { simulatorState } from './state';
import { bulkSeed } from './bulk';

/** Switches chaos for a service and environment; returns the entry (undefined for `none`). */
export function setChaos(
  ctx: SandboxContext,
  service: string,
  env: string,
  mode: ChaosMode,
): ChaosEntry | undefined {
  const state = simulatorState(ctx);
  const store = ctx.cluster as MemoryClusterStore;
  if (mode === 'none') {
    state.chaos.clear(service, env);
    state.onChaosChange?.(service, env);
    return undefined;
  }
  const entry: ChaosEntry = {
    service,
    env,
    mode,
    since: new Date().toISOString(),
  };
  const pods = store
    .listRaw('v1/pods', { labelSelector: `app.kubernetes.io/name=${service}` })
    .filter(p => serviceAndEnv(p).env === env);
  const deployments = store
    .listRaw('apps/v1/deployments', {
      labelSelector: `app.kubernetes.io/name=${service}`,
    })
    .filter(d => serviceAndEnv(d).env === env);
  const containers: any[] = [
    ...pods.flatMap(p => p.spec?.containers ?? []),
    ...deployments.flatMap(d => d.spec?.template?.spec?.containers ?? []),
  ];
  if (mode === 'oom') {
    const limits = containers.map(
      c => parseQuantity(c.resources?.limits?.memory) ?? NODE_MEMORY_BYTES,
    );
    const limit = limits.length ? Math.max(...limits) : NODE_MEMORY_BYTES;
    entry.memoryDemandBytes = Math.ceil((limit * 1.5) / 1024 ** 2) * 1024 ** 2;
  }
  if (mode === 'missing-env') {
    const required = containers
      .flatMap(c =>
        String(
          (c.env ?? []).find((e: any) => e?.name === 'DEMO_REQUIRED_ENV')
            ?.value ?? '',
        ).split(','),
      )
      .map(x => x.trim())
      .filter(Boolean);
    entry.variable = required[0] ?? 'DATABASE_URL';
  }
  state.chaos.set(entry);
  state.onChaosChange?.(service, env);
  return entry;
}

export function registerControlRoutes(ctx: SandboxContext) {
  ctx.controlRoutes.push((router: express.Router) => {
    router.get('/chaos', (_req, res) => {
      res.json({ items: simulatorState(ctx).chaos.list() });
    });
    router.post('/chaos', (req, res) => {
      const { service, env, mode } = req.body ?? {};
      const envName =
        typeof env === 'string' ? env.replace(/^acme-/, '') : undefined;
      if (typeof service !== 'string' || !service || !envName) {
        res.status(400).json({ error: 'service and env are required' });
        return;
      }
      if (!CHAOS_MODES.includes(mode)) {
        res
          .status(400)
          .json({ error: `mode must be one of ${CHAOS_MODES.join(', ')}` });
        return;
      }
      const entry = setChaos(ctx, service, envName, mode);
      const matchedPods = (ctx.cluster as MemoryClusterStore)
        .listRaw('v1/pods', {
          labelSelector: `app.kubernetes.io/name=${service}`,
        })
        .filter(p => serviceAndEnv(p).env === envName).length;
      res
        .status(mode === 'none' ? 200 : 201)
        .json({
          ...(entry ?? { service, env: envName, mode: 'none' }),
          matchedPods,
        });
    });
    router.delete('/chaos', (_req, res) => {
      for (const e of simulatorState(ctx).chaos.list())
        setChaos(ctx, e.service, e.env, 'none');
      res.status(204).end();
    });
    router.delete('/seed/bulk', (_req, res) => {
      const store = ctx.cluster as MemoryClusterStore;
      const namespaces = store
        .listRaw('v1/namespaces')
        .map(n => n.metadata.name)
        .filter(n => n.startsWith('load-'));
      for (const ns of namespaces) store.delete('v1/namespaces', undefined, ns);
      for (const key of [...simulatorState(ctx).instant])
        if (key.startsWith('load-')) simulatorState(ctx).instant.delete(key);
      res.json({ deletedNamespaces: namespaces });
    });
    router.post('/seed/bulk', (req, res, next) => {
      try {
        const count = Number(req.body?.count ?? 10);
        const envs = Array.isArray(req.body?.envs)
          ? req.body.envs.map(String)
          : ['dev', 'preprod', 'prod'];
        if (!Number.isInteger(count) || count < 1 || count > 5000) {
          res.status(400).json({ error: 'count must be an integer 1..5000' });
          return;
        }
        res.status(201).json(bulkSeed(ctx, { count, envs }));
      } catch (e) {
        next(e);
      }
    });
  });
}
