import type express from 'express';
import { ClusterError, type KubeObject } from '../../core/cluster';
import type { SandboxContext } from '../../core/context';
import type { SimulatorState } from '../../simulator/state';
import type { MemoryClusterStore } from '../store';
import type { ResourceType } from '../resources';
import { applyPatch, patchTypeOf } from '../patch';

/** What every route of the API server needs. */
export type ApiDeps = {
  ctx: SandboxContext;
  store: MemoryClusterStore;
  sim: SimulatorState;
};

/** A request, with the route template the request counters use. */
export type Req = express.Request & { sandboxRoute?: string };

/** What a path under `/api/v1` or `/apis/<g>/<v>` names. */
export type Target = {
  type: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
  watchPath: boolean;
  route: string;
};

/** A string query parameter (undefined when absent or repeated). */
export function q(req: express.Request, key: string): string | undefined {
  const v = req.query[key];
  return typeof v === 'string' ? v : undefined;
}

export function truthy(v: string | undefined) {
  return v === 'true' || v === '1';
}

export function badRequest(message: string) {
  return new ClusterError(400, 'BadRequest', message);
}

export function methodNotAllowed() {
  return new ClusterError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

export function notFound(t: ResourceType, name: string) {
  return new ClusterError(
    404,
    'NotFound',
    `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`,
    {
      name,
      group: t.group,
      kind: t.plural,
    },
  );
}

/** The `Status` a successful DELETE of a single object answers (except pods and namespaces). */
export function statusSuccess(t: ResourceType, obj: KubeObject) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: obj.metadata.name,
      group: t.group,
      kind: t.plural,
      uid: obj.metadata.uid,
    },
  };
}

export function parseBody(req: express.Request): any {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (!raw.trim()) throw badRequest('Object ... is invalid: empty body');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw badRequest(
      `the object provided is unrecognized (must be of type JSON): ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * The body of a PUT or PATCH on a subresource (status, scale): PUT sends the
 * whole object, PATCH applies to `current()`; any other method is a 405.
 */
export function putOrPatchBody(req: express.Request, current: () => any): any {
  const method = req.method.toUpperCase();
  if (method === 'PUT') return parseBody(req);
  if (method === 'PATCH')
    return applyPatch(
      patchTypeOf(req.headers['content-type']),
      current(),
      String(req.body ?? ''),
    );
  throw methodNotAllowed();
}

/** Checks a create/replace body against the URL (kind, apiVersion, namespace, name). */
export function checkBody(
  type: ResourceType,
  body: any,
  ns?: string,
  name?: string,
) {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('the object provided is unrecognized');
  body.metadata ??= {};
  if (body.kind && body.kind !== type.kind)
    throw badRequest(
      `the server could not find the requested resource: kind ${body.kind} does not match ${type.kind}`,
    );
  if (body.apiVersion && body.apiVersion !== type.apiVersion)
    throw badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${type.apiVersion})`,
    );
  if (ns && body.metadata.namespace && body.metadata.namespace !== ns)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  if (name !== undefined) {
    if (body.metadata.name && body.metadata.name !== name)
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    body.metadata.name = name;
  }
}

/** `DeleteOptions` from the query or the body. */
export function deleteOptions(req: express.Request) {
  let body: any = {};
  if (typeof req.body === 'string' && req.body.trim()) {
    try {
      body = JSON.parse(req.body);
    } catch {
      body = {};
    }
  }
  const policy = q(req, 'propagationPolicy') ?? body.propagationPolicy;
  const grace = q(req, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
    throw new ClusterError(
      422,
      'Invalid',
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  return {
    propagationPolicy: policy,
    gracePeriodSeconds:
      grace !== undefined ? Math.min(Number(grace), 2) : undefined,
  };
}
