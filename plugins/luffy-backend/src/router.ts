import type { HealthResponse } from '@openluffy/plugin-luffy-common';
import express from 'express';
import Router from 'express-promise-router';

/**
 * The plugin's HTTP API: `/health`, JSON body parsing, then each feature's sub-router in order.
 * Sub-routers are built in plugin.ts and use paths relative to /api/luffy. Bodies under
 * `/webhooks/` are left unparsed: webhook routes verify signatures over the raw bytes.
 */
export async function createRouter(options: {
  routers: express.Router[];
}): Promise<express.Router> {
  const router = Router();
  const json = express.json({ limit: '1mb' });
  router.use((req, res, next) =>
    req.path.startsWith('/webhooks/') ? next() : json(req, res, next),
  );

  router.get('/health', (_req, res) => {
    const body: HealthResponse = { status: 'ok' };
    res.json(body);
  });

  for (const sub of options.routers) router.use(sub);
  return router;
}
