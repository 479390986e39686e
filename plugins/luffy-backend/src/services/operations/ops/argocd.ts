import { ConflictError, NotFoundError } from '@backstage/errors';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod/v3';
import {
  appForEnv,
  appHealth,
  argoError,
  gitopsFolder,
  isAutoSynced,
} from '../target';
import type { ArgoCdApplication } from '@openluffy/plugin-luffy-node';
import type { OperationContext, OperationDefinition } from '../types';
import { waitForCondition } from '../waitForCondition';

const environment = z
  .string()
  .min(1)
  .max(63)
  .describe('Environment, e.g. dev, preprod, prod');

const appPath = (name: string) => `/api/v1/applications/${name}`;

async function argo<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw argoError(e);
  }
}

/**
 * Argo CD runs a dry-run sync or rollback as an operation, and refuses another operation while
 * one runs: the real run that follows a preview waits (up to 30 s) for a running dry run to
 * finish. Any other running operation is left to Argo CD's own 409.
 */
async function afterRunningDryRun(
  ctx: OperationContext,
  app: ArgoCdApplication,
): Promise<void> {
  const dryRunning = (a: ArgoCdApplication) =>
    a.status?.operationState?.phase === 'Running' &&
    Boolean(a.status.operationState.operation?.sync?.dryRun);
  if (ctx.dryRun || !dryRunning(app)) return;
  await waitForCondition(async () => {
    const now = await argo(() =>
      ctx.clients.argocd.getApplication(app.metadata.name, {
        instance: app.instance,
      }),
    );
    return dryRunning(now) ? undefined : true;
  }, 30_000);
}

const syncInput = z
  .object({
    environment,
    prune: z.boolean().optional().describe('Delete resources no longer in git'),
    revision: z.string().max(200).optional().describe('Revision to sync to'),
  })
  .strict();

/** Argo CD sync (prune, revision; dry run with Argo CD's own dryRun). */
export const argocdSync: OperationDefinition<typeof syncInput> = {
  id: 'argocd-sync',
  title: 'Argo CD sync',
  description:
    'Syncs the environment’s Argo CD application (optionally pruning, or to a revision).',
  input: syncInput,
  async run(ctx, input) {
    const app = await appForEnv(ctx, input.environment);
    const before = app.status?.sync?.revision;
    ctx.request({
      system: 'argocd',
      method: 'POST',
      path: `${appPath(app.metadata.name)}/sync`,
      body: {
        prune: input.prune ?? false,
        dryRun: ctx.dryRun,
        ...(input.revision ? { revision: input.revision } : {}),
      },
    });
    await afterRunningDryRun(ctx, app);
    const after = await argo(() =>
      ctx.clients.argocd.sync(app.metadata.name, {
        instance: app.instance,
        prune: input.prune,
        revision: input.revision,
        dryRun: ctx.dryRun,
      }),
    );
    return {
      path: 'argocd',
      changes: [
        {
          description: `Sync of ${app.metadata.name}${
            input.revision ? ` to ${input.revision}` : ''
          }${input.prune ? ' with prune' : ''}`,
          object: `argocd/${app.instance}/${app.metadata.name}`,
          before,
        },
      ],
      health: appHealth(after),
      undo: before
        ? {
            operation: 'argocd-sync',
            input: { environment: input.environment, revision: before },
            description: `Sync back to ${before.slice(0, 7)}`,
          }
        : undefined,
      details: {
        application: app.metadata.name,
        phase: after.status?.operationState?.phase,
      },
    };
  },
};

const diffInput = z.object({ environment }).strict();

/** Live vs desired state per resource (Argo CD's managed resources). */
export const argocdDiff: OperationDefinition<typeof diffInput> = {
  id: 'argocd-diff',
  title: 'Argo CD diff',
  description:
    'Shows live vs desired state per resource of the environment’s Argo CD application.',
  input: diffInput,
  readOnly: true,
  async run(ctx, input) {
    const app = await appForEnv(ctx, input.environment);
    ctx.request({
      system: 'argocd',
      method: 'GET',
      path: `${appPath(app.metadata.name)}/managed-resources`,
    });
    const resources = await argo(() =>
      ctx.clients.argocd.managedResources(app.metadata.name, {
        instance: app.instance,
      }),
    );
    const pretty = (s?: string) =>
      s ? `${JSON.stringify(JSON.parse(s), null, 2)}\n` : '';
    const items = resources.map(r => {
      const live = pretty(r.normalizedLiveState ?? r.liveState);
      const desired = pretty(r.predictedLiveState ?? r.targetState);
      const modified = r.modified ?? live !== desired;
      const id = `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
      return {
        resource: id,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        modified,
        diff: modified
          ? createTwoFilesPatch(`live/${id}`, `desired/${id}`, live, desired)
          : '',
      };
    });
    return {
      path: 'argocd',
      changes: [],
      health: appHealth(app),
      details: { application: app.metadata.name, resources: items },
    };
  },
};

const refreshInput = z
  .object({
    environment,
    hard: z
      .boolean()
      .optional()
      .describe('Hard refresh (regenerate manifests)'),
  })
  .strict();

export const argocdRefresh: OperationDefinition<typeof refreshInput> = {
  id: 'argocd-refresh',
  title: 'Argo CD refresh',
  description:
    'Makes Argo CD compare the environment with git again (hard: regenerate manifests).',
  input: refreshInput,
  async run(ctx, input) {
    const app = await appForEnv(ctx, input.environment);
    const type = input.hard ? 'hard' : 'normal';
    ctx.request({
      system: 'argocd',
      method: 'GET',
      path: `${appPath(app.metadata.name)}?refresh=${type}`,
    });
    const after = ctx.dryRun
      ? app
      : await argo(() =>
          ctx.clients.argocd.refresh(app.metadata.name, {
            instance: app.instance,
            type,
          }),
        );
    return {
      path: 'argocd',
      changes: [
        {
          description: `${type} refresh of ${app.metadata.name}`,
          object: `argocd/${app.instance}/${app.metadata.name}`,
        },
      ],
      health: appHealth(after),
    };
  },
};

const rollbackInput = z
  .object({
    environment,
    id: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Argo CD history id to go back to (default: the previous one)'),
    revision: z
      .string()
      .max(200)
      .optional()
      .describe('Or the git revision of a history entry'),
  })
  .strict();

/**
 * Rollback: Argo CD refuses it while automated sync is on, so an auto-synced app gets a
 * `git revert` pull request of the last change to its GitOps folder; else Argo CD's rollback.
 */
export const argocdRollback: OperationDefinition<typeof rollbackInput> = {
  id: 'argocd-rollback',
  title: 'Rollback',
  description:
    'Goes back to an earlier deployment: a git revert pull request of the last change for an auto-synced application, else Argo CD’s rollback to a history entry.',
  input: rollbackInput,
  destructive: input =>
    `rolling ${input.environment} back to an earlier version`,
  async run(ctx, input) {
    const app = await appForEnv(ctx, input.environment);
    const history = await argo(() =>
      ctx.clients.argocd.history(app.metadata.name, { instance: app.instance }),
    );
    const current = app.status?.sync?.revision;
    let entry;
    if (input.id !== undefined || input.revision) {
      entry = history.find(h =>
        input.id !== undefined
          ? h.id === input.id
          : h.revision?.startsWith(input.revision!),
      );
      if (!entry) {
        throw new NotFoundError(
          `${app.metadata.name} has no history entry ${
            input.id !== undefined
              ? `with id ${input.id}`
              : `for revision ${input.revision}`
          } (ids: ${history.map(h => h.id).join(', ') || 'none'})`,
        );
      }
    } else {
      entry = [...history]
        .reverse()
        .find(h => h.revision && h.revision !== current);
    }
    const undo = current
      ? {
          operation: 'argocd-sync' as const,
          input: { environment: input.environment, revision: current },
          description: `Sync to ${current.slice(0, 7)} again`,
        }
      : undefined;

    if (isAutoSynced(app)) {
      const { repo, folder } = gitopsFolder(ctx, input.environment);
      const gh = await ctx.clients.github.forRepo(repo);
      ctx.request({
        system: 'github',
        method: 'GET',
        path: `/repos/${repo.owner}/${repo.repo}/commits?path=${folder}&per_page=2`,
      });
      const { data: commits } = await gh.octokit.repos.listCommits({
        owner: repo.owner,
        repo: repo.repo,
        path: folder,
        per_page: 2,
      });
      if (commits.length < 2) {
        throw new ConflictError(
          `${repo.owner}/${repo.repo}/${folder} has no earlier version to go back to`,
        );
      }
      const last = commits[0];
      const subject = last.commit.message.split('\n')[0];
      const branch = `revert-${last.sha.slice(0, 7)}`;
      ctx.request({
        system: 'gitops',
        method: 'POST',
        path: `/repos/${repo.owner}/${repo.repo}/pulls`,
        body: { head: branch, title: `Revert "${subject}"`, reverts: last.sha },
      });
      const changes = [
        {
          description: `Revert ${last.sha.slice(
            0,
            7,
          )} "${subject}" in ${folder} (Argo CD refuses rollback while auto-sync is on)`,
          object: `${repo.owner}/${repo.repo}/${folder}`,
          before: last.sha,
          after: commits[1].sha,
        },
      ];
      if (ctx.dryRun) {
        return {
          path: 'gitops',
          changes,
          undo,
          details: { revert: last.sha, branch, application: app.metadata.name },
        };
      }
      const gitops = await ctx.gitops(repo);
      const pr = await gitops.revertCommit({
        sha: last.sha,
        branch,
        body: `Rollback of ${app.metadata.name} requested by ${ctx.actor} through OpenLuffy. Argo CD refuses rollback while automated sync is on, so the last change to \`${folder}\` is reverted in git.`,
        labels: ['openluffy/rollback'],
      });
      return {
        path: 'gitops',
        changes,
        pullRequestUrl: pr.url,
        health: appHealth(app),
        undo,
        details: {
          revert: last.sha,
          branch: pr.branch,
          pullRequest: pr.number,
          application: app.metadata.name,
        },
      };
    }

    if (!entry) {
      throw new ConflictError(
        `${app.metadata.name} has no earlier history entry to roll back to`,
      );
    }
    ctx.request({
      system: 'argocd',
      method: 'POST',
      path: `${appPath(app.metadata.name)}/rollback`,
      body: { id: entry.id, dryRun: ctx.dryRun },
    });
    await afterRunningDryRun(ctx, app);
    const after = await argo(() =>
      ctx.clients.argocd.rollback(app.metadata.name, {
        instance: app.instance,
        id: entry.id,
        dryRun: ctx.dryRun,
      }),
    );
    return {
      path: 'argocd',
      changes: [
        {
          description: `Rollback of ${app.metadata.name} to history ${
            entry.id
          } (${entry.revision?.slice(0, 7)})`,
          object: `argocd/${app.instance}/${app.metadata.name}`,
          before: current,
          after: entry.revision,
        },
      ],
      health: appHealth(after),
      undo,
    };
  },
};
