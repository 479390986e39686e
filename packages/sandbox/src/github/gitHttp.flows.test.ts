import fs from 'node:fs';
import path from 'node:path';
import type { Octokit } from '@octokit/rest';
import git from 'isomorphic-git';
import gitHttp from 'isomorphic-git/http/node';
import {
  type GithubTestEnv,
  createRepoWithFiles,
  withGithubContract,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;

withGithubContract(
  c => {
    ({ env, alice } = c);
  },
  { timeScale: 100 },
);

describe('git smart HTTP with isomorphic-git', () => {
  it('challenges with 401 so isomorphic-git sends credentials, then the push lands and is announced', async () => {
    await alice.rest.repos.createInOrg({
      org: 'acme',
      name: 'iso',
      private: true,
    });
    const dir = path.join(env.dir, 'iso');
    fs.mkdirSync(dir);
    await git.init({ fs, dir, defaultBranch: 'main' });
    fs.writeFileSync(path.join(dir, 'catalog-info.yaml'), 'kind: Component\n');
    await git.add({ fs, dir, filepath: 'catalog-info.yaml' });
    const sha = await git.commit({
      fs,
      dir,
      message: 'initial commit',
      author: { name: 'Sandbox Bot', email: 'bot@example.com' },
    });
    const pushes: any[] = [];
    env.ctx.git.on('push', e => pushes.push(e));
    const auths: number[] = [];
    const res = await git.push({
      fs,
      http: gitHttp,
      dir,
      url: `${env.url}/acme/iso.git`,
      ref: 'main',
      onAuth: () => {
        auths.push(1);
        return { username: 'x-access-token', password: 'sandbox-bot-token' };
      },
    });
    expect(res.ok).toBe(true);
    expect(auths.length).toBe(1);
    expect(await env.ctx.git.resolve('acme', 'iso', 'refs/heads/main')).toBe(
      sha,
    );
    expect(pushes).toEqual([
      expect.objectContaining({
        owner: 'acme',
        repo: 'iso',
        ref: 'refs/heads/main',
        after: sha,
        before: '0'.repeat(40),
        pusher: 'luffy-bot',
      }),
    ]);

    // anonymous clone of a private repo is challenged; with the token it works
    const anon = await fetch(
      `${env.url}/acme/iso.git/info/refs?service=git-upload-pack`,
    );
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    const out = path.join(env.dir, 'iso-clone');
    await git.clone({
      fs,
      http: gitHttp,
      dir: out,
      url: `${env.url}/acme/iso.git`,
      onAuth: () => ({ username: 'sandbox-alice-token' }),
    });
    expect(fs.readFileSync(path.join(out, 'catalog-info.yaml'), 'utf8')).toBe(
      'kind: Component\n',
    );

    // a user without access to the org cannot push
    const denied = await fetch(
      `${env.url}/acme/iso.git/info/refs?service=git-receive-pack`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(
            'x-access-token:sandbox-guest-token',
          ).toString('base64')}`,
        },
      },
    );
    expect(denied.status).toBe(404);
  });

  it('allows anonymous clone of public repos but not anonymous push', async () => {
    await createRepoWithFiles(env, alice, 'public-one');
    const out = path.join(env.dir, 'public-one');
    await env.git(['clone', '-q', `${env.url}/acme/public-one.git`, out]);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('# x\n');
    const push = await fetch(
      `${env.url}/acme/public-one.git/info/refs?service=git-receive-pack`,
    );
    expect(push.status).toBe(401);
  });
});
