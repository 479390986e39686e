import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  webhookErrors,
  type GithubTestEnv,
  createRepoWithFiles,
  withGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;

withGithubContract(
  c => {
    ({ env, alice, bot } = c);
  },
  { timeScale: 100 },
);

// @octokit/webhooks-methods is ESM-only with an "import"-only export map; load its node build by path.
const webhooksMethods: {
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
} = require(path.join(
  path.dirname(require.resolve('@octokit/openapi-webhooks-types/package.json')),
  '../webhooks-methods/dist-node/index.js',
));

const author = { name: 'Alice Martin', email: 'alice@acme.example' };

describe('webhooks', () => {
  it('delivers signed push, pull_request, review and check events', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> =
      [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end('thanks');
      });
    });
    await new Promise<void>(r => receiver.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${
      (receiver.address() as AddressInfo).port
    }/hook`;
    try {
      await createRepoWithFiles(env, alice, 'hooked');
      const hook = await bot.rest.repos.createWebhook({
        owner: 'acme',
        repo: 'hooked',
        config: { url: hookUrl, content_type: 'json', secret: 's3cret' },
        events: [
          'push',
          'pull_request',
          'pull_request_review',
          'check_run',
          'check_suite',
        ],
      });
      expect(
        openapiErrors('/repos/{owner}/{repo}/hooks', 'post', 201, hook.data),
      ).toBeNull();
      await env.ctx.git.commitFiles('acme', 'hooked', {
        branch: 'topic',
        base: 'main',
        message: 'topic work',
        author,
        files: { 't.txt': 't\n' },
        pusher: 'alice',
      });
      const pr = await alice.rest.pulls.create({
        owner: 'acme',
        repo: 'hooked',
        title: 'Topic',
        head: 'topic',
        base: 'main',
      });
      await bot.rest.pulls.createReview({
        owner: 'acme',
        repo: 'hooked',
        pull_number: pr.data.number,
        event: 'APPROVE',
      });
      const byEvent = (e: string) =>
        received.filter(r => r.headers['x-github-event'] === e);
      await waitFor(
        async () =>
          byEvent('ping').length >= 1 &&
          byEvent('push').length >= 1 &&
          byEvent('pull_request').length >= 1 &&
          byEvent('pull_request_review').length >= 1 &&
          byEvent('check_run').length >= 4 &&
          byEvent('check_suite').length >= 1,
        'ping, push, pull_request, review, check_run and check_suite deliveries',
      );
      for (const r of received) {
        expect(r.headers['user-agent']).toBe('GitHub-Hookshot/sandbox');
        expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        expect(
          await webhooksMethods.verify(
            's3cret',
            r.body,
            String(r.headers['x-hub-signature-256']),
          ),
        ).toBe(true);
        expect(
          await webhooksMethods.verify(
            'wrong',
            r.body,
            String(r.headers['x-hub-signature-256']),
          ),
        ).toBe(false);
      }
      const push = JSON.parse(byEvent('push')[0].body);
      expect(push).toMatchObject({
        ref: 'refs/heads/topic',
        created: true,
        repository: { full_name: 'acme/hooked' },
        sender: { login: 'alice' },
      });
      expect(push.head_commit.added).toEqual(['t.txt']);
      const opened = JSON.parse(byEvent('pull_request')[0].body);
      expect(opened).toMatchObject({
        action: 'opened',
        number: pr.data.number,
        pull_request: { title: 'Topic' },
      });
      const review = JSON.parse(byEvent('pull_request_review')[0].body);
      expect(review).toMatchObject({
        action: 'submitted',
        review: { state: 'approved', user: { login: 'luffy-bot' } },
      });
      await env.parts.webhooks.idle();
      expect(webhookErrors('webhook-push', push)).toBeNull();
      expect(webhookErrors('webhook-pull-request-opened', opened)).toBeNull();
      expect(
        webhookErrors('webhook-pull-request-review-submitted', review),
      ).toBeNull();
      const checkRun = byEvent('check_run')
        .map(r => JSON.parse(r.body))
        .find(b => b.action === 'created');
      expect(webhookErrors('webhook-check-run-created', checkRun)).toBeNull();
      expect(
        webhookErrors('webhook-ping', JSON.parse(byEvent('ping')[0].body)),
      ).toBeNull();
      const suite = JSON.parse(byEvent('check_suite')[0].body);
      expect(webhookErrors('webhook-check-suite-completed', suite)).toBeNull();
      const deliveries = await bot.rest.repos.listWebhookDeliveries({
        owner: 'acme',
        repo: 'hooked',
        hook_id: hook.data.id,
      });
      expect(deliveries.data.length).toBe(received.length);
      expect(deliveries.data.every(d => d.status_code === 202)).toBe(true);
      await bot.rest.repos.deleteWebhook({
        owner: 'acme',
        repo: 'hooked',
        hook_id: hook.data.id,
      });
      expect(
        (await bot.rest.repos.listWebhooks({ owner: 'acme', repo: 'hooked' }))
          .data,
      ).toEqual([]);
    } finally {
      receiver.close();
    }
  });
});
