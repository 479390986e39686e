import fs from 'node:fs';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  ServiceUnavailableError,
} from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';

/** GitHub events the suite acts on; any other event is acknowledged and ignored. */
export const HANDLED_GITHUB_EVENTS = [
  'pull_request',
  'pull_request_review',
  'check_run',
  'check_suite',
  'status',
  'push',
  'ping',
] as const;

/** One verified, first-seen GitHub delivery of a handled event. */
export type GithubWebhookDelivery = {
  id: string;
  event: (typeof HANDLED_GITHUB_EVENTS)[number];
  payload: any;
};

type WebhooksMethods = {
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
};

let webhooksMethods: WebhooksMethods | undefined;

/**
 * `@octokit/webhooks-methods` is ESM-only with an import-only export map, which CommonJS
 * `require` (the backend's module system) cannot resolve by name; its Node build has no
 * dependencies, so it is loaded by file from the package folder (Node 22 `require(esm)`).
 */
function loadWebhooksMethods(): WebhooksMethods {
  if (!webhooksMethods) {
    const candidates = (
      require.resolve.paths('@octokit/webhooks-methods') ?? []
    )
      .map(dir =>
        path.join(dir, '@octokit/webhooks-methods/dist-node/index.js'),
      )
      .filter(file => fs.existsSync(file));
    if (!candidates.length) {
      throw new Error('@octokit/webhooks-methods is not installed');
    }
    // eslint-disable-next-line @backstage/no-undeclared-imports
    webhooksMethods = require(candidates[0]) as WebhooksMethods;
  }
  return webhooksMethods;
}

/** Remembers delivery ids for a while (GitHub redelivers with the same X-GitHub-Delivery). */
export class DeliveryLog {
  readonly #seen = new Map<string, number>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 24 * 60 * 60 * 1000,
  ) {}

  /** True the first time an id is seen within the TTL; records it. */
  firstSeen(id: string, now = Date.now()): boolean {
    const at = this.#seen.get(id);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.#seen.delete(id);
    this.#seen.set(id, now);
    while (this.#seen.size > this.maxEntries) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    return true;
  }

  /** Forgets an id, so that a redelivery of a failed delivery is processed. */
  forget(id: string) {
    this.#seen.delete(id);
  }
}

/**
 * `POST /webhooks/github`: verifies X-Hub-Signature-256 over the raw body (constant time,
 * @octokit/webhooks-methods), drops replays (X-GitHub-Delivery seen before), refuses oversized
 * or malformed bodies, ignores events the suite does not handle, and hands the rest to
 * `onDelivery`. Mount it before any JSON body parser.
 */
export function createWebhooksRouter(options: {
  logger: LoggerService;
  /** `luffy.github.webhookSecret`; without it every delivery is refused with 503. */
  secret?: string;
  onDelivery(delivery: GithubWebhookDelivery): Promise<void>;
  /** Largest accepted body. Default: 5 MB (GitHub caps payloads at 25 MB; ours need far less). */
  maxBodyBytes?: number;
  deliveries?: DeliveryLog;
}): express.Router {
  const { logger, secret, onDelivery } = options;
  const deliveries = options.deliveries ?? new DeliveryLog();
  const router = Router();

  router.post(
    '/webhooks/github',
    express.raw({
      type: () => true,
      limit: options.maxBodyBytes ?? 5 * 1024 * 1024,
    }),
    async (req, res) => {
      if (!secret) {
        throw new ServiceUnavailableError(
          'GitHub webhooks are not configured: set luffy.github.webhookSecret to the secret of the GitHub webhook',
        );
      }
      if (!Buffer.isBuffer(req.body)) {
        throw new InputError('Expected a raw request body');
      }
      const signature = req.header('x-hub-signature-256');
      if (!signature) {
        throw new AuthenticationError(
          'Missing X-Hub-Signature-256: configure the GitHub webhook with a secret',
        );
      }
      const raw = req.body.toString('utf8');
      let valid = false;
      try {
        valid = await loadWebhooksMethods().verify(secret, raw, signature);
      } catch {
        valid = false; // malformed signature header
      }
      if (!valid) {
        throw new AuthenticationError(
          'X-Hub-Signature-256 does not match the body: check luffy.github.webhookSecret',
        );
      }
      const event = req.header('x-github-event');
      const id = req.header('x-github-delivery');
      if (!event || !id) {
        throw new InputError(
          'Missing X-GitHub-Event or X-GitHub-Delivery header',
        );
      }
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        throw new InputError('The webhook body is not JSON');
      }
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new InputError('The webhook body is not a JSON object');
      }
      if (!(HANDLED_GITHUB_EVENTS as readonly string[]).includes(event)) {
        res.status(202).json({ status: 'ignored', reason: `event ${event}` });
        return;
      }
      if (!deliveries.firstSeen(id)) {
        res.status(200).json({ status: 'duplicate', delivery: id });
        return;
      }
      logger.debug('GitHub webhook', { event, delivery: id });
      try {
        await onDelivery({
          id,
          event: event as GithubWebhookDelivery['event'],
          payload,
        });
      } catch (e) {
        deliveries.forget(id);
        throw e;
      }
      res.status(202).json({ status: 'accepted', delivery: id });
    },
  );

  return router;
}
