import { createGitopsRepo } from '@openluffy/plugin-luffy-node';
import { createLuffyGithubAwaitWorkflowAction } from './githubAwaitWorkflow';
import { actionContext, startOnboardingSandbox } from '../__testUtils__/onboarding';

jest.setTimeout(120_000);

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const CI = `name: CI
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      reason:
        required: false
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Unit tests
        run: npm test
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker build .
`;

/** A new repository acme/<name> with the CI workflow, pushed with `message`. */
async function givenRepo(name: string, message = 'initial commit') {
  const github = await env.clients.github.forRepo(`acme/${name}`);
  await github.octokit.rest.repos.createInOrg({ org: 'acme', name, auto_init: true });
  const repo = createGitopsRepo({ github, owner: 'acme', repo: name });
  await repo.commitFiles({ message, files: [{ path: '.github/workflows/ci.yaml', content: CI }] });
}

const run = async (input: Record<string, unknown>) => {
  const c = actionContext(input);
  await createLuffyGithubAwaitWorkflowAction({ clients: env.clients }).handler(c.ctx);
  return c;
};

describe('luffy:github:await-workflow', () => {
  it('finds the run the push started, streams progress and outputs a green conclusion', async () => {
    await givenRepo('wf-green');
    const { outputs, lines } = await run({ repo: 'acme/wf-green', workflow: 'ci.yaml' });
    expect(outputs).toMatchObject({ conclusion: 'success', runUrl: expect.stringContaining('/acme/wf-green/actions/runs/') });
    expect(lines.join('\n')).toMatch(/Run \d+ (queued|in_progress|completed)/);
    expect(lines.join('\n')).toContain('ci.yaml succeeded');
  });

  it('fails with the failed job, the failing step and a link', async () => {
    await givenRepo('wf-red', 'break the tests [ci fail: test/Unit tests]');
    await expect(run({ repo: 'acme/wf-red', workflow: 'ci.yaml' })).rejects.toThrow(
      /ci.yaml failure: job "test", step "Unit tests" — http:\/\/\S+\/acme\/wf-red\/(actions\/runs\/\d+\/job|runs)\/\d+/,
    );
  });

  it('dispatches the workflow and waits for that run', async () => {
    await givenRepo('wf-dispatch');
    const { outputs, lines } = await run({ repo: 'acme/wf-dispatch', workflow: 'ci.yaml', dispatch: true, inputs: { reason: 'onboarding' } });
    expect(outputs.conclusion).toBe('success');
    expect(lines.join('\n')).toMatch(/Dispatched ci.yaml on main: run \d+/);
  });

  it('retries a repository that does not exist yet with back-off instead of failing at once', async () => {
    const pending = run({ repo: 'acme/wf-late', workflow: 'ci.yaml' });
    await givenRepo('wf-late');
    const { outputs } = await pending;
    expect(outputs.conclusion).toBe('success');
  });

  it('a dry run changes nothing and says what it would do', async () => {
    const c = actionContext({ repo: 'acme/nowhere', workflow: 'ci.yaml', dispatch: true }, { isDryRun: true });
    await createLuffyGithubAwaitWorkflowAction({ clients: { github: undefined as any } }).handler(c.ctx);
    expect(c.lines.join('\n')).toContain('Dry run: would dispatch ci.yaml on acme/nowhere');
  });

  it.each([
    [{ repo: 'acme/x', workflow: '../../etc/passwd' }, /not a safe relative path/],
    [{ repo: 'acme/x', workflow: 'ci.sh' }, /must be a file name under .github\/workflows/],
    [{ repo: 'acme', workflow: 'ci.yaml' }, /must be owner\/repo/],
    [{ repo: 'acme/x', workflow: 'ci.yaml', branch: 'main;rm' }, /not a branch name/],
  ])('refuses %j before any call', async (input, message) => {
    const c = actionContext(input);
    await expect(createLuffyGithubAwaitWorkflowAction({ clients: { github: undefined as any } }).handler(c.ctx)).rejects.toThrow(message);
  });
});
