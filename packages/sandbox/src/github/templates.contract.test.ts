import type { Octokit } from '@octokit/rest';
import {
  openapiErrors,
  type GithubTestEnv,
  withGithubContract,
} from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;
let bot: Octokit;
const owner = 'acme';
const author = { name: 'Alice', email: 'alice@acme.example' };

// compile the OpenAPI validator first: it blocks the process for seconds, and a server
// connection kept alive across that pause gets reset
withGithubContract(
  c => {
    ({ env, alice, bot } = c);
  },
  {
    warm: () => {
      openapiErrors('/orgs/{org}/repos', 'post', 201, {});
    },
  },
);

describe('repositories from templates', () => {
  it('stores is_template and generates a repository with the template\u2019s files in one new commit', async () => {
    const created = await alice.rest.repos.createInOrg({
      org: owner,
      name: 'skeleton',
      is_template: true,
    });
    expect(created.data.is_template).toBe(true);
    expect(
      openapiErrors('/orgs/{org}/repos', 'post', 201, created.data),
    ).toBeNull();
    await env.ctx.git.commitFiles(owner, 'skeleton', {
      branch: 'main',
      message: 'first',
      author,
      files: {
        'README.md': '# skeleton\n',
        'src/app.js': 'module.exports = 1;\n',
      },
      pusher: 'alice',
    });
    await env.ctx.git.commitFiles(owner, 'skeleton', {
      branch: 'main',
      message: 'second',
      author,
      files: { Dockerfile: 'FROM node:22\n' },
      pusher: 'alice',
    });
    await env.ctx.git.commitFiles(owner, 'skeleton', {
      branch: 'docs',
      base: 'main',
      message: 'docs',
      author,
      files: { 'docs/index.md': '# docs\n' },
      pusher: 'alice',
    });
    expect(
      (await alice.rest.repos.get({ owner, repo: 'skeleton' })).data
        .is_template,
    ).toBe(true);

    const gen = await alice.rest.repos.createUsingTemplate({
      template_owner: owner,
      template_repo: 'skeleton',
      owner,
      name: 'from-skeleton',
      description: 'made from a template',
      private: true,
    });
    expect(gen.status).toBe(201);
    expect(
      openapiErrors(
        '/repos/{template_owner}/{template_repo}/generate',
        'post',
        201,
        gen.data,
      ),
    ).toBeNull();
    expect(gen.data).toMatchObject({
      full_name: 'acme/from-skeleton',
      private: true,
      is_template: false,
      description: 'made from a template',
      default_branch: 'main',
    });
    const log = await env.ctx.git.git(owner, 'from-skeleton', [
      'log',
      '--format=%s|%an',
      'main',
    ]);
    expect(log).toBe('Initial commit|Alice Martin\n');
    expect(
      (await env.ctx.git.listFiles(owner, 'from-skeleton', 'main')).sort(),
    ).toEqual(['Dockerfile', 'README.md', 'src/app.js']);
    const branches = await alice.rest.repos.listBranches({
      owner,
      repo: 'from-skeleton',
    });
    expect(branches.data.map(b => b.name)).toEqual(['main']);

    const all = await alice.rest.repos.createUsingTemplate({
      template_owner: owner,
      template_repo: 'skeleton',
      owner,
      name: 'from-skeleton-all',
      include_all_branches: true,
    });
    expect(all.data.private).toBe(false);
    const allBranches = await alice.rest.repos.listBranches({
      owner,
      repo: 'from-skeleton-all',
    });
    expect(allBranches.data.map(b => b.name).sort()).toEqual(['docs', 'main']);
    expect(
      (
        await env.ctx.git.readFile(
          owner,
          'from-skeleton-all',
          'docs',
          'docs/index.md',
        )
      )?.toString(),
    ).toBe('# docs\n');

    // not a template (any more): 422 (updating needs admin rights: the bot)
    const off = await bot.rest.repos.update({
      owner,
      repo: 'skeleton',
      is_template: false,
    });
    expect(off.data.is_template).toBe(false);
    await expect(
      alice.rest.repos.createUsingTemplate({
        template_owner: owner,
        template_repo: 'skeleton',
        owner,
        name: 'nope',
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      alice.rest.repos.get({ owner, repo: 'nope' }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });
});
