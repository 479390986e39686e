import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Resolve the configuration of customer globex (python) for dev, preprod and prod',
    example: yaml.stringify({
      steps: [
        {
          id: 'config',
          action: 'luffy:config:resolve',
          name: 'Resolve configuration',
          input: {
            customer: 'globex',
            stack: 'python',
            environments: ['dev', 'preprod', 'prod'],
            baseHostname: 'apps.example.test',
            owner: 'group:default/platform-team',
            secretNames: ['DATABASE_URL'],
            overrides: { environments: { prod: { replicas: 2 } } },
          },
        },
      ],
    }),
  },
];
