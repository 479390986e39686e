import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  ConflictError,
  CustomErrorBase,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  ArgoCdApplication,
  ArgoCdClient,
  ArgoCdInstance,
  ArgoCdManagedResource,
  ArgoCdResourceNode,
  ArgoCdTarget,
} from './types';

type InstanceConfig = ArgoCdInstance & {
  token?: string;
  username?: string;
  password?: string;
};

/**
 * `waitUntil` gave up: the operation failed, or the app did not get there in time. Carries
 * Argo CD's message and the resources that are not healthy.
 * @public
 */
export class ArgoCdWaitError extends CustomErrorBase {
  name = 'ArgoCdWaitError' as const;
  readonly reason: 'timeout' | 'failed';
  readonly app: ArgoCdApplication;
  readonly unhealthy: string[];
  /** HTTP status through Backstage's error handler (504 timeout, 409 failed operation). */
  readonly statusCode: number;
  constructor(options: {
    reason: 'timeout' | 'failed';
    app: ArgoCdApplication;
    unhealthy: string[];
    message: string;
  }) {
    super(options.message);
    this.reason = options.reason;
    this.app = options.app;
    this.unhealthy = options.unhealthy;
    this.statusCode = options.reason === 'timeout' ? 504 : 409;
  }
}

/** Reads `argocd.appLocatorMethods` (type config) and the top-level username/password. */
export function readArgoCdInstances(config: Config): InstanceConfig[] {
  const argocd = config.getOptionalConfig('argocd');
  if (!argocd) return [];
  const username = argocd.getOptionalString('username');
  const password = argocd.getOptionalString('password');
  const out: InstanceConfig[] = [];
  for (const method of argocd.getOptionalConfigArray('appLocatorMethods') ?? []) {
    if (method.getString('type') !== 'config') continue;
    for (const i of method.getOptionalConfigArray('instances') ?? []) {
      out.push({
        name: i.getString('name'),
        url: i.getString('url').replace(/\/+$/, ''),
        token: i.getOptionalString('token'),
        username: i.getOptionalString('username') ?? username,
        password: i.getOptionalString('password') ?? password,
      });
    }
  }
  return out;
}

const GRPC_TO_ERROR: Record<number, (m: string, c?: Error) => Error> = {
  3: (m, c) => new InputError(m, c), // InvalidArgument
  5: (m, c) => new NotFoundError(m, c), // NotFound
  6: (m, c) => new ConflictError(m, c), // AlreadyExists
  7: (m, c) => new NotAllowedError(m, c), // PermissionDenied
  9: (m, c) => new ConflictError(m, c), // FailedPrecondition
  14: (m, c) => new ServiceUnavailableError(m, c), // Unavailable
  16: (m, c) => new AuthenticationError(m, c), // Unauthenticated
};

/** Maps an Argo CD error response (grpc-gateway JSON) to a Backstage error with its message. */
export function argoCdError(
  instance: string,
  status: number,
  body: unknown,
  what: string,
): Error {
  const b = (body ?? {}) as { error?: string; message?: string; code?: number };
  const argoMessage = b.message ?? b.error ?? (typeof body === 'string' ? body : '');
  const message = `Argo CD ${instance}: ${what} failed: ${argoMessage || `HTTP ${status}`}`;
  if (typeof b.code === 'number' && GRPC_TO_ERROR[b.code]) {
    return GRPC_TO_ERROR[b.code](message);
  }
  if (status === 400) return new InputError(message);
  if (status === 401) return new AuthenticationError(message);
  if (status === 403) return new NotAllowedError(message);
  if (status === 404) return new NotFoundError(message);
  if (status === 409) return new ConflictError(message);
  return new ServiceUnavailableError(message);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });

function describeUnhealthy(app: ArgoCdApplication, tree?: ArgoCdResourceNode[]) {
  const out: string[] = [];
  for (const r of app.status?.resources ?? []) {
    const h = r.health?.status;
    if ((h && h !== 'Healthy') || (r.status && r.status !== 'Synced')) {
      out.push(
        `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${[r.status, h]
          .filter(Boolean)
          .join('/')}${r.health?.message ? ` (${r.health.message})` : ''}`,
      );
    }
  }
  for (const n of tree ?? []) {
    if (n.kind === 'Pod' && n.health?.status && n.health.status !== 'Healthy') {
      out.push(
        `Pod ${n.namespace ? `${n.namespace}/` : ''}${n.name}: ${n.health.status}${
          n.health.message ? ` (${n.health.message})` : ''
        }`,
      );
    }
  }
  return out;
}

function summary(app: ArgoCdApplication) {
  const s = app.status ?? {};
  const op = s.operationState;
  return `${s.sync?.status ?? 'Unknown'}/${s.health?.status ?? 'Unknown'}${
    op?.phase && op.phase !== 'Succeeded' ? ` (operation ${op.phase}${op.message ? `: ${op.message}` : ''})` : ''
  }`;
}

/**
 * The shared Argo CD client over every instance of `argocd.appLocatorMethods`.
 * @public
 */
export function createArgoCdClient(options: {
  config: Config;
  logger: LoggerService;
  fetch?: typeof fetch;
}): ArgoCdClient {
  const instances = readArgoCdInstances(options.config);
  const doFetch = options.fetch ?? fetch;
  const logger = options.logger;
  const sessions = new Map<string, Promise<string>>();

  const instanceByName = (name?: string): InstanceConfig => {
    if (!instances.length) {
      throw new NotFoundError(
        'No Argo CD instance configured (argocd.appLocatorMethods)',
      );
    }
    if (!name) return instances[0];
    const i = instances.find(x => x.name === name);
    if (!i) {
      throw new NotFoundError(
        `Unknown Argo CD instance "${name}" (configured: ${instances
          .map(x => x.name)
          .join(', ')})`,
      );
    }
    return i;
  };

  const login = (inst: InstanceConfig, renew = false): Promise<string> => {
    if (inst.token) return Promise.resolve(inst.token);
    if (!inst.username || !inst.password) {
      return Promise.reject(
        new AuthenticationError(
          `Argo CD ${inst.name}: configure a token or username/password`,
        ),
      );
    }
    let p = renew ? undefined : sessions.get(inst.name);
    if (!p) {
      p = (async () => {
        const res = await call(inst, 'POST', '/api/v1/session', {
          body: { username: inst.username, password: inst.password },
          auth: false,
          what: 'login',
        });
        const token = (res as { token?: string })?.token;
        if (!token) {
          throw new AuthenticationError(`Argo CD ${inst.name}: login returned no token`);
        }
        return token;
      })();
      p.catch(() => sessions.delete(inst.name));
      sessions.set(inst.name, p);
    }
    return p;
  };

  async function call(
    inst: InstanceConfig,
    method: string,
    path: string,
    opts: {
      body?: unknown;
      query?: Record<string, string | string[] | undefined>;
      auth?: boolean;
      what: string;
    },
  ): Promise<unknown> {
    const url = new URL(`${inst.url}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
    }
    const attempts = method === 'GET' ? 3 : 1;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (opts.auth !== false) {
        headers.authorization = `Bearer ${await login(inst, renewed)}`;
      }
      let res: Response;
      try {
        res = await doFetch(url, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
      } catch (e) {
        if (attempt < attempts) {
          await sleep(200 * attempt);
          continue;
        }
        throw new ServiceUnavailableError(
          `Argo CD ${inst.name} (${inst.url}) is unreachable: ${opts.what} failed: ${
            (e as Error).cause instanceof Error
              ? ((e as Error).cause as Error).message
              : (e as Error).message
          }`,
        );
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      if (res.ok) return body;
      if (res.status === 401 && opts.auth !== false && !inst.token && !renewed) {
        renewed = true; // session expired: log in again once
        continue;
      }
      if (res.status >= 502 && res.status <= 504 && attempt < attempts) {
        await sleep(200 * attempt);
        continue;
      }
      throw argoCdError(inst.name, res.status, body, opts.what);
    }
  }

  const appPath = (name: string, suffix = '') =>
    `/api/v1/applications/${encodeURIComponent(name)}${suffix}`;

  const withInstance = (app: any, inst: InstanceConfig): ArgoCdApplication => ({
    ...app,
    instance: inst.name,
  });

  /** The instance holding `name` (the given one, the only one, or the first that has it). */
  const resolve = async (name: string, target?: ArgoCdTarget) => {
    if (target?.instance || instances.length <= 1) {
      return instanceByName(target?.instance);
    }
    const found = await findApplication(name, target);
    if (!found.length) {
      throw new NotFoundError(
        `Argo CD application "${name}" not found on any instance (${instances
          .map(i => i.name)
          .join(', ')})`,
      );
    }
    return instanceByName(found[0].instance);
  };

  const getOn = async (
    inst: InstanceConfig,
    name: string,
    target?: ArgoCdTarget & { refresh?: 'normal' | 'hard' },
  ) =>
    withInstance(
      await call(inst, 'GET', appPath(name), {
        query: { appNamespace: target?.appNamespace, refresh: target?.refresh },
        what: `get application ${name}`,
      }),
      inst,
    );

  async function findApplication(
    name: string,
    target?: { appNamespace?: string },
  ): Promise<ArgoCdApplication[]> {
    const results = await Promise.all(
      instances.map(async inst => {
        try {
          return await getOn(inst, name, target);
        } catch (e) {
          if (e instanceof NotFoundError) return undefined;
          logger.warn(`Argo CD ${inst.name}: lookup of ${name} failed: ${(e as Error).message}`);
          return undefined;
        }
      }),
    );
    return results.filter((a): a is ArgoCdApplication => !!a);
  }

  const client: ArgoCdClient = {
    instances: () => instances.map(({ name, url }) => ({ name, url })),
    async getApplication(name, target) {
      return getOn(await resolve(name, target), name, target);
    },
    findApplication,
    async listApplications(opts = {}) {
      const targets = opts.instance ? [instanceByName(opts.instance)] : instances;
      const lists = await Promise.all(
        targets.map(async inst => {
          const res = (await call(inst, 'GET', '/api/v1/applications', {
            query: {
              selector: opts.selector,
              projects: opts.projects,
              appNamespace: opts.appNamespace,
            },
            what: 'list applications',
          })) as { items?: unknown[] | null };
          return (res?.items ?? []).map(a => withInstance(a, inst));
        }),
      );
      return lists.flat();
    },
    async sync(name, opts = {}) {
      const inst = await resolve(name, opts);
      return withInstance(
        await call(inst, 'POST', appPath(name, '/sync'), {
          query: { appNamespace: opts.appNamespace },
          body: {
            name,
            revision: opts.revision,
            prune: opts.prune ?? false,
            dryRun: opts.dryRun ?? false,
            resources: opts.resources?.map(r => ({ group: r.group ?? '', ...r })),
          },
          what: `sync ${name}`,
        }),
        inst,
      );
    },
    async refresh(name, opts = {}) {
      const inst = await resolve(name, opts);
      return getOn(inst, name, { ...opts, refresh: opts.type ?? 'normal' });
    },
    async rollback(name, opts) {
      if (!Number.isInteger(opts.id)) {
        throw new InputError(`rollback of ${name} needs a history id (integer)`);
      }
      const inst = await resolve(name, opts);
      return withInstance(
        await call(inst, 'POST', appPath(name, '/rollback'), {
          query: { appNamespace: opts.appNamespace },
          body: { name, id: opts.id, prune: opts.prune ?? false, dryRun: opts.dryRun ?? false },
          what: `rollback ${name} to history ${opts.id}`,
        }),
        inst,
      );
    },
    async history(name, target) {
      const app = await client.getApplication(name, target);
      return [...(app.status?.history ?? [])].sort((a, b) => b.id - a.id);
    },
    async resourceTree(name, target) {
      const inst = await resolve(name, target);
      const res = (await call(inst, 'GET', appPath(name, '/resource-tree'), {
        query: { appNamespace: target?.appNamespace },
        what: `resource tree of ${name}`,
      })) as { nodes?: ArgoCdResourceNode[] | null };
      return { nodes: res?.nodes ?? [] };
    },
    async managedResources(name, target) {
      const inst = await resolve(name, target);
      const res = (await call(inst, 'GET', appPath(name, '/managed-resources'), {
        query: { appNamespace: target?.appNamespace },
        what: `managed resources of ${name}`,
      })) as { items?: ArgoCdManagedResource[] | null };
      return res?.items ?? [];
    },
    async terminateOperation(name, target) {
      const inst = await resolve(name, target);
      await call(inst, 'DELETE', appPath(name, '/operation'), {
        query: { appNamespace: target?.appNamespace },
        what: `terminate the operation of ${name}`,
      });
    },
    async waitUntil(name, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
      const intervalMs = opts.intervalMs ?? 2000;
      const started = Date.now();
      const deadline = started + timeoutMs;
      const inst = await resolve(name, opts);
      const reached =
        opts.until ??
        ((app: ArgoCdApplication) => {
          const s = app.status ?? {};
          const phase = s.operationState?.phase;
          return (
            s.sync?.status === 'Synced' &&
            s.health?.status === 'Healthy' &&
            phase !== 'Running' &&
            phase !== 'Terminating' &&
            (!opts.revision ||
              s.sync?.revision === opts.revision ||
              !!s.sync?.revision?.startsWith(opts.revision))
          );
        });
      let lastMessage = '';
      for (let poll = 0; ; poll++) {
        const app = await getOn(inst, name, {
          ...opts,
          refresh: poll === 0 ? 'normal' : undefined,
        });
        const s = app.status ?? {};
        const message = `${summary(app)}${
          s.sync?.revision ? ` at ${s.sync.revision.slice(0, 7)}` : ''
        }`;
        if (message !== lastMessage) {
          lastMessage = message;
          opts.onProgress?.({
            app,
            sync: s.sync?.status,
            health: s.health?.status,
            phase: s.operationState?.phase,
            message,
          });
        }
        if (reached(app)) return app;
        const op = s.operationState;
        const opFinished = op?.finishedAt ? Date.parse(op.finishedAt) : NaN;
        if (
          (op?.phase === 'Failed' || op?.phase === 'Error') &&
          (opFinished >= started - 1000 ||
            (opts.revision && op.syncResult?.revision?.startsWith(opts.revision)))
        ) {
          const unhealthy = describeUnhealthy(app);
          throw new ArgoCdWaitError({
            reason: 'failed',
            app,
            unhealthy,
            message: `Argo CD ${inst.name}: sync of ${name} ${op.phase}: ${
              op.message ?? 'no message'
            }${unhealthy.length ? `; ${unhealthy.join('; ')}` : ''}`,
          });
        }
        if (Date.now() + intervalMs > deadline) {
          let tree: ArgoCdResourceNode[] | undefined;
          try {
            tree = (await client.resourceTree(name, { ...opts, instance: inst.name })).nodes;
          } catch {
            tree = undefined;
          }
          const unhealthy = describeUnhealthy(app, tree);
          const conditions = (s.conditions ?? [])
            .map(c => `${c.type}: ${c.message ?? ''}`)
            .join('; ');
          throw new ArgoCdWaitError({
            reason: 'timeout',
            app,
            unhealthy,
            message: `Argo CD ${inst.name}: ${name} not Synced and Healthy after ${Math.round(
              timeoutMs / 1000,
            )}s: ${summary(app)}${
              opts.revision
                ? ` at ${s.sync?.revision?.slice(0, 7) ?? 'no revision'} (waiting for ${opts.revision.slice(0, 7)})`
                : ''
            }${s.health?.message ? ` (${s.health.message})` : ''}${
              conditions ? `; ${conditions}` : ''
            }${unhealthy.length ? `; unhealthy: ${unhealthy.join('; ')}` : ''}`,
          });
        }
        await sleep(intervalMs, opts.signal);
      }
    },
  };
  return client;
}
