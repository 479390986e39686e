import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  DEMO_TOKENS,
  octokitFor,
  withGithubContract,
} from './__testUtils__';
import { waitFor } from '../testing/waitFor';
import { createRepoWithEnvironment, seal } from './__testUtils__/actions';
import { getActionsStore } from './actions-store';
import { SandboxContext } from '../core/context';
import { startFamilyServer } from '../http/server';
import { createGithubFamily } from './index';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
const owner = 'acme';

// compile the OpenAPI validator first: it blocks the process for seconds, and a server
// connection kept alive across that pause gets reset
withGithubContract(
  async c => {
    ({ env, alice, bot } = c);
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
  it('keeps keys, secrets (without values) and deployments across a restart', async () => {
    // its own repository, so that it does not depend on what the tests above left
    await createRepoWithEnvironment({ env, alice, bot }, 'svc-kept');
    const repo = 'svc-kept';
    const key = (await bot.rest.actions.getRepoPublicKey({ owner, repo })).data;
    const envKey = (
      await bot.rest.actions.getEnvironmentPublicKey({
        owner,
        repo,
        environment_name: 'staging',
      })
    ).data;
    await bot.rest.actions.createOrUpdateEnvironmentSecret({
      owner,
      repo,
      environment_name: 'staging',
      secret_name: 'DB_PASSWORD',
      encrypted_value: await seal('pw', envKey.key),
      key_id: envKey.key_id,
    });
    await bot.rest.repos.createDeployment({
      owner,
      repo,
      ref: 'main',
      environment: 'qa',
      required_contexts: [],
    });
    env.ctx.persistence.saveAll();
    const ctx2 = new SandboxContext({
      dataDir: env.dir,
      timeScale: 100,
      logger: { info() {}, warn() {}, error() {} },
    });
    const mod = createGithubFamily(ctx2);
    const srv = await startFamilyServer(ctx2, mod, 0, '127.0.0.1');
    try {
      const o = octokitFor(srv, DEMO_TOKENS.bot);
      expect(
        (await o.rest.actions.getRepoPublicKey({ owner, repo })).data,
      ).toEqual(key);
      const secrets = await o.rest.actions.listEnvironmentSecrets({
        owner,
        repo,
        environment_name: 'staging',
      });
      expect(secrets.data.secrets.map(x => x.name)).toEqual(['DB_PASSWORD']);
      // decrypted values live in memory only
      expect(getActionsStore(mod.github.service).secretValues.size).toBe(0);
      const deployments = await o.rest.repos.listDeployments({
        owner,
        repo,
        environment: 'qa',
      });
      expect(deployments.data).toHaveLength(1);
    } finally {
      await srv.close();
      ctx2.clock.dispose();
    }
  });
});
