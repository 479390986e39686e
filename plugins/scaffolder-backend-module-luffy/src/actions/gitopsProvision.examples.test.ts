import yaml from 'yaml';
import { createLuffyGitopsProvisionAction } from './gitopsProvision';
import { examples } from './gitopsProvision.examples';
import { actionContext, startOnboardingSandbox } from '../__testUtils__/onboarding';
import { createLuffyConfigResolveAction } from './configResolve';

jest.setTimeout(120_000);

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 50 });
});
afterAll(async () => {
  await env?.stop();
});

/** Replaces `${{ steps.config.output.x }}` by the output of luffy:config:resolve, as the scaffolder would. */
function render(input: Record<string, any>, outputs: Record<string, any>) {
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => {
      const m = typeof v === 'string' ? /^\$\{\{ steps\.config\.output\.(\w+) \}\}$/.exec(v) : null;
      return [k, m ? outputs[m[1]] : v];
    }),
  );
}

describe('luffy:gitops:provision examples (dry run against the sandbox)', () => {
  it.each(examples.map(e => [e.description, e]))('%s', async (_d, example) => {
    const cfg = actionContext({ customer: 'globex', stack: 'python', baseHostname: 'apps.example.test', owner: 'group:default/platform-team', secretNames: ['DATABASE_URL'] });
    await createLuffyConfigResolveAction({ config: env.config }).handler(cfg.ctx);
    const input = render(yaml.parse(example.example).steps[0].input, cfg.outputs);
    const c = actionContext(input, { isDryRun: true });
    await createLuffyGitopsProvisionAction({ clients: env.clients }).handler(c.ctx);
    expect(c.outputs.files.length).toBeGreaterThan(0);
    expect(c.outputs.files.every((f: any) => f.action === 'create')).toBe(true);
  });
});
