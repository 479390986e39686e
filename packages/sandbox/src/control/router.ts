import express from 'express';
import type { SandboxContext } from '../core/context';
import type { Fault, Family } from '../core/faults';

const FAMILIES: Family[] = ['github', 'kubernetes', 'argocd', 'anthropic'];

/**
 * The control API, served under /_sandbox on every port (documented in the README):
 * readiness, faults, time scale and request counters here; chaos, bulk seeding and the
 * Anthropic script are added by their owners through `ctx.controlRoutes`.
 */
export function createControlRouter(ctx: SandboxContext): express.Router {
  const router = express.Router();

  router.get('/ready', (_req, res) => {
    res
      .status(ctx.ready ? 200 : 503)
      .json({ ready: ctx.ready, urls: ctx.urls, httpsUrls: ctx.httpsUrls });
  });

  // Everything else mints tokens, injects faults or flips chaos: loopback clients only, unless
  // the sandbox was started with the flag that says this is unsafe.
  router.use(loopbackOnly(ctx.options.unsafeControlApiOnAllInterfaces));
  router.use(express.json({ limit: '5mb' }));

  router.get('/faults', (_req, res) => {
    res.json({ items: ctx.faults.list() });
  });

  router.post('/faults', (req, res) => {
    const { family, service, durationSeconds = 60, ...rest } = req.body ?? {};
    if (!FAMILIES.includes(family)) {
      res
        .status(400)
        .json({ error: `family must be one of ${FAMILIES.join(', ')}` });
      return;
    }
    const fault = parseFault(rest);
    if (typeof fault === 'string') {
      res.status(400).json({ error: fault });
      return;
    }
    const rule = ctx.faults.add({
      family,
      service: typeof service === 'string' && service ? service : undefined,
      fault,
      until: Date.now() + Number(durationSeconds) * 1000,
    });
    res.status(201).json(rule);
  });

  router.delete('/faults/:id', (req, res) => {
    res.status(ctx.faults.remove(req.params.id) ? 204 : 404).end();
  });

  router.delete('/faults', (_req, res) => {
    ctx.faults.clear();
    res.status(204).end();
  });

  router.get('/time-scale', (_req, res) => {
    res.json({ timeScale: ctx.clock.timeScale });
  });

  router.put('/time-scale', (req, res) => {
    try {
      ctx.clock.setTimeScale(Number(req.body?.timeScale));
      res.json({ timeScale: ctx.clock.timeScale });
    } catch (e) {
      res.status(400).json({ error: (e as Error).message });
    }
  });

  router.get('/counters', (req, res) => {
    const family = typeof req.query.family === 'string' ? req.query.family : '';
    const all = ctx.counters.snapshot();
    const counters = Object.fromEntries(
      Object.entries(all).filter(([k]) => k.startsWith(family)),
    );
    res.json({
      total: Object.values(counters).reduce((a, b) => a + b, 0),
      counters,
    });
  });

  router.delete('/counters', (_req, res) => {
    ctx.counters.reset();
    res.status(204).end();
  });

  for (const add of ctx.controlRoutes) add(router);
  return router;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export const UNSAFE_CONTROL_API_FLAG = '--unsafe-control-api-on-all-interfaces';

function loopbackOnly(allowAll: boolean | undefined): express.RequestHandler {
  return (req, res, next) => {
    const peer = req.socket.remoteAddress;
    if (allowAll || isLoopbackAddress(peer)) {
      next();
      return;
    }
    res.status(403).json({
      error: `the sandbox control API answers loopback clients only (this request came from ${peer}); start the sandbox with ${UNSAFE_CONTROL_API_FLAG} to allow other addresses`,
    });
  };
}

function parseFault(body: any): Fault | string {
  switch (body?.kind) {
    case 'status': {
      const status = Number(body.status ?? 500);
      if (![500, 502, 503, 504].includes(status))
        return 'status must be 500, 502, 503 or 504';
      return { kind: 'status', status: status as 500 };
    }
    case 'rate-limit':
      return { kind: 'rate-limit' };
    case 'secondary-rate-limit':
      return {
        kind: 'secondary-rate-limit',
        retryAfterSeconds: Number(body.retryAfterSeconds ?? 60),
      };
    case 'too-many-requests':
      return {
        kind: 'too-many-requests',
        retryAfterSeconds: Number(body.retryAfterSeconds ?? 30),
      };
    case 'overloaded':
      return { kind: 'overloaded' };
    case 'down':
      return { kind: 'down' };
    case 'latency':
      return { kind: 'latency', ms: Number(body.ms ?? 500) };
    default:
      return 'kind must be one of status, rate-limit, secondary-rate-limit, too-many-requests, overloaded, down, latency';
  }
}
