import { createGitopsRepo } from '@openluffy/plugin-luffy-node';
import { createLuffyGithubCheckRepoAction } from './githubCheckRepo';
import {
  actionContext,
  startOnboardingSandbox,
} from '../__testUtils__/onboarding';

jest.setTimeout(120_000);

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const CATALOG = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: hooli
spec:
  owner: group:default/platform-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: hooli
spec:
  type: service
  lifecycle: production
  owner: group:default/platform-team
  system: hooli
`;

async function givenRepo(
  name: string,
  files: Array<{ path: string; content: string }>,
) {
  const github = await env.clients.github.forRepo(`acme/${name}`);
  await github.octokit.rest.repos.createInOrg({
    org: 'acme',
    name,
    auto_init: true,
  });
  await createGitopsRepo({ github, owner: 'acme', repo: name }).commitFiles({
    message: 'files',
    files,
  });
}

const check = async (input: Record<string, unknown>) => {
  const c = actionContext(input);
  await createLuffyGithubCheckRepoAction({ clients: env.clients }).handler(
    c.ctx,
  );
  return c;
};

describe('luffy:github:check-repo', () => {
  it('reports a repository that does not exist yet', async () => {
    const c = await check({ repo: 'acme/nobody-yet', component: 'nobody-yet' });
    expect(c.outputs).toEqual({ exists: false, onboarded: false });
  });

  it('recognises a repository that already holds the onboarded skeleton (a re-run)', async () => {
    await givenRepo('hooli', [{ path: 'catalog-info.yaml', content: CATALOG }]);
    const c = await check({ repo: 'acme/hooli', component: 'hooli' });
    expect(c.outputs).toMatchObject({
      exists: true,
      onboarded: true,
      defaultBranch: 'main',
    });
    expect(c.outputs.repoContentsUrl).toMatch(/\/acme\/hooli\/blob\/main$/);
    expect(c.lines.join('\n')).toContain('nothing to publish');
  });

  it('refuses a repository of the same name that was not onboarded, naming the fix', async () => {
    await givenRepo('umbrella', [
      { path: 'README.md', content: '# someone else\n' },
    ]);
    await expect(
      check({ repo: 'acme/umbrella', component: 'umbrella' }),
    ).rejects.toThrow(
      /acme\/umbrella already exists .*choose another customer name, or give acme\/umbrella as the existing repository/,
    );
  });

  it('accepts that repository when it was chosen as the existing one (skeleton by pull request)', async () => {
    const c = await check({
      repo: 'acme/umbrella',
      component: 'umbrella',
      existingRepo: true,
    });
    expect(c.outputs).toMatchObject({ exists: true, onboarded: false });
  });

  it('refuses an existing repository that is not there', async () => {
    await expect(
      check({ repo: 'acme/ghost', component: 'ghost', existingRepo: true }),
    ).rejects.toThrow(/existing repository acme\/ghost was not found/);
  });

  it('reports an empty repository of that name (a run stopped before pushing) instead of refusing it', async () => {
    const github = await env.clients.github.forRepo('acme/initech');
    await github.octokit.rest.repos.createInOrg({
      org: 'acme',
      name: 'initech',
    });
    const c = await check({ repo: 'acme/initech', component: 'initech' });
    expect(c.outputs).toMatchObject({
      exists: true,
      onboarded: false,
      empty: true,
    });
    expect(c.lines.join('\n')).toContain('the skeleton is pushed to it');
  });
});
