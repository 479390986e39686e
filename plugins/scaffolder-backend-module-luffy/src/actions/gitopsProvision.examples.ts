import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

const env = (name: string, hostname: string, replicas = 1) => ({
  name,
  namespace: `globex-${name}`,
  hostname,
  argocdApp: `globex-${name}`,
  replicas,
  containerPort: 8000,
  image: { repository: 'registry.acme.example/globex', tag: 'latest' },
});

export const examples: TemplateExample[] = [
  {
    description: 'Provision customer globex in dev and prod (the environments usually come from luffy:config:resolve)',
    example: yaml.stringify({
      steps: [
        {
          id: 'gitops',
          action: 'luffy:gitops:provision',
          name: 'Write the GitOps entries',
          input: {
            gitopsRepo: 'acme/gitops',
            customer: 'globex',
            environments: [env('dev', 'globex.dev.apps.example.test'), env('prod', 'globex.apps.example.test', 2)],
            secretNames: ['DATABASE_URL'],
          },
        },
      ],
    }),
  },
  {
    description: 'In a template: the resolved configuration in, a pull request when the GitOps branch requires reviews',
    example: yaml.stringify({
      steps: [
        {
          id: 'gitops',
          action: 'luffy:gitops:provision',
          name: 'Write the GitOps entries',
          input: {
            gitopsRepo: '${{ steps.config.output.gitopsRepo }}',
            customer: '${{ steps.config.output.customer }}',
            environments: '${{ steps.config.output.environments }}',
            secretNames: '${{ steps.config.output.secretNames }}',
            argocd: '${{ steps.config.output.argocd }}',
            requireReview: 'auto',
          },
        },
      ],
    }),
  },
];
