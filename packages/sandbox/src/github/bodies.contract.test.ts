import {
  startGithubForTest,
  openapiErrors,
  type GithubTestEnv,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;

beforeAll(async () => {
  env = await startGithubForTest();
});

afterAll(async () => {
  await env?.close();
});

/**
 * What `curl -d '{...}'` sends, as in GitHub's docs: a JSON body labelled
 * `application/x-www-form-urlencoded` (or with no Content-Type at all). GitHub parses it as JSON.
 */
async function curl(
  method: string,
  path: string,
  body?: unknown,
  contentType: string | null = 'application/x-www-form-urlencoded',
) {
  const headers: Record<string, string> = {
    authorization: 'Bearer sandbox-alice-token',
    accept: 'application/vnd.github+json',
  };
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    // a Blob without a type makes fetch send no Content-Type header at all
    payload =
      contentType === null
        ? new Blob([JSON.stringify(body)])
        : JSON.stringify(body);
    if (contentType) headers['content-type'] = contentType;
  }
  const res = await fetch(`${env.url}/api/v3${path}`, {
    method,
    headers,
    body: payload,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

describe('JSON request bodies whatever the Content-Type (curl -d without -H)', () => {
  it('creates a repo from a form-labelled JSON body and from one with no Content-Type', async () => {
    const a = await curl('POST', '/orgs/acme/repos', {
      name: 'curl-made',
      auto_init: true,
    });
    expect(a.status).toBe(201);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(a.body.full_name).toBe('acme/curl-made');
    expect(openapiErrors('/orgs/{org}/repos', 'post', 201, a.body)).toBeNull();

    const b = await curl(
      'POST',
      '/orgs/acme/repos',
      { name: 'curl-untyped' },
      null,
    );
    expect(b.status).toBe(201);
    expect(b.body.name).toBe('curl-untyped');
  });

  it('honours a stale sha in a merge body (409) and merges with the right one', async () => {
    await curl('POST', '/orgs/acme/repos', {
      name: 'curl-merge',
      auto_init: true,
    });
    await env.ctx.git.commitFiles('acme', 'curl-merge', {
      branch: 'topic',
      base: 'main',
      message: 'topic',
      author: { name: 'Alice', email: 'alice@acme.example' },
      files: { 'topic.txt': 'x\n' },
      pusher: 'alice',
    });
    const pr = await curl('POST', '/repos/acme/curl-merge/pulls', {
      title: 'Topic',
      head: 'topic',
      base: 'main',
    });
    expect(pr.status).toBe(201);
    expect(pr.body.title).toBe('Topic');
    const stale = await curl(
      'PUT',
      `/repos/acme/curl-merge/pulls/${pr.body.number}/merge`,
      {
        sha: '0000000000000000000000000000000000000001',
      },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/Head branch was modified/);
    const merged = await curl(
      'PUT',
      `/repos/acme/curl-merge/pulls/${pr.body.number}/merge`,
      {
        sha: pr.body.head.sha,
        merge_method: 'squash',
      },
    );
    expect(merged.status).toBe(200);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
        'put',
        200,
        merged.body,
      ),
    ).toBeNull();
    expect(merged.body.merged).toBe(true);
  });

  it('answers 400 "Problems parsing JSON" to a body that is not JSON', async () => {
    const res = await fetch(`${env.url}/api/v3/orgs/acme/repos`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sandbox-alice-token',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'name=not-json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      message: 'Problems parsing JSON',
    });
  });

  it('reads a GraphQL query sent without Content-Type', async () => {
    const res = await fetch(`${env.url}/api/graphql`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-alice-token' },
      body: new Blob([JSON.stringify({ query: '{ viewer { login } }' })]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { viewer: { login: 'alice' } } });
  });
});
