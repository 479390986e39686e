import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { SandboxContext } from '../core/context';
import type { Fault, Family } from '../core/faults';
import { familyErrorBody } from './errors';
import { createControlRouter } from '../control/router';

/** What each family module gives the shared HTTP plumbing. */
export type FamilyModule = {
  family: Family;
  /** Routes of the real API (mounted at /). */
  router: express.Router;
  /**
   * Also serve the same routes over HTTPS with this key and certificate (when the sandbox gives
   * the family an HTTPS port; the Kubernetes API, for kubectl).
   */
  tls?(): Promise<{ key: string; cert: string }>;
  /** Runs once the family listens (with its URLs). */
  start?(urls: { url: string; httpsUrl?: string }): Promise<void>;
  stop?(): Promise<void>;
};

export type FamilyServer = {
  family: Family;
  url: string;
  /** Set when the family is also served over HTTPS. */
  httpsUrl?: string;
  server: http.Server;
  close(): Promise<void>;
};

/**
 * One HTTP listener for one family: counts requests, serves the control API under /_sandbox,
 * applies injected faults (status, rate limits, latency, connection drop) shaped like the real
 * service's, then hands over to the family's router; unknown routes get the family's 404.
 */
export async function startFamilyServer(
  ctx: SandboxContext,
  mod: FamilyModule,
  port: number,
  host: string,
  options: { httpsPort?: number } = {},
): Promise<FamilyServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use('/_sandbox', createControlRouter(ctx));

  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = (req as any).sandboxRoute ?? routeKey(req);
      ctx.counters.increment(mod.family, `${req.method} ${route}`);
    });
    next();
  });

  app.use(async (req, res, next) => {
    const faults = ctx.faults.match(mod.family, req.path);
    for (const f of faults.filter(x => x.kind === 'latency')) {
      await new Promise(r => setTimeout(r, (f as { ms: number }).ms));
    }
    const hard = faults.find(f => f.kind !== 'latency');
    if (hard) {
      applyFault(mod.family, hard, req, res);
      return;
    }
    next();
  });

  app.use(mod.router);

  app.use((_req, res) => {
    res
      .status(404)
      .json(
        familyErrorBody(
          mod.family,
          404,
          mod.family === 'kubernetes'
            ? `the server could not find the requested resource`
            : 'Not Found',
        ),
      );
  });

  app.use(
    (
      err: any,
      req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      let status = 500;
      if (typeof err?.status === 'number') status = err.status;
      else if (typeof err?.code === 'number' && err.code >= 400)
        status = err.code;
      if (status >= 500)
        ctx.logger.error(`${mod.family} ${req.method} ${req.path} failed`, {
          error: String(err?.stack ?? err),
        });
      if (typeof err?.toStatus === 'function') {
        res.status(status).json(err.toStatus());
        return;
      }
      res
        .status(status)
        .json(
          err?.body ??
            familyErrorBody(
              mod.family,
              status,
              err?.message ?? 'Internal Server Error',
            ),
        );
    },
  );

  const server = http.createServer(app);
  const listening: Array<http.Server | https.Server> = [server];
  const close = async () => {
    await mod.stop?.();
    await Promise.all(
      listening.map(s => {
        s.closeAllConnections?.();
        return new Promise<void>(resolve => s.close(() => resolve()));
      }),
    );
  };
  const url = `http://${host}:${await listen(server, port, host)}`;
  let httpsUrl: string | undefined;
  try {
    if (mod.tls && options.httpsPort !== undefined) {
      const secure = https.createServer(await mod.tls(), app);
      listening.push(secure);
      const securePort = await listen(secure, options.httpsPort, host);
      // a wildcard bind is reached (and certified) as 127.0.0.1
      const reachable = ['0.0.0.0', '::', ''].includes(host)
        ? '127.0.0.1'
        : host;
      httpsUrl = `https://${
        reachable.includes(':') ? `[${reachable}]` : reachable
      }:${securePort}`;
    }
    await mod.start?.({ url, httpsUrl });
  } catch (e) {
    await close();
    throw e;
  }
  return { family: mod.family, url, httpsUrl, server, close };
}

async function listen(
  server: http.Server | https.Server,
  port: number,
  host: string,
): Promise<number> {
  // Clients (keep-alive agents, tests whose process blocks for seconds while compiling a
  // validator) reuse idle sockets; Node's default 5 s keep-alive would close one the client is
  // about to reuse (ECONNRESET). 65 s is the usual load-balancer figure; headers timeout above it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function routeKey(req: express.Request): string {
  const r = req.route?.path;
  return typeof r === 'string' ? `${req.baseUrl}${r}` : req.path;
}

function applyFault(
  family: Family,
  fault: Fault,
  req: express.Request,
  res: express.Response,
) {
  const reset = Math.floor(Date.now() / 1000) + 60;
  switch (fault.kind) {
    case 'down':
      req.socket.destroy();
      return;
    case 'status':
      res
        .status(fault.status)
        .json(
          familyErrorBody(
            family,
            fault.status,
            fault.status === 503 ? 'Service Unavailable' : 'Server Error',
          ),
        );
      return;
    case 'rate-limit':
      res
        .status(403)
        .set({
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core',
        })
        .json(
          familyErrorBody(
            family,
            403,
            'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.',
          ),
        );
      return;
    case 'secondary-rate-limit':
      res
        .status(403)
        .set({ 'retry-after': String(fault.retryAfterSeconds) })
        .json(
          familyErrorBody(
            family,
            403,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          ),
        );
      return;
    case 'too-many-requests':
      res
        .status(429)
        .set({ 'retry-after': String(fault.retryAfterSeconds) })
        .json(
          familyErrorBody(
            family,
            429,
            family === 'anthropic'
              ? 'Number of request tokens has exceeded your per-minute rate limit'
              : 'Too many requests, please try again later.',
          ),
        );
      return;
    case 'overloaded':
      res.status(529).json(
        familyErrorBody(family, 529, 'Overloaded', {
          type: 'overloaded_error',
        }),
      );
      return;
    default:
      res.status(500).json(familyErrorBody(family, 500, 'Server Error'));
  }
}
