import { InputError } from '@backstage/errors';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod/v3';
import { locateWorkload, readImage, setImageTag } from '../gitopsEdits';
import { ENVIRONMENT_ORDER, gitopsFolder } from '../target';
import type { OperationDefinition } from '../types';

const promoteInput = z
  .object({
    from: z
      .string()
      .min(1)
      .max(63)
      .describe('Environment whose image tag is promoted, e.g. preprod'),
    to: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe(
        'Target environment (default: the next one: dev → preprod → prod)',
      ),
    deployment: z.string().max(253).optional().describe('Deployment name'),
  })
  .strict();

function nextEnv(from: string): string {
  const i = ENVIRONMENT_ORDER.indexOf(from);
  if (i === -1 || i === ENVIRONMENT_ORDER.length - 1) {
    throw new InputError(
      `from: "${from}" has no next environment (order: ${ENVIRONMENT_ORDER.join(
        ' → ',
      )}); give "to"`,
    );
  }
  return ENVIRONMENT_ORDER[i + 1];
}

/** Promote: the image tag of one environment into the next, as a GitOps pull request. */
export const promote: OperationDefinition<typeof promoteInput> = {
  id: 'promote',
  title: 'Promote',
  description:
    'Opens a GitOps pull request putting the image tag running in one environment into the next (dev → preprod → prod).',
  input: promoteInput,
  destructive: input =>
    (input.to ?? safeNext(input.from)) === 'prod'
      ? 'promoting to production changes what customers run'
      : undefined,
  async run(ctx, input) {
    const to = input.to ?? nextEnv(input.from);
    if (to === input.from) throw new InputError('from and to are the same');
    const name = input.deployment ?? ctx.settings.kubernetesId;
    const src = gitopsFolder(ctx, input.from);
    const dst = gitopsFolder(ctx, to);
    const gitops = await ctx.gitops(dst.repo);
    const from = await locateWorkload(
      src.repo.owner === dst.repo.owner && src.repo.repo === dst.repo.repo
        ? gitops
        : await ctx.gitops(src.repo),
      src.folder,
      name,
    );
    const into = await locateWorkload(gitops, dst.folder, name);
    const image = readImage(from, name);
    const current = readImage(into, name);
    if (!image) {
      throw new InputError(`${from.file.path} names no image for ${name}`);
    }
    if (current?.tag === image.tag) {
      throw new InputError(
        `${to} already runs ${image.tag} (${into.file.path}); nothing to promote`,
      );
    }
    const content = setImageTag(into, name, image.tag);
    const diff = createTwoFilesPatch(
      `a/${into.file.path}`,
      `b/${into.file.path}`,
      into.file.content,
      content,
    );
    const branch = `luffy/promote-${name}-${to}-${image.tag}`.replace(
      /[^A-Za-z0-9._/-]/g,
      '-',
    );
    const title = `Promote ${name} ${image.tag} from ${input.from} to ${to}`;
    ctx.request({
      system: 'gitops',
      method: 'POST',
      path: `/repos/${dst.repo.owner}/${dst.repo.repo}/pulls`,
      body: { head: branch, title, files: [into.file.path] },
    });
    const changes = [
      {
        description: `${into.file.path}: image tag ${
          current?.tag ?? '(unset)'
        } → ${image.tag}`,
        object: `${dst.repo.owner}/${dst.repo.repo}/${into.file.path}`,
        before: current?.tag,
        after: image.tag,
      },
    ];
    if (ctx.dryRun) {
      return {
        path: 'gitops',
        changes,
        details: { diff, branch, from: input.from, to },
      };
    }
    const pr = await gitops.openPullRequest({
      branch,
      title,
      body: `Requested by ${ctx.actor} through OpenLuffy: promote \`${name}\` \`${image.tag}\` (running in ${input.from}) to ${to}.\n\n\`\`\`diff\n${diff}\n\`\`\``,
      files: [{ path: into.file.path, content }],
      labels: ['openluffy/promotion'],
    });
    return {
      path: 'gitops',
      changes,
      pullRequestUrl: pr.url,
      details: {
        diff,
        branch: pr.branch,
        pullRequest: pr.number,
        from: input.from,
        to,
        tag: image.tag,
        undo: `close pull request #${
          pr.number
        }, or revert it once merged (back to ${
          current?.tag ?? 'the previous tag'
        })`,
      },
    };
  },
};

function safeNext(from: string): string | undefined {
  try {
    return nextEnv(from);
  } catch {
    return undefined;
  }
}
