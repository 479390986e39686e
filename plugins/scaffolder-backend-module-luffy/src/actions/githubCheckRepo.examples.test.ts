import yaml from 'yaml';
import { createLuffyGithubCheckRepoAction } from './githubCheckRepo';
import { examples } from './githubCheckRepo.examples';
import { actionContext } from '../__testUtils__/onboarding';

describe('luffy:github:check-repo examples', () => {
  it.each(examples.map(e => [e.description, e]))('%s', async (_d, example) => {
    const input = yaml.parse(example.example).steps[0].input;
    const get = jest
      .fn()
      .mockRejectedValue(
        Object.assign(new Error('Not Found'), { status: 404 }),
      );
    const github = {
      forRepo: async () => ({ octokit: { rest: { repos: { get } } } }),
    } as any;
    const c = actionContext(input);
    await createLuffyGithubCheckRepoAction({ clients: { github } }).handler(
      c.ctx,
    );
    expect(get).toHaveBeenCalledWith({ owner: 'acme', repo: 'globex' });
    expect(c.outputs).toEqual({ exists: false, onboarded: false });
  });
});
