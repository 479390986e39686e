import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createGithubClients } from './createGithubClients';
import type { GithubClientOptions } from './types';

const config = new ConfigReader({
  integrations: {
    github: [
      {
        host: 'ghe.example.com',
        apiBaseUrl: 'https://ghe.example.com/api/v3',
        token: 'integration-token',
      },
    ],
  },
});

/** GitHub answering GET /repos/acme/checkout: 200 with an ETag, then 304 when it matches. */
function fakeGithub(status = 304) {
  const etag = 'W/"abc123"';
  const calls: Array<string | undefined> = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    const inm = headers.get('if-none-match') ?? undefined;
    calls.push(inm);
    const common = {
      'x-github-request-id': 'F00D',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    };
    if (inm === etag) {
      return new Response(null, { status, headers: common });
    }
    return new Response(JSON.stringify({ full_name: 'acme/checkout' }), {
      status: 200,
      headers: { ...common, etag, 'content-type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  return { fetchImpl, calls, etag };
}

describe('createGithubClients logging', () => {
  it('logs a 304 Not Modified (the ETag cache answering) at debug, never at error', async () => {
    const logger = mockServices.logger.mock();
    const { fetchImpl, calls, etag } = fakeGithub();
    const github = createGithubClients({
      config,
      logger,
      options: { fetch: fetchImpl } as GithubClientOptions,
    });
    const client = await github.forHost();

    const first = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'checkout',
    });
    const second = await client.octokit.rest.repos.get({
      owner: 'acme',
      repo: 'checkout',
    });

    expect(calls).toEqual([undefined, etag]); // the repeat was conditional
    expect(second.status).toBe(200);
    expect(second.data).toEqual(first.data);
    expect(github.cacheStats()).toMatchObject({ hits: 1, misses: 1 });
    expect(logger.error).not.toHaveBeenCalled();
    expect(logger.debug).toHaveBeenCalledWith(
      expect.stringMatching(/^GET \/repos\/acme\/checkout - 304 with id F00D/),
    );
  });

  it('still logs real failures at error level', async () => {
    const logger = mockServices.logger.mock();
    const fetchImpl = (async () =>
      new Response(JSON.stringify({ message: 'Not Found' }), {
        status: 404,
        headers: {
          'content-type': 'application/json',
          'x-github-request-id': 'BEEF',
        },
      })) as unknown as typeof fetch;
    const github = createGithubClients({
      config,
      logger,
      options: { fetch: fetchImpl } as GithubClientOptions,
    });
    const client = await github.forHost();
    await expect(
      client.octokit.rest.repos.get({ owner: 'acme', repo: 'nope' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/^GET \/repos\/acme\/nope - 404 with id BEEF/),
    );
    const logged = JSON.stringify([
      ...logger.error.mock.calls,
      ...logger.debug.mock.calls,
    ]);
    expect(logged).not.toContain('integration-token');
  });
});
