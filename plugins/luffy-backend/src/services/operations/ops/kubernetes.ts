import { InputError, NotFoundError } from '@backstage/errors';
import type { V1Pod } from '@kubernetes/client-node';
import { KUBERNETES_KINDS } from '@openluffy/plugin-luffy-node';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod/v3';
import { locateWorkload, readReplicas, setReplicas } from '../gitopsEdits';
import {
  deploymentHealth,
  findDeployment,
  gitopsFolder,
  healthAfter,
  isAutoSynced,
} from '../target';
import type { OperationDefinition } from '../types';

const target = {
  environment: z
    .string()
    .min(1)
    .max(63)
    .describe('Environment, e.g. dev, preprod, prod'),
  deployment: z
    .string()
    .max(253)
    .optional()
    .describe('Deployment name (default: the entity’s Deployment there)'),
  cluster: z.string().max(253).optional().describe('Cluster name'),
};

const deploymentPath = (ns: string, name: string) =>
  `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

const restartInput = z.object(target).strict();

/** `kubectl rollout restart`: the pod-template annotation kubectl.kubernetes.io/restartedAt. */
export const restart: OperationDefinition<typeof restartInput> = {
  id: 'restart',
  title: 'Rollout restart',
  description:
    'Restarts the Deployment’s pods with a rolling update (as kubectl rollout restart). Argo CD keeps the annotation (git does not manage it).',
  input: restartInput,
  async run(ctx, input) {
    const t = await findDeployment(ctx, input);
    const now = new Date();
    ctx.request({
      system: 'kubernetes',
      method: 'PATCH',
      path: deploymentPath(t.namespace, t.name),
      body: {
        spec: {
          template: {
            metadata: {
              annotations: {
                'kubectl.kubernetes.io/restartedAt': now.toISOString(),
              },
            },
          },
        },
      },
    });
    const result = await ctx.clients.kubernetes.rolloutRestart(
      t.cluster,
      t.namespace,
      t.name,
      { dryRun: ctx.dryRun, now },
    );
    return {
      path: 'kubernetes',
      changes: [
        {
          description: `Rollout restart of Deployment ${t.namespace}/${t.name} in ${t.cluster}`,
          object: `${t.cluster}/${t.namespace}/deployment/${t.name}`,
          after: { restartedAt: result.restartedAt },
        },
      ],
      health: await healthAfter(ctx, t),
      details: {
        cluster: t.cluster,
        namespace: t.namespace,
        deployment: t.name,
        restartedAt: result.restartedAt,
      },
    };
  },
};

const scaleInput = z
  .object({
    ...target,
    replicas: z.number().int().min(0).describe('Desired replicas'),
  })
  .strict();

/**
 * Scale: for an Argo CD application with automated sync (self-heal would revert a direct
 * change) a GitOps pull request changing the replicas in git; else the scale subresource.
 */
export const scale: OperationDefinition<typeof scaleInput> = {
  id: 'scale',
  title: 'Scale',
  description:
    'Sets the replicas of the Deployment: a GitOps pull request when Argo CD auto-syncs it, else the scale subresource.',
  input: scaleInput,
  destructive: input =>
    input.replicas === 0 ? 'scaling to 0 stops every pod' : undefined,
  async run(ctx, input) {
    if (input.replicas > ctx.limits.maxReplicas) {
      throw new InputError(
        `replicas: ${input.replicas} is above the maximum of ${ctx.limits.maxReplicas} (luffy.operations.maxReplicas)`,
      );
    }
    const t = await findDeployment(ctx, input);
    const current = t.deployment.spec?.replicas ?? 1;
    const undo = {
      operation: 'scale' as const,
      input: { ...input, replicas: current },
      description: `Scale back to ${current}`,
    };

    if (t.app && isAutoSynced(t.app)) {
      const { repo, folder } = gitopsFolder(ctx, input.environment);
      const gitops = await ctx.gitops(repo);
      const workload = await locateWorkload(gitops, folder, t.name);
      const before = readReplicas(workload, t.name);
      if (before === input.replicas) {
        throw new InputError(
          `${workload.file.path} already sets ${input.replicas} replicas`,
        );
      }
      const content = setReplicas(workload, t.name, input.replicas);
      const branch = `luffy/scale-${t.name}-${input.environment}-${input.replicas}`;
      const title = `Scale ${t.name} in ${input.environment} to ${input.replicas} replicas`;
      const diff = createTwoFilesPatch(
        `a/${workload.file.path}`,
        `b/${workload.file.path}`,
        workload.file.content,
        content,
      );
      ctx.request({
        system: 'gitops',
        method: 'POST',
        path: `/repos/${repo.owner}/${repo.repo}/pulls`,
        body: { head: branch, title, files: [workload.file.path] },
      });
      const changes = [
        {
          description: `${workload.file.path}: replicas ${
            before ?? '(unset)'
          } → ${input.replicas}`,
          object: `${repo.owner}/${repo.repo}/${workload.file.path}`,
          before,
          after: input.replicas,
        },
      ];
      if (ctx.dryRun) {
        return {
          path: 'gitops',
          changes,
          undo,
          details: { diff, branch, reason: 'auto-synced by Argo CD' },
        };
      }
      const pr = await gitops.openPullRequest({
        branch,
        title,
        body: `Requested by ${ctx.actor} through OpenLuffy.\n\nArgo CD application \`${t.app.metadata.name}\` syncs automatically with self-heal, so the change goes through git.\n\n\`\`\`diff\n${diff}\n\`\`\``,
        files: [{ path: workload.file.path, content }],
        labels: ['openluffy/operation'],
      });
      return {
        path: 'gitops',
        changes,
        pullRequestUrl: pr.url,
        health: deploymentHealth(t.deployment),
        undo,
        details: { diff, branch: pr.branch, pullRequest: pr.number },
      };
    }

    // the scale subresource: read it, then replace it (kubectl scale does the same)
    ctx.request({
      system: 'kubernetes',
      method: 'PUT',
      path: `${deploymentPath(t.namespace, t.name)}/scale`,
      body: { spec: { replicas: input.replicas } },
    });
    const r = await ctx.clients.kubernetes.scale(
      t.cluster,
      t.namespace,
      t.name,
      input.replicas,
      { dryRun: ctx.dryRun },
    );
    return {
      path: 'kubernetes',
      changes: [
        {
          description: `Deployment ${t.namespace}/${t.name}: replicas ${r.previousReplicas} → ${input.replicas}`,
          object: `${t.cluster}/${t.namespace}/deployment/${t.name}`,
          before: r.previousReplicas,
          after: input.replicas,
        },
      ],
      health: await healthAfter(ctx, t),
      undo: {
        ...undo,
        input: { ...input, replicas: r.previousReplicas },
        description: `Scale back to ${r.previousReplicas}`,
      },
    };
  },
};

const deletePodInput = z
  .object({
    ...target,
    pod: z.string().min(1).max(253).describe('Pod name'),
  })
  .strict();

/** Deletes one pod of the entity's Deployment; its ReplicaSet starts a new one. */
export const deletePod: OperationDefinition<typeof deletePodInput> = {
  id: 'delete-pod',
  title: 'Delete pod',
  description: 'Deletes one pod of the Deployment; its ReplicaSet replaces it.',
  input: deletePodInput,
  destructive: input => `deleting pod ${input.pod} kills its containers`,
  async run(ctx, input) {
    const t = await findDeployment(ctx, input);
    const selector = Object.entries(
      t.deployment.spec?.selector?.matchLabels ?? {},
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const [list] = await ctx.clients.kubernetes.list<V1Pod>(
      KUBERNETES_KINDS.pods,
      {
        namespace: t.namespace,
        labelSelector: selector,
        clusters: [t.cluster],
      },
    );
    const pod = list?.items.find(p => p.metadata?.name === input.pod);
    if (!pod) {
      throw new NotFoundError(
        `Pod "${input.pod}" is not a pod of Deployment ${t.namespace}/${
          t.name
        } (it has ${
          (list?.items ?? []).map(p => p.metadata?.name).join(', ') || 'none'
        })`,
      );
    }
    ctx.request({
      system: 'kubernetes',
      method: 'DELETE',
      path: `/api/v1/namespaces/${t.namespace}/pods/${input.pod}`,
    });
    await ctx.clients.kubernetes.deletePod(t.cluster, t.namespace, input.pod, {
      dryRun: ctx.dryRun,
    });
    return {
      path: 'kubernetes',
      changes: [
        {
          description: `Deleted pod ${t.namespace}/${input.pod}`,
          object: `${t.cluster}/${t.namespace}/pod/${input.pod}`,
        },
      ],
      health: await healthAfter(ctx, t),
    };
  },
};
