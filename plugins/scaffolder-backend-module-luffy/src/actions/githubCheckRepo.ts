import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { LuffyClients } from '@openluffy/plugin-luffy-node';
import YAML from 'yaml';
import { examples } from './githubCheckRepo.examples';
import { assertDnsLabel, assertRepoPath, parseRepoRef } from './validation';

const status = (e: unknown) => (e as { status?: number } | undefined)?.status;

/**
 * `luffy:github:check-repo`: what the service repository already holds, so that a re-run of
 * the same task (or a run that stopped half-way) skips creating it instead of failing on it.
 * @public
 */
export function createLuffyGithubCheckRepoAction(options: {
  clients: Pick<LuffyClients, 'github'>;
}) {
  return createTemplateAction({
    id: 'luffy:github:check-repo',
    description:
      'Looks up the service repository before anything is created: whether it exists and whether it already holds the onboarded skeleton (catalog-info.yaml naming the component). A repository that exists but was not onboarded, and was not chosen as the existing repository, fails the step with the fix (another name, or reuse it). Outputs drive `if:` of the publishing steps, so a re-run takes the "already there" path instead of failing on publish:github. Read-only; 1–2 GitHub calls.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repo: z =>
          z
            .string()
            .describe('owner/repo of the service repository (or its URL)'),
        component: z =>
          z
            .string()
            .describe(
              'Name of the Component the catalog-info.yaml of an onboarded repository declares (the customer name)',
            ),
        existingRepo: z =>
          z
            .boolean()
            .optional()
            .describe(
              'True when the user chose to reuse this repository (then it must exist)',
            ),
        catalogInfoPath: z =>
          z
            .string()
            .optional()
            .describe('Path of the catalog file (default catalog-info.yaml)'),
      },
      output: {
        exists: z => z.boolean().describe('The repository exists'),
        onboarded: z =>
          z
            .boolean()
            .describe(
              'Its default branch holds catalog-info.yaml with the component: the skeleton is in place',
            ),
        remoteUrl: z =>
          z
            .string()
            .optional()
            .describe('Web URL of the repository (when it exists)'),
        repoContentsUrl: z =>
          z
            .string()
            .optional()
            .describe(
              'URL of the default branch contents, for catalog:register (when it exists)',
            ),
        defaultBranch: z =>
          z.string().optional().describe('Default branch (when it exists)'),
      },
    },
    async handler(ctx) {
      const { owner, repo } = parseRepoRef(ctx.input.repo, 'Repository');
      const component = assertDnsLabel(ctx.input.component, 'Component name');
      const catalogInfoPath = assertRepoPath(
        ctx.input.catalogInfoPath ?? 'catalog-info.yaml',
        'catalogInfoPath',
      );
      const gh = await options.clients.github.forRepo(`${owner}/${repo}`);
      let data: { html_url: string; default_branch: string; size?: number };
      try {
        data = (await gh.octokit.rest.repos.get({ owner, repo })).data;
      } catch (e) {
        if (status(e) !== 404) throw e;
        if (ctx.input.existingRepo) {
          throw new InputError(
            `The existing repository ${owner}/${repo} was not found (or the integration token cannot see it): check the name, or leave the field empty to create a repository`,
          );
        }
        ctx.logger.info(
          `${owner}/${repo} does not exist yet: it will be created`,
        );
        ctx.output('exists', false);
        ctx.output('onboarded', false);
        return;
      }
      const branch = data.default_branch;
      let onboarded = false;
      try {
        const res = await gh.octokit.rest.repos.getContent({
          owner,
          repo,
          path: catalogInfoPath,
          ref: branch,
          mediaType: { format: 'raw' },
        });
        const docs = YAML.parseAllDocuments(String(res.data)).map(
          d => d.toJS() as any,
        );
        onboarded = docs.some(
          d => d?.kind === 'Component' && d?.metadata?.name === component,
        );
      } catch (e) {
        // 404: no such file, or an empty repository (no commit yet)
        if (status(e) !== 404 && !(e instanceof YAML.YAMLParseError)) throw e;
      }
      if (!ctx.input.existingRepo && !onboarded) {
        throw new ConflictError(
          `Repository ${owner}/${repo} already exists and does not hold the onboarded service ${component} (no Component ${component} in ${catalogInfoPath}): choose another customer name, or give ${owner}/${repo} as the existing repository to add the skeleton by pull request`,
        );
      }
      ctx.logger.info(
        onboarded
          ? `${owner}/${repo} already holds the onboarded skeleton (${catalogInfoPath} declares Component ${component}): nothing to publish`
          : `${owner}/${repo} exists without the skeleton: it is added by pull request`,
      );
      ctx.output('exists', true);
      ctx.output('onboarded', onboarded);
      ctx.output('remoteUrl', data.html_url);
      ctx.output('repoContentsUrl', `${data.html_url}/blob/${branch}`);
      ctx.output('defaultBranch', branch);
    },
  });
}
