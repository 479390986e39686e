import type {
  HttpAuthService,
  LifecycleService,
} from '@backstage/backend-plugin-api';
import type { LuffyEvent } from '@openluffy/plugin-luffy-common';
import type { Response } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { LuffyEvents } from '../services/LuffyEvents';
import { parse } from './http';

const eventsQuery = z.object({
  entity: z.string().min(1).optional(),
  type: z
    .union([z.string(), z.array(z.string())])
    .transform(v => (Array.isArray(v) ? v : v.split(',')).filter(Boolean))
    .optional(),
});

/**
 * `GET /events`: Server-Sent Events of pull request, incident and operation changes.
 * Query: `entity=<ref>` (only that entity), `type=incident,pullRequest.merged` (families or
 * exact types). A `: heartbeat` comment every `heartbeatMs` keeps proxies from closing the
 * stream; the stream ends when the client goes away or the backend shuts down.
 */
export function createEventsRouter(options: {
  httpAuth: HttpAuthService;
  events: LuffyEvents;
  lifecycle?: LifecycleService;
  heartbeatMs?: number;
}) {
  const { httpAuth, events, lifecycle, heartbeatMs = 15_000 } = options;
  const open = new Set<() => void>();
  lifecycle?.addShutdownHook(() => {
    for (const close of [...open]) close();
  });

  const router = Router();
  router.get('/events', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const q = parse(eventsQuery, req.query);

    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: the compression middleware leaves the stream alone
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const write = (chunk: string) => {
      res.write(chunk);
      (res as Response & { flush?: () => void }).flush?.();
    };
    write(`retry: 3000\n: connected\n\n`);

    const subscription = events.subscribe(
      { entityRef: q.entity, types: q.type },
      (event: LuffyEvent) => {
        write(
          `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(
            event,
          )}\n\n`,
        );
      },
    );
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      open.delete(close);
      if (!res.writableEnded) res.end();
    };
    open.add(close);
    req.on('close', close);
    res.on('close', close);
  });
  return router;
}
