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
    /** Read-only investigations (`POST .../investigate`, operation `investigate`). */
    investigate?: {
      /** Tool calls an investigation may make. Default: 8. */
      maxSteps?: number;
      /** Identical tool calls tolerated before an investigation stops. Default: 2. */
      maxRepeats?: number;
    };
    healing?: {
      /** Watch services and open incidents (a sweep under the scheduler, global scope). Default: false. */
      enabled?: boolean;
      /**
       * Detect through Kubernetes watch streams (pods, replica sets, deployments; resumed from
       * the last resourceVersion, relisted on 410 Gone) besides the periodic sweep. Default: true.
       */
      watch?: boolean;
      /** Default autonomy when an entity has no `openluffy.io/autonomy`: observe | propose | auto. Default: propose. */
      autonomy?: 'observe' | 'propose' | 'auto';
      /** How often the detectors sweep. Default: every 10 seconds, timeout 2 minutes. */
      schedule?: {
        frequency: HumanDuration | string;
        timeout?: HumanDuration | string;
        initialDelay?: HumanDuration | string;
      };
      /** Fix attempts (pull requests) per workload within `window`, then `escalated`. Default: 3. */
      maxAttempts?: number;
      /** The window of `maxAttempts`. Default: 24 hours. */
      window?: HumanDuration | string;
      /** Global cap on healing pull requests per hour. Default: 10. */
      maxPullRequestsPerHour?: number;
      /** How long to follow Argo CD after a merge before the heal is `failed` (a revert PR is offered). Default: 10 minutes. */
      verifyTimeout?: HumanDuration | string;
      /** `auto` autonomy merges by itself when the runbook healed at least `minHeals` times with at least `minSuccessRate`. */
      autoMerge?: {
        /** Default: 3. */
        minHeals?: number;
        /** 0..1. Default: 0.8. */
        minSuccessRate?: number;
      };
      /** Detector tuning. */
      detection?: {
        /** Restarts of one container that make a restart loop. Default: 5. */
        restartThreshold?: number;
        /** Window of `restartThreshold` (and of a past OOMKilled state). Default: 10 minutes. */
        restartWindow?: HumanDuration | string;
        /** How long a running container may stay unready before readiness counts as failing. Default: 60 seconds. */
        readinessGrace?: HumanDuration | string;
      };
      /** Bounds of what a fix may set (the patch policy clamps into them). */
      bounds?: {
        /** Highest memory limit. Default: 4Gi. */
        maxMemory?: string;
        /** Highest CPU limit. Default: 4. */
        maxCpu?: string;
        /** A fix multiplies a resource by at most this. Default: 4. */
        maxFactor?: number;
        /** Default: 20. */
        maxReplicas?: number;
      };
      /** Optional Prometheus for CPU/memory figures in the context; skipped when absent. */
      prometheus?: {
        /** Base URL, e.g. http://prometheus:9090. */
        url: string;
      };
    };
    diagnoser?: {
      /** `anthropic` (needs luffy.anthropic.apiKey) or `rules` (offline). Default: anthropic with a key, else rules. */
      provider?: 'anthropic' | 'rules';
      /** Claude model id. Default: claude-sonnet-5-5 (a current Sonnet). */
      model?: string;
      /** Per-incident budget of the anthropic diagnoser. */
      budget?: {
        /** Model calls per incident (a repair turn counts). Default: 4. */
        maxCalls?: number;
        /** Input + output tokens per incident. Default: 60000. */
        maxTokens?: number;
      };
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
    /** Day-2 operations (POST /entity/.../operations/:op and actions luffy:<op>). */
    operations?: {
      /** Highest replicas `scale` accepts (default 20). */
      maxReplicas?: number;
      rateLimit?: {
        /** Operations per user per minute (default 30). */
        perUser?: number;
        /** Operations per entity per minute (default 20). */
        perEntity?: number;
      };
      /** How long a confirmation token is valid (default 300). */
      confirmationTtlSeconds?: number;
      /**
       * Key of the confirmation tokens' HMAC; per process when absent (set one with several
       * replicas).
       * @visibility secret
       */
      confirmationSecret?: string;
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
    /**
     * Org defaults of the layered onboarding configuration (the New Customer template,
     * `luffy:config:resolve`): org defaults → stack → customer → environment, deep-merged.
     * Keys not set here fall back to built-in defaults (see the scaffolder module README).
     */
    onboarding?: {
      /** Org layer: repoOwner, gitopsRepo, registry, imageTag, autonomy, replicas, resources, ingress {className, clusterIssuer, prodDropsEnv}, secretStore, argocd {project, appsPath, chartPath, destinationServer, rootApp}, ci {workflow, branch}. */
      defaults?: { [key: string]: any };
      /** Stack layer per stack (node, python, go), e.g. containerPort, resources. */
      stacks?: { [stack: string]: { [key: string]: any } };
      /** Environment layer per environment name, e.g. `prod: { replicas: 2 }`. */
      environments?: { [env: string]: { [key: string]: any } };
    };
  };
}
