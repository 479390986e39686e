import fs from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
  createRepoWithFiles,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;

withGithubContract(c => {
  ({ env, alice } = c);
});

describe('GitHub contents: reads and writes, raw media type, combined status and tarball', () => {
  it('reads and writes contents with sha checks', async () => {
    await createRepoWithFiles(env, alice, 'docs');
    const put = await alice.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'docs',
      path: 'docs/a.md',
      message: 'add a',
      content: Buffer.from('A\n').toString('base64'),
    });
    expect(put.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/contents/{path}',
        'put',
        201,
        put.data,
      ),
    ).toBeNull();
    const get = await alice.rest.repos.getContent({
      owner: 'acme',
      repo: 'docs',
      path: 'docs/a.md',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/contents/{path}',
        'get',
        200,
        get.data,
      ),
    ).toBeNull();
    const file = get.data as { sha: string; content: string };
    expect(Buffer.from(file.content, 'base64').toString()).toBe('A\n');
    const dir = await alice.rest.repos.getContent({
      owner: 'acme',
      repo: 'docs',
      path: 'docs',
    });
    expect(Array.isArray(dir.data) && dir.data.map(e => e.name)).toEqual([
      'a.md',
    ]);
    const stale = await alice.rest.repos
      .createOrUpdateFileContents({
        owner: 'acme',
        repo: 'docs',
        path: 'docs/a.md',
        message: 'x',
        content: 'eA==',
        sha: 'a'.repeat(40),
      })
      .catch(e => e);
    expect(stale.status).toBe(409);
    const noSha = await alice.rest.repos
      .createOrUpdateFileContents({
        owner: 'acme',
        repo: 'docs',
        path: 'docs/a.md',
        message: 'x',
        content: 'eA==',
      })
      .catch(e => e);
    expect(noSha.status).toBe(422);
    const upd = await alice.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'docs',
      path: 'docs/a.md',
      message: 'update a',
      content: Buffer.from('B\n').toString('base64'),
      sha: file.sha,
    });
    expect(upd.status).toBe(200);
    const raw = await alice.request(
      'GET /repos/{owner}/{repo}/contents/{path}',
      {
        owner: 'acme',
        repo: 'docs',
        path: 'docs/a.md',
        mediaType: { format: 'raw' },
      },
    );
    expect(String(raw.data)).toBe('B\n');
    await alice.rest.repos.deleteFile({
      owner: 'acme',
      repo: 'docs',
      path: 'docs/a.md',
      message: 'rm',
      sha: upd.data.content!.sha!,
    });
    await expect(
      alice.rest.repos.getContent({
        owner: 'acme',
        repo: 'docs',
        path: 'docs/a.md',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("serves what Backstage's GitHub URL reader needs: raw contents, combined status with archive_url, tarball", async () => {
    await createRepoWithFiles(
      env,
      alice,
      'reader',
      { 'app.txt': 'v2\n' },
      { private: true },
    );
    const status = await fetch(
      `${env.url}/api/v3/repos/acme/reader/commits/main/status?per_page=0`,
      {
        headers: { authorization: 'token sandbox-bot-token' },
      },
    );
    const body = await status.json();
    expect(body.repository.archive_url).toBe(
      `${env.url}/api/v3/repos/acme/reader/{archive_format}{/ref}`,
    );
    const tarUrl = body.repository.archive_url
      .replace('{archive_format}', 'tarball')
      .replace('{/ref}', `/${body.sha}`);
    const tar = await fetch(tarUrl, {
      headers: { authorization: 'token sandbox-bot-token' },
    });
    expect(tar.status).toBe(200);
    const file = path.join(env.dir, 'reader.tar.gz');
    fs.writeFileSync(file, Buffer.from(await tar.arrayBuffer()));
    const list = await new Promise<string>((resolve, reject) =>
      execFile('tar', ['-tzf', file], (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(list.split('\n')).toContain(
      `acme-reader-${body.sha.slice(0, 7)}/app.txt`,
    );
    const raw = await fetch(
      `${env.url}/api/v3/repos/acme/reader/contents/app.txt?ref=main`,
      {
        headers: {
          authorization: 'token sandbox-bot-token',
          accept: 'application/vnd.github.v3.raw',
        },
      },
    );
    expect(await raw.text()).toBe('v2\n');
    expect(raw.headers.get('etag')).toBeTruthy();
  });
});
