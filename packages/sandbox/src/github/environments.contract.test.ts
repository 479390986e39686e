import { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import {
  quiet,
  openapiErrors,
  type GithubTestEnv,
  startGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';
import { getActionsStore } from './actions-store';
import { SandboxContext } from '../core/context';
import { startFamilyServer } from '../http/server';
import { createGithubFamily } from './index';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
let guest: Octokit;
const owner = 'acme';

beforeAll(async () => {
  // compile the OpenAPI validator first: it blocks the process for seconds, and a server
  // connection kept alive across that pause gets reset
  openapiErrors(
    '/repos/{owner}/{repo}/actions/secrets/public-key',
    'get',
    200,
    {},
  );
  ({ env, alice, bot, guest } = await startGithubContract());
  await alice.rest.repos.createInOrg({ org: owner, name: 'svc' });
  await env.ctx.git.commitFiles(owner, 'svc', {
    branch: 'main',
    message: 'initial',
    author: { name: 'Alice', email: 'alice@acme.example' },
    files: { 'README.md': '# svc\n' },
    pusher: 'alice',
  });
  await bot.rest.repos.createOrUpdateEnvironment({
    owner,
    repo: 'svc',
    environment_name: 'staging',
  });
});

afterAll(async () => {
  await env?.close();
});

async function seal(value: string, key: string) {
  await sodium.ready;
  return sodium.to_base64(
    sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key, sodium.base64_variants.ORIGINAL),
    ),
    sodium.base64_variants.ORIGINAL,
  );
}

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

describe('Environments with required reviewers, and the Deployments API', () => {
  it('stores reviewers (unknown ids → 422) and holds deploy jobs until a reviewer approves', async () => {
    const aliceId = (await alice.rest.users.getAuthenticated()).data.id;
    await expect(
      bot.rest.repos.createOrUpdateEnvironment({
        owner,
        repo: 'svc',
        environment_name: 'production',
        reviewers: [{ type: 'User', id: 987654321 }],
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      bot.rest.repos.createOrUpdateEnvironment({
        owner,
        repo: 'svc',
        environment_name: 'production',
        reviewers: [{ type: 'Team', id: 1 }],
      }),
    ).rejects.toMatchObject({ status: 422 });
    // nothing half-done: the environment was not created by the refused calls
    await expect(
      bot.rest.repos.getEnvironment({
        owner,
        repo: 'svc',
        environment_name: 'production',
      }),
    ).rejects.toMatchObject({ status: 404 });
    const put = await bot.rest.repos.createOrUpdateEnvironment({
      owner,
      repo: 'svc',
      environment_name: 'production',
      reviewers: [{ type: 'User', id: aliceId }],
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/environments/{environment_name}',
        'put',
        200,
        put.data,
      ),
    ).toBeNull();
    const got = await bot.rest.repos.getEnvironment({
      owner,
      repo: 'svc',
      environment_name: 'production',
    });
    const rule = got.data.protection_rules!.find(
      r => r.type === 'required_reviewers',
    ) as any;
    expect(rule.reviewers).toEqual([
      {
        type: 'User',
        reviewer: expect.objectContaining({ login: 'alice', id: aliceId }),
      },
    ]);

    await env.ctx.git.commitFiles(owner, 'svc', {
      branch: 'main',
      message: 'add deploy workflow',
      author: { name: 'Alice', email: 'alice@acme.example' },
      files: {
        '.github/workflows/deploy.yaml': `name: Deploy
on:
  workflow_dispatch:
    inputs:
      environment:
        required: false
jobs:
  bump:
    runs-on: ubuntu-latest
    environment: \${{ inputs.environment || 'staging' }}
    steps:
      - name: Bump the image tag
        run: ./bump.sh
`,
      },
      pusher: 'alice',
    });
    const d = await bot.request(
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      {
        owner,
        repo: 'svc',
        workflow_id: 'deploy.yaml',
        ref: 'main',
        inputs: { environment: 'production' },
        return_run_details: true,
      },
    );
    const run_id = (d.data as any).workflow_run_id as number;
    const waiting = await waitFor(async () => {
      const r = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'svc',
        run_id,
      });
      return r.data.status === 'waiting' && r.data;
    }, 'the run to wait for a reviewer');
    expect(waiting.conclusion).toBeNull();
    const job = (
      await bot.rest.actions.listJobsForWorkflowRun({
        owner,
        repo: 'svc',
        run_id,
      })
    ).data.jobs[0];
    expect(job.status).toBe('waiting');

    const pending = await alice.rest.actions.getPendingDeploymentsForRun({
      owner,
      repo: 'svc',
      run_id,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments',
        'get',
        200,
        pending.data,
      ),
    ).toBeNull();
    expect(pending.data).toHaveLength(1);
    expect(pending.data[0]).toMatchObject({
      environment: { name: 'production' },
      current_user_can_approve: true,
    });
    const deployments = await bot.rest.repos.listDeployments({
      owner,
      repo: 'svc',
      environment: 'production',
    });
    expect(deployments.data).toHaveLength(1);
    const statuses = await bot.rest.repos.listDeploymentStatuses({
      owner,
      repo: 'svc',
      deployment_id: deployments.data[0].id,
    });
    expect(statuses.data[0].state).toBe('waiting');

    // the bot is an org admin but not a required reviewer
    const envId = pending.data[0].environment.id!;
    await expect(
      bot.rest.actions.reviewPendingDeploymentsForRun({
        owner,
        repo: 'svc',
        run_id,
        environment_ids: [envId],
        state: 'approved',
        comment: 'lgtm',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const approved = await alice.rest.actions.reviewPendingDeploymentsForRun({
      owner,
      repo: 'svc',
      run_id,
      environment_ids: [envId],
      state: 'approved',
      comment: 'ship it',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments',
        'post',
        200,
        approved.data,
      ),
    ).toBeNull();
    expect(approved.data.map(x => x.environment)).toEqual(['production']);
    const done = await waitFor(async () => {
      const r = await bot.rest.actions.getWorkflowRun({
        owner,
        repo: 'svc',
        run_id,
      });
      return r.data.status === 'completed' && r.data;
    }, 'the approved run to complete');
    expect(done.conclusion).toBe('success');
    const after = await bot.rest.repos.listDeploymentStatuses({
      owner,
      repo: 'svc',
      deployment_id: deployments.data[0].id,
    });
    expect(after.data.map(s => s.state)).toEqual([
      'success',
      'in_progress',
      'waiting',
    ]);
  });

  it('creates deployments and statuses for a deploy workflow to report (409 while checks fail)', async () => {
    const sha = (await env.ctx.git.resolve(owner, 'svc', 'refs/heads/main'))!;
    await bot.rest.repos.createCommitStatus({
      owner,
      repo: 'svc',
      sha,
      state: 'failure',
      context: 'lint',
    });
    await expect(
      bot.rest.repos.createDeployment({
        owner,
        repo: 'svc',
        ref: 'main',
        environment: 'qa',
      }),
    ).rejects.toMatchObject({ status: 409 });
    const created = await bot.rest.repos.createDeployment({
      owner,
      repo: 'svc',
      ref: 'main',
      environment: 'qa',
      required_contexts: [],
      payload: { image: 'svc:1' },
      description: 'first',
    });
    expect(created.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/deployments',
        'post',
        201,
        created.data,
      ),
    ).toBeNull();
    const first = created.data as any;
    expect(first).toMatchObject({
      sha,
      ref: 'main',
      environment: 'qa',
      task: 'deploy',
    });
    // the environment exists now, as on GitHub
    await bot.rest.repos.getEnvironment({
      owner,
      repo: 'svc',
      environment_name: 'qa',
    });

    await expect(
      bot.request(
        'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        {
          owner,
          repo: 'svc',
          deployment_id: first.id,
          state: 'done' as any,
        },
      ),
    ).rejects.toMatchObject({ status: 422 });
    const st = await bot.rest.repos.createDeploymentStatus({
      owner,
      repo: 'svc',
      deployment_id: first.id,
      state: 'success',
      environment_url: 'https://qa.example',
      log_url: 'https://ci.example/1',
    });
    expect(st.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        'post',
        201,
        st.data,
      ),
    ).toBeNull();
    const one = await bot.rest.repos.getDeploymentStatus({
      owner,
      repo: 'svc',
      deployment_id: first.id,
      status_id: st.data.id,
    });
    expect(one.data).toMatchObject({
      state: 'success',
      environment_url: 'https://qa.example',
    });

    // a second successful deployment to qa makes the first inactive
    const second = (
      await bot.rest.repos.createDeployment({
        owner,
        repo: 'svc',
        ref: 'main',
        environment: 'qa',
        required_contexts: [],
      })
    ).data as any;
    await bot.rest.repos.createDeploymentStatus({
      owner,
      repo: 'svc',
      deployment_id: second.id,
      state: 'success',
    });
    const firstStatuses = await bot.rest.repos.listDeploymentStatuses({
      owner,
      repo: 'svc',
      deployment_id: first.id,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        'get',
        200,
        firstStatuses.data,
      ),
    ).toBeNull();
    expect(firstStatuses.data.map(s => s.state)).toEqual([
      'inactive',
      'success',
    ]);
    const list = await bot.rest.repos.listDeployments({
      owner,
      repo: 'svc',
      environment: 'qa',
    });
    expect(
      openapiErrors('/repos/{owner}/{repo}/deployments', 'get', 200, list.data),
    ).toBeNull();
    expect(list.data.map(x => x.id)).toEqual([second.id, first.id]);
    // an active deployment cannot be deleted while others exist; an inactive one can
    await expect(
      bot.rest.repos.deleteDeployment({
        owner,
        repo: 'svc',
        deployment_id: second.id,
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(
      (
        await bot.rest.repos.deleteDeployment({
          owner,
          repo: 'svc',
          deployment_id: first.id,
        })
      ).status,
    ).toBe(204);
  });
});

describe('persistence', () => {
  it('keeps keys, secrets (without values), variables and deployments across a restart', async () => {
    const key = (
      await bot.rest.actions.getRepoPublicKey({ owner, repo: 'svc' })
    ).data;
    env.ctx.persistence.saveAll();
    const ctx2 = new SandboxContext({
      dataDir: env.dir,
      timeScale: 100,
      logger: { info() {}, warn() {}, error() {} },
    });
    const mod = createGithubFamily(ctx2);
    const srv = await startFamilyServer(ctx2, mod, 0, '127.0.0.1');
    try {
      const o = new Octokit({
        log: quiet,
        auth: 'sandbox-bot-token',
        baseUrl: `${srv.url}/api/v3`,
      });
      expect(
        (await o.rest.actions.getRepoPublicKey({ owner, repo: 'svc' })).data,
      ).toEqual(key);
      const secrets = await o.rest.actions.listEnvironmentSecrets({
        owner,
        repo: 'svc',
        environment_name: 'staging',
      });
      expect(secrets.data.secrets.map(x => x.name)).toEqual(['DB_PASSWORD']);
      // decrypted values live in memory only
      expect(getActionsStore(mod.github.service).secretValues.size).toBe(0);
      const deployments = await o.rest.repos.listDeployments({
        owner,
        repo: 'svc',
        environment: 'qa',
      });
      expect(deployments.data).toHaveLength(1);
    } finally {
      await srv.close();
      ctx2.clock.dispose();
    }
  });
});
