import { ConfigReader } from '@backstage/config';
import yaml from 'yaml';
import { createLuffyConfigResolveAction } from './configResolve';
import { examples } from './configResolve.examples';
import { actionContext } from '../__testUtils__/onboarding';

describe('luffy:config:resolve examples', () => {
  it.each(examples.map(e => [e.description, e]))('%s', async (_d, example) => {
    const action = createLuffyConfigResolveAction({ config: new ConfigReader({ luffy: { gitops: { repo: 'acme/gitops' } } }) });
    const c = actionContext(yaml.parse(example.example).steps[0].input);
    await action.handler(c.ctx);
    expect(c.outputs.environments.find((e: any) => e.name === 'prod')).toMatchObject({ replicas: 2, hostname: 'globex.apps.example.test' });
    expect(c.outputs.secretNames).toEqual(['DATABASE_URL']);
  });
});
