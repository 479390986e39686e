import { createHmac } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import express from 'express';
import request from 'supertest';
import {
  createWebhooksRouter,
  DeliveryLog,
  type GithubWebhookDelivery,
} from './webhooks';
import { createRouter } from '../router';
import { createPullRequestsRouter } from './pullRequests';

const secret = 'sandbox-webhook-secret';
const sign = (body: string, key = secret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

function app(options: { secret?: string; maxBodyBytes?: number } = {}) {
  const received: GithubWebhookDelivery[] = [];
  const logger = mockServices.logger.mock();
  const server = express();
  server.use(
    createWebhooksRouter({
      logger,
      secret: 'secret' in options ? options.secret : secret,
      maxBodyBytes: options.maxBodyBytes,
      deliveries: new DeliveryLog(),
      onDelivery: async d => {
        received.push(d);
      },
    }),
  );
  // Anything parsed after the webhook route must not see its body.
  server.use(express.json());
  server.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger,
    }).error(),
  );
  return { server, received };
}

const body = JSON.stringify({
  action: 'opened',
  number: 7,
  pull_request: { number: 7, head: { sha: 'abc' } },
  repository: { full_name: 'acme/checkout' },
});

function post(
  server: express.Express,
  payload: string,
  headers: Record<string, string | undefined>,
) {
  let r = request(server)
    .post('/webhooks/github')
    .set('content-type', 'application/json');
  for (const [k, v] of Object.entries(headers)) if (v) r = r.set(k, v);
  return r.send(payload);
}

const good = (delivery = 'd-1', event = 'pull_request', payload = body) => ({
  'x-github-event': event,
  'x-github-delivery': delivery,
  'x-hub-signature-256': sign(payload),
});

describe('POST /webhooks/github', () => {
  it('accepts a signed delivery and hands over the parsed payload', async () => {
    const { server, received } = app();
    const res = await post(server, body, good());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', delivery: 'd-1' });
    expect(received).toEqual([
      { id: 'd-1', event: 'pull_request', payload: JSON.parse(body) },
    ]);
  });

  it('gets the raw body behind the other routers, as plugin.ts mounts them', async () => {
    const received: GithubWebhookDelivery[] = [];
    const logger = mockServices.logger.mock();
    const server = express();
    server.use(
      await createRouter({
        routers: [
          createPullRequestsRouter({
            httpAuth: mockServices.httpAuth(),
            pullRequests: {} as any,
          }),
          createWebhooksRouter({
            logger,
            secret,
            deliveries: new DeliveryLog(),
            onDelivery: async d => {
              received.push(d);
            },
          }),
        ],
      }),
    );
    server.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger,
      }).error(),
    );
    const res = await post(server, body, good('d-behind'));
    expect(res.status).toBe(202);
    expect(received).toHaveLength(1);
  });

  it('refuses a delivery without signature', async () => {
    const { server, received } = app();
    const res = await post(server, body, {
      ...good(),
      'x-hub-signature-256': undefined,
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/Missing X-Hub-Signature-256/);
    expect(received).toEqual([]);
  });

  it.each([
    ['another secret', sign(body, 'wrong-secret')],
    ['a signature of another body', sign(`${body} `)],
    ['a malformed header', 'sha256=zz'],
    [
      'the sha1 form',
      `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    ],
  ])('refuses %s', async (_what, signature) => {
    const { server, received } = app();
    const res = await post(server, body, {
      ...good(),
      'x-hub-signature-256': signature,
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/does not match/);
    expect(received).toEqual([]);
  });

  it('verifies the raw bytes, not a re-serialised JSON', async () => {
    const { server, received } = app();
    const spaced = JSON.stringify(JSON.parse(body), null, 2);
    const res = await post(
      server,
      spaced,
      good('d-raw', 'pull_request', spaced),
    );
    expect(res.status).toBe(202);
    expect(received).toHaveLength(1);
  });

  it('ignores a replayed delivery', async () => {
    const { server, received } = app();
    expect((await post(server, body, good('d-2'))).status).toBe(202);
    const replay = await post(server, body, good('d-2'));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'duplicate', delivery: 'd-2' });
    expect(received).toHaveLength(1);
  });

  it('refuses an oversized body with 413', async () => {
    const { server, received } = app({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ pad: 'x'.repeat(4096) });
    const res = await post(server, big, good('d-3', 'push', big));
    expect(res.status).toBe(413);
    expect(received).toEqual([]);
  });

  it('refuses a signed body that is not JSON', async () => {
    const { server, received } = app();
    const res = await post(server, 'not json', good('d-4', 'push', 'not json'));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/not JSON/);
    expect(received).toEqual([]);
  });

  it('acknowledges and ignores an unknown event', async () => {
    const { server, received } = app();
    const res = await post(server, body, good('d-5', 'star'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'ignored', reason: 'event star' });
    expect(received).toEqual([]);
  });

  it('refuses a delivery without event or delivery id', async () => {
    const { server, received } = app();
    const res = await post(server, body, {
      ...good(),
      'x-github-delivery': undefined,
    });
    expect(res.status).toBe(400);
    expect(received).toEqual([]);
  });

  it('refuses every delivery with 503 while no secret is configured', async () => {
    const { server, received } = app({ secret: undefined });
    const res = await post(server, body, good());
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/luffy.github.webhookSecret/);
    expect(received).toEqual([]);
  });

  it('processes a redelivery of a delivery whose handling failed', async () => {
    const deliveries = new DeliveryLog();
    let fail = true;
    const server = express();
    const logger = mockServices.logger.mock();
    server.use(
      createWebhooksRouter({
        logger,
        secret,
        deliveries,
        onDelivery: async () => {
          if (fail) throw new Error('bus down');
        },
      }),
    );
    server.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger,
      }).error(),
    );
    expect((await post(server, body, good('d-6'))).status).toBe(500);
    fail = false;
    expect((await post(server, body, good('d-6'))).status).toBe(202);
  });
});
