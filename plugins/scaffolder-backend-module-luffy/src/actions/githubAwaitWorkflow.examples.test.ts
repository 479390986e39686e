import yaml from 'yaml';
import { createLuffyGithubAwaitWorkflowAction } from './githubAwaitWorkflow';
import { examples } from './githubAwaitWorkflow.examples';
import { actionContext } from '../__testUtils__/onboarding';

describe('luffy:github:await-workflow examples (dry run: the inputs are valid)', () => {
  it.each(examples.map(e => [e.description, e]))('%s', async (_d, example) => {
    const input = yaml.parse(example.example).steps[0].input;
    const c = actionContext(input, { isDryRun: true });
    await createLuffyGithubAwaitWorkflowAction({ clients: { github: undefined as any } }).handler(c.ctx);
    expect(c.lines.join('\n')).toContain(`${input.workflow} on ${input.repo}`);
  });
});
