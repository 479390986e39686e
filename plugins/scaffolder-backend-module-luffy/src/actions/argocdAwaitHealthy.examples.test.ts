import yaml from 'yaml';
import { createLuffyArgocdAwaitHealthyAction } from './argocdAwaitHealthy';
import { examples } from './argocdAwaitHealthy.examples';
import { actionContext } from '../__testUtils__/onboarding';

describe('luffy:argocd:await-healthy examples (dry run: the inputs are valid)', () => {
  it.each(examples.map(e => [e.description, e]))('%s', async (_d, example) => {
    const input = yaml.parse(example.example).steps[0].input;
    const c = actionContext(input, { isDryRun: true });
    await createLuffyArgocdAwaitHealthyAction({ clients: { argocd: undefined as any } }).handler(c.ctx);
    expect(c.outputs.statuses.map((s: any) => s.app)).toEqual(input.apps);
  });
});
