import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  startGithubContract,
} from './__testUtils__';
import { verifyPayload } from './signature';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let bot: Octokit;
let receiver: http.Server;
let hookUrl: string;
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  ({ env, bot } = await startGithubContract());
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>(r => receiver.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  receiver?.close();
  await env?.close();
});

const byHook = (id: number, event?: string) =>
  received.filter(
    r =>
      r.headers['x-github-hook-id'] === String(id) &&
      (!event || r.headers['x-github-event'] === event),
  );

describe('webhook config, test and redelivery endpoints', () => {
  it('reads and updates a repository hook config (secret masked, unknown keys kept out)', async () => {
    await bot.rest.repos.createInOrg({
      org: 'acme',
      name: 'hook-config',
      auto_init: true,
    });
    const hook = await bot.rest.repos.createWebhook({
      owner: 'acme',
      repo: 'hook-config',
      config: { url: hookUrl, content_type: 'json', secret: 'first' },
    });
    const config = await bot.rest.repos.getWebhookConfigForRepo({
      owner: 'acme',
      repo: 'hook-config',
      hook_id: hook.data.id,
    });
    expect(config.status).toBe(200);
    expect(config.headers['content-type']).toMatch(/^application\/json/);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/hooks/{hook_id}/config',
        'get',
        200,
        config.data,
      ),
    ).toBeNull();
    expect(config.data).toEqual({
      url: hookUrl,
      content_type: 'json',
      insecure_ssl: '0',
      secret: '********',
    });

    const updated = await bot.rest.repos.updateWebhookConfigForRepo({
      owner: 'acme',
      repo: 'hook-config',
      hook_id: hook.data.id,
      content_type: 'form',
      secret: 'second',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/hooks/{hook_id}/config',
        'patch',
        200,
        updated.data,
      ),
    ).toBeNull();
    expect(updated.data).toEqual({
      url: hookUrl,
      content_type: 'form',
      insecure_ssl: '0',
      secret: '********',
    });

    // the new secret signs what is delivered next
    await bot.rest.repos.pingWebhook({
      owner: 'acme',
      repo: 'hook-config',
      hook_id: hook.data.id,
    });
    const ping = await waitFor(
      () =>
        byHook(hook.data.id, 'ping').find(r =>
          r.headers['content-type']?.includes('form'),
        ),
      'a form ping',
    );
    expect(
      await verifyPayload(
        'second',
        ping.body,
        String(ping.headers['x-hub-signature-256']),
      ),
    ).toBe(true);
  });

  it('reads and updates an organization hook config', async () => {
    const hook = await bot.rest.orgs.createWebhook({
      org: 'acme',
      name: 'web',
      config: { url: hookUrl },
    });
    const config = await bot.rest.orgs.getWebhookConfigForOrg({
      org: 'acme',
      hook_id: hook.data.id,
    });
    expect(
      openapiErrors(
        '/orgs/{org}/hooks/{hook_id}/config',
        'get',
        200,
        config.data,
      ),
    ).toBeNull();
    expect(config.data).toEqual({
      url: hookUrl,
      content_type: 'json',
      insecure_ssl: '0',
    });
    const updated = await bot.rest.orgs.updateWebhookConfigForOrg({
      org: 'acme',
      hook_id: hook.data.id,
      insecure_ssl: '1',
    });
    expect(updated.data.insecure_ssl).toBe('1');
    expect(
      (await bot.rest.orgs.getWebhook({ org: 'acme', hook_id: hook.data.id }))
        .data.config.insecure_ssl,
    ).toBe('1');
  });

  it('test-delivers the latest push to a push hook (204)', async () => {
    await bot.rest.repos.createInOrg({
      org: 'acme',
      name: 'hook-test',
      auto_init: true,
    });
    const hook = await bot.rest.repos.createWebhook({
      owner: 'acme',
      repo: 'hook-test',
      config: { url: hookUrl, content_type: 'json' },
      events: ['push'],
    });
    const res = await bot.rest.repos.testPushWebhook({
      owner: 'acme',
      repo: 'hook-test',
      hook_id: hook.data.id,
    });
    expect(res.status).toBe(204);
    const push = await waitFor(
      () => byHook(hook.data.id, 'push')[0],
      'a test push delivery',
    );
    const payload = JSON.parse(push.body);
    const head = await env.ctx.git.resolve(
      'acme',
      'hook-test',
      'refs/heads/main',
    );
    expect(payload).toMatchObject({
      ref: 'refs/heads/main',
      after: head,
      repository: { full_name: 'acme/hook-test' },
    });
    await expect(
      bot.rest.repos.testPushWebhook({
        owner: 'acme',
        repo: 'hook-test',
        hook_id: 999999,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('lists and gets deliveries and redelivers one (same guid, redelivery true)', async () => {
    await bot.rest.repos.createInOrg({
      org: 'acme',
      name: 'hook-redeliver',
      auto_init: true,
    });
    const hook = await bot.rest.repos.createWebhook({
      owner: 'acme',
      repo: 'hook-redeliver',
      config: { url: hookUrl, content_type: 'json' },
    });
    await waitFor(
      () => byHook(hook.data.id, 'ping').length === 1,
      'the creation ping',
    );
    const list = await waitFor(async () => {
      const l = await bot.rest.repos.listWebhookDeliveries({
        owner: 'acme',
        repo: 'hook-redeliver',
        hook_id: hook.data.id,
      });
      return l.data.length === 1 && l;
    }, 'one delivery listed');
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
        'get',
        200,
        list.data,
      ),
    ).toBeNull();
    const first = await bot.rest.repos.getWebhookDelivery({
      owner: 'acme',
      repo: 'hook-redeliver',
      hook_id: hook.data.id,
      delivery_id: list.data[0].id,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}',
        'get',
        200,
        first.data,
      ),
    ).toBeNull();
    expect(first.data.url).toBe(
      `${env.url}/api/v3/repos/acme/hook-redeliver/hooks/${hook.data.id}/deliveries/${first.data.id}`,
    );

    const again = await bot.rest.repos.redeliverWebhookDelivery({
      owner: 'acme',
      repo: 'hook-redeliver',
      hook_id: hook.data.id,
      delivery_id: first.data.id,
    });
    expect(again.status).toBe(202);
    const pings = await waitFor(
      () =>
        byHook(hook.data.id, 'ping').length === 2 &&
        byHook(hook.data.id, 'ping'),
      'the redelivered ping',
    );
    expect(pings[1].headers['x-github-delivery']).toBe(
      pings[0].headers['x-github-delivery'],
    );
    expect(pings[1].body).toBe(pings[0].body);
    const after = await waitFor(async () => {
      const l = await bot.rest.repos.listWebhookDeliveries({
        owner: 'acme',
        repo: 'hook-redeliver',
        hook_id: hook.data.id,
      });
      return l.data.length === 2 && l.data;
    }, 'two deliveries listed');
    expect(after[0]).toMatchObject({ guid: first.data.guid, redelivery: true });

    await expect(
      bot.rest.repos.redeliverWebhookDelivery({
        owner: 'acme',
        repo: 'hook-redeliver',
        hook_id: hook.data.id,
        delivery_id: 424242,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('redelivers an organization hook delivery', async () => {
    const hook = await bot.rest.orgs.createWebhook({
      org: 'acme',
      name: 'web',
      config: { url: `${hookUrl}?org` },
    });
    const [d] = await waitFor(async () => {
      const l = await bot.rest.orgs.listWebhookDeliveries({
        org: 'acme',
        hook_id: hook.data.id,
      });
      return l.data.length === 1 && l.data;
    }, 'the org ping delivery');
    const again = await bot.rest.orgs.redeliverWebhookDelivery({
      org: 'acme',
      hook_id: hook.data.id,
      delivery_id: d.id,
    });
    expect(again.status).toBe(202);
    await waitFor(
      () => byHook(hook.data.id, 'ping').length === 2,
      'the redelivered org ping',
    );
  });
});
