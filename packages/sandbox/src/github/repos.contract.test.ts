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
let bot: Octokit;

withGithubContract(c => {
  ({ env, alice, bot } = c);
});

describe('GitHub users, orgs, installations and repository settings', () => {
  it('serves users, orgs and the repo installation that match the OpenAPI description', async () => {
    await createRepoWithFiles(env, alice, 'installed');
    const me = await alice.rest.users.getAuthenticated();
    expect(me.data.login).toBe('alice');
    expect(openapiErrors('/user', 'get', 200, me.data)).toBeNull();
    const org = await alice.rest.users.getByUsername({ username: 'acme' });
    expect(org.data.type).toBe('Organization');
    expect(
      (await alice.rest.users.getByUsername({ username: 'luffy-bot' })).data
        .type,
    ).toBe('Bot');
    const orgFull = await alice.rest.orgs.get({ org: 'acme' });
    expect(openapiErrors('/orgs/{org}', 'get', 200, orgFull.data)).toBeNull();
    const inst = await bot.rest.apps.getRepoInstallation({
      owner: 'acme',
      repo: 'installed',
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/installation',
        'get',
        200,
        inst.data,
      ),
    ).toBeNull();
  });

  it('manages topics, environments and repository deletion', async () => {
    await alice.rest.repos.createInOrg({ org: 'acme', name: 'scratch' });
    const topics = await alice.rest.repos.replaceAllTopics({
      owner: 'acme',
      repo: 'scratch',
      names: ['node', 'demo'],
    });
    expect(topics.data.names).toEqual(['node', 'demo']);
    await expect(
      alice.rest.repos.replaceAllTopics({
        owner: 'acme',
        repo: 'scratch',
        names: ['Bad Topic'],
      }),
    ).rejects.toMatchObject({ status: 422 });
    const envr = await bot.rest.repos.createOrUpdateEnvironment({
      owner: 'acme',
      repo: 'scratch',
      environment_name: 'prod',
      wait_timer: 5,
    });
    expect(
      openapiErrors(
        '/repos/{owner}/{repo}/environments/{environment_name}',
        'put',
        200,
        envr.data,
      ),
    ).toBeNull();
    expect(
      (
        await bot.rest.repos.getEnvironment({
          owner: 'acme',
          repo: 'scratch',
          environment_name: 'prod',
        })
      ).data.name,
    ).toBe('prod');
    await bot.rest.repos.delete({ owner: 'acme', repo: 'scratch' });
    await expect(
      bot.rest.repos.get({ owner: 'acme', repo: 'scratch' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(env.ctx.git.exists('acme', 'scratch')).toBe(false);
  });
});
