import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Wait for the CI run that the first push of a new repository started',
    example: yaml.stringify({
      steps: [
        {
          id: 'ci',
          action: 'luffy:github:await-workflow',
          name: 'Wait for CI',
          input: { repo: 'acme/globex', workflow: 'ci.yaml' },
        },
      ],
    }),
  },
  {
    description: 'Dispatch the Deploy workflow for one environment and wait for it',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'luffy:github:await-workflow',
          name: 'Deploy to dev',
          input: { repo: 'acme/globex', workflow: 'deploy.yaml', dispatch: true, inputs: { environment: 'dev' }, timeoutSeconds: 300 },
        },
      ],
    }),
  },
];
