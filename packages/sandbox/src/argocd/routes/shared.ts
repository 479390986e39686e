import type express from 'express';
import type { SandboxContext } from '../../core/context';
import type { KubeObject } from '../../core/cluster';
import { familyErrorBody } from '../../http/errors';
import {
  ApiError,
  type Application,
  type ArgoCdController,
} from '../controller';

export const ARGOCD_USERNAME = 'admin';
export const ARGOCD_PASSWORD = 'sandbox-argocd-password';

export type Handler = (
  req: express.Request,
  res: express.Response,
) => Promise<void> | void;

/** What each route module gets: the router to add to, the context and the controller. */
export type RouteDeps = {
  router: express.Router;
  ctx: SandboxContext;
  controller: ArgoCdController;
  /** The app or a 404 ApiError. */
  getApp(name: string): Application;
};

/** Answers a grpc-gateway error body; `code` overrides the gRPC code derived from `status`. */
export function fail(
  res: express.Response,
  status: number,
  message: string,
  code?: number,
) {
  const body = familyErrorBody('argocd', status, message);
  res.status(status).json(code === undefined ? body : { ...body, code });
}

export const notFound = (name: string) =>
  new ApiError(404, `applications.argoproj.io "${name}" not found`);

/** Runs a handler, answering ApiErrors and ClusterErrors the grpc-gateway way. */
export const wrap =
  (fn: Handler): express.RequestHandler =>
  async (req, res, next) => {
    try {
      await fn(req, res);
    } catch (e) {
      if (e instanceof ApiError) fail(res, e.status, e.message, e.code);
      else if (typeof (e as any)?.code === 'number' && (e as any).reason)
        fail(res, (e as any).code, (e as Error).message);
      else next(e);
    }
  };

/** Argo CD's JSON for an Application: status always carries sync and health codes. */
export function presentApp(app: KubeObject | Application): KubeObject {
  const out = structuredClone(app) as KubeObject;
  delete out.metadata.managedFields;
  out.status = {
    ...(out.status ?? {}),
    sync: out.status?.sync?.status
      ? out.status.sync
      : { ...(out.status?.sync ?? {}), status: 'Unknown' },
    health: out.status?.health?.status
      ? out.status.health
      : { ...(out.status?.health ?? {}), status: 'Missing' },
  };
  return out;
}

/** A query parameter as a string ('' when absent or repeated). */
export const queryString = (req: express.Request, k: string) =>
  typeof req.query[k] === 'string' ? (req.query[k] as string) : '';

/** A repeatable or comma-separated query parameter. */
export const queryList = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .filter(x => x !== undefined)
    .flatMap(x => String(x).split(','))
    .filter(Boolean);
