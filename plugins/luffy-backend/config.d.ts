import type { HumanDuration } from '@backstage/types';

export interface Config {
  /** OpenLuffy. GitHub, Kubernetes and Argo CD connections come from `integrations.github`, `kubernetes` and `argocd`. */
  luffy?: {
    gitops?: {
      /** `owner/repo` of the GitOps repository used when an entity has no `openluffy.io/gitops-repo` annotation. */
      repo?: string;
    };
    permissions?: {
      /**
       * Group entity refs whose members may use luffy.* write permissions (merge, decide,
       * operate) under the suite's permission policy. Everyone signed in may read.
       * Default: none (writes denied).
       */
      writerGroups?: string[];
    };
    healing?: {
      /** Watch services and open incidents. Default: false. */
      enabled?: boolean;
      /** Default autonomy when an entity has no `openluffy.io/autonomy`: observe | propose | auto. Default: propose. */
      autonomy?: 'observe' | 'propose' | 'auto';
      /** How often the detectors sweep. Default: every 30 seconds. */
      schedule?: {
        frequency: HumanDuration | string;
        timeout?: HumanDuration | string;
        initialDelay?: HumanDuration | string;
      };
      /** Fix attempts per workload within `window`. Default: 3. */
      maxAttempts?: number;
      /** The window of `maxAttempts`. Default: 1 hour. */
      window?: HumanDuration | string;
      /** Global cap on healing pull requests per hour. Default: 10. */
      maxPullRequestsPerHour?: number;
    };
    diagnoser?: {
      /** `anthropic` (needs luffy.anthropic.apiKey) or `rules` (offline). Default: rules without a key. */
      provider?: 'anthropic' | 'rules';
      /** Claude model id. */
      model?: string;
    };
    anthropic?: {
      /**
       * API key for Claude.
       * @visibility secret
       */
      apiKey?: string;
      /** Base URL of the Messages API (tests point it at the sandbox). */
      baseUrl?: string;
    };
    notifications?: {
      /** Slack/Discord-compatible incoming webhooks notified of incidents. */
      webhooks?: Array<{
        /** @visibility secret */
        url: string;
        /** slack | discord. Default: slack. */
        type?: 'slack' | 'discord';
      }>;
    };
    github?: {
      /**
       * Secret that verifies X-Hub-Signature-256 on POST /api/luffy/webhooks/github.
       * Without it the route refuses every delivery (503) and the Pull requests tab polls.
       * @visibility secret
       */
      webhookSecret?: string;
    };
    pullRequests?: {
      /**
       * Whose GitHub identity approves and merges from the Pull requests tab.
       * `user` (default): the signed-in user's own GitHub token, forwarded by the frontend
       * from Backstage's SCM auth for that call only (never stored or logged), so branch
       * protection and attribution are GitHub's. `integration`: the integration's token;
       * the pull request comment and the audit row name the user it acted for.
       */
      actAs?: 'user' | 'integration';
      /**
       * How long the pull request list of an entity is served from the cache shared by all
       * viewers before GitHub is asked again (webhook deliveries clear it at once).
       * Default: 30 seconds.
       */
      cacheTtl?: HumanDuration | string;
    };
  };
}
