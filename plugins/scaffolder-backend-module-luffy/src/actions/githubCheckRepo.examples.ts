import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Skip publishing when a re-run finds the repository already onboarded',
    example: yaml.stringify({
      steps: [
        {
          id: 'repo',
          action: 'luffy:github:check-repo',
          name: 'Look up the repository',
          input: { repo: 'acme/globex', component: 'globex' },
        },
        {
          id: 'publish',
          if: '${{ not steps.repo.output.exists }}',
          action: 'publish:github',
          name: 'Create the repository',
          input: { repoUrl: 'github.com?owner=acme&repo=globex' },
        },
      ],
    }),
  },
];
