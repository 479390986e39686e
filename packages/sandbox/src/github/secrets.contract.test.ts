import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';
import { createRepoWithEnvironment, seal } from './__testUtils__/actions';
import { getActionsStore } from './actions-store';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
let guest: Octokit;
const owner = 'acme';

// compile the OpenAPI validator first: it blocks the process for seconds, and a server
// connection kept alive across that pause gets reset
withGithubContract(
  async c => {
    ({ env, alice, bot, guest } = c);
    await createRepoWithEnvironment(c);
  },
  {
    warm: () => {
      openapiErrors(
        '/repos/{owner}/{repo}/actions/secrets/public-key',
        'get',
        200,
        {},
      );
    },
  },
);

describe('Actions secrets (libsodium sealed boxes)', () => {
  it('accepts only values sealed with the repo key: 201 create, 204 update, 422 otherwise; never returns values', async () => {
    const key = await bot.rest.actions.getRepoPublicKey({ owner, repo: 'svc' });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/secrets/public-key',
        'get',
        200,
        key.data,
      ),
    ).toBeNull();
    expect(Buffer.from(key.data.key, 'base64')).toHaveLength(32);
    // one keypair per repo, stable
    expect(
      (await bot.rest.actions.getRepoPublicKey({ owner, repo: 'svc' })).data,
    ).toEqual(key.data);

    const put = (encrypted_value: string, key_id = key.data.key_id) =>
      bot.rest.actions.createOrUpdateRepoSecret({
        owner,
        repo: 'svc',
        secret_name: 'deploy_token',
        encrypted_value,
        key_id,
      });
    await expect(
      put(Buffer.from('not sealed at all, just base64').toString('base64')),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      put(await seal('s3cret', key.data.key), '1234'),
    ).rejects.toMatchObject({ status: 422 });
    // sealed with another key (of another scope)
    const other = await bot.rest.actions.getOrgPublicKey({ org: owner });
    expect(other.data.key).not.toBe(key.data.key);
    await expect(
      put(await seal('s3cret', other.data.key)),
    ).rejects.toMatchObject({
      status: 422,
    });

    const created = await put(await seal('s3cret', key.data.key));
    expect(created.status).toBe(201);
    const updated = await put(await seal('s3cret-2', key.data.key));
    expect(updated.status).toBe(204);
    // the sandbox opened the box (kept in memory only, for tests)
    const store = getActionsStore(env.parts.service);
    const id = env.parts.service.repo(owner, 'svc')!.id;
    expect(store.secretValues.get(`repo:${id}/DEPLOY_TOKEN`)).toBe('s3cret-2');
    expect(JSON.stringify(store.data)).not.toContain('s3cret');

    const list = await bot.rest.actions.listRepoSecrets({ owner, repo: 'svc' });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/secrets',
        'get',
        200,
        list.data,
      ),
    ).toBeNull();
    expect(list.data.secrets.map(s => s.name)).toEqual(['DEPLOY_TOKEN']);
    const one = await bot.rest.actions.getRepoSecret({
      owner,
      repo: 'svc',
      secret_name: 'DEPLOY_TOKEN',
    });
    expect(Object.keys(one.data).sort()).toEqual([
      'created_at',
      'name',
      'updated_at',
    ]);
    // guest has no access to the repo's secrets
    await expect(
      guest.rest.actions.listRepoSecrets({ owner, repo: 'svc' }),
    ).rejects.toMatchObject({ status: 403 });

    expect(
      (
        await bot.rest.actions.deleteRepoSecret({
          owner,
          repo: 'svc',
          secret_name: 'DEPLOY_TOKEN',
        })
      ).status,
    ).toBe(204);
    await expect(
      bot.rest.actions.getRepoSecret({
        owner,
        repo: 'svc',
        secret_name: 'DEPLOY_TOKEN',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('does the same for environment and organization secrets', async () => {
    await expect(
      bot.rest.actions.getEnvironmentPublicKey({
        owner,
        repo: 'svc',
        environment_name: 'nope',
      }),
    ).rejects.toMatchObject({ status: 404 });
    const key = await bot.rest.actions.getEnvironmentPublicKey({
      owner,
      repo: 'svc',
      environment_name: 'staging',
    });
    const repoKey = await bot.rest.actions.getRepoPublicKey({
      owner,
      repo: 'svc',
    });
    expect(key.data.key).not.toBe(repoKey.data.key);
    const put = async (sealWith: string) =>
      bot.rest.actions.createOrUpdateEnvironmentSecret({
        owner,
        repo: 'svc',
        environment_name: 'staging',
        secret_name: 'DB_PASSWORD',
        encrypted_value: await seal('pw', sealWith),
        key_id: key.data.key_id,
      });
    await expect(put(repoKey.data.key)).rejects.toMatchObject({ status: 422 });
    expect((await put(key.data.key)).status).toBe(201);
    const list = await bot.rest.actions.listEnvironmentSecrets({
      owner,
      repo: 'svc',
      environment_name: 'staging',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
        'get',
        200,
        list.data,
      ),
    ).toBeNull();
    expect(list.data.secrets.map(s => s.name)).toEqual(['DB_PASSWORD']);

    const orgKey = await bot.rest.actions.getOrgPublicKey({ org: owner });
    const org = await bot.rest.actions.createOrUpdateOrgSecret({
      org: owner,
      secret_name: 'NPM_TOKEN',
      encrypted_value: await seal('npm', orgKey.data.key),
      key_id: orgKey.data.key_id,
      visibility: 'private',
    });
    expect(org.status).toBe(201);
    const got = await bot.rest.actions.getOrgSecret({
      org: owner,
      secret_name: 'NPM_TOKEN',
    });
    expect(
      openapiErrors(
        '/orgs/{org}/actions/secrets/{secret_name}',
        'get',
        200,
        got.data,
      ),
    ).toBeNull();
    expect(got.data.visibility).toBe('private');
    // alice is a member, not an admin, of acme
    await expect(
      alice.rest.actions.listOrgSecrets({ org: owner }),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('Actions variables', () => {
  it('creates (201), reads, lists, updates (204) and deletes repo and environment variables', async () => {
    const created = await bot.rest.actions.createRepoVariable({
      owner,
      repo: 'svc',
      name: 'region',
      value: 'eu-west-1',
    });
    expect(created.status).toBe(201);
    await expect(
      bot.rest.actions.createRepoVariable({
        owner,
        repo: 'svc',
        name: 'REGION',
        value: 'x',
      }),
    ).rejects.toMatchObject({ status: 409 });
    await expect(
      bot.rest.actions.createRepoVariable({
        owner,
        repo: 'svc',
        name: 'GITHUB_X',
        value: 'x',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const got = await bot.rest.actions.getRepoVariable({
      owner,
      repo: 'svc',
      name: 'REGION',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/variables/{name}',
        'get',
        200,
        got.data,
      ),
    ).toBeNull();
    expect(got.data).toMatchObject({ name: 'REGION', value: 'eu-west-1' });
    const upd = await bot.rest.actions.updateRepoVariable({
      owner,
      repo: 'svc',
      name: 'REGION',
      value: 'us-east-1',
    });
    expect(upd.status).toBe(204);
    const list = await bot.rest.actions.listRepoVariables({
      owner,
      repo: 'svc',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/variables',
        'get',
        200,
        list.data,
      ),
    ).toBeNull();
    expect(list.data.variables.map(v => [v.name, v.value])).toEqual([
      ['REGION', 'us-east-1'],
    ]);
    expect(
      (
        await bot.rest.actions.deleteRepoVariable({
          owner,
          repo: 'svc',
          name: 'REGION',
        })
      ).status,
    ).toBe(204);
    await expect(
      bot.rest.actions.getRepoVariable({ owner, repo: 'svc', name: 'REGION' }),
    ).rejects.toMatchObject({ status: 404 });

    const e = { owner, repo: 'svc', environment_name: 'staging' };
    expect(
      (
        await bot.rest.actions.createEnvironmentVariable({
          ...e,
          name: 'URL',
          value: 'https://s',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await bot.rest.actions.updateEnvironmentVariable({
          ...e,
          name: 'URL',
          value: 'https://t',
        })
      ).status,
    ).toBe(204);
    const ev = await bot.rest.actions.getEnvironmentVariable({
      ...e,
      name: 'URL',
    });
    expect(ev.data.value).toBe('https://t');
    const el = await bot.rest.actions.listEnvironmentVariables(e);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/environments/{environment_name}/variables',
        'get',
        200,
        el.data,
      ),
    ).toBeNull();
    expect(
      (await bot.rest.actions.deleteEnvironmentVariable({ ...e, name: 'URL' }))
        .status,
    ).toBe(204);
  });
});
