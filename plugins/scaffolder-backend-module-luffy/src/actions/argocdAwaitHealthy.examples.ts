import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Wait until the three applications of customer globex are Synced and Healthy',
    example: yaml.stringify({
      steps: [
        {
          id: 'healthy',
          action: 'luffy:argocd:await-healthy',
          name: 'Wait for Argo CD',
          input: { apps: ['globex-dev', 'globex-preprod', 'globex-prod'], timeoutSeconds: 300 },
        },
      ],
    }),
  },
];
