import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { GithubClient, LuffyClients } from '@openluffy/plugin-luffy-node';
import YAML from 'yaml';
import { examples } from './githubCheckRepo.examples';
import { assertDnsLabel, assertRepoPath, parseRepoRef } from './validation';

const status = (e: unknown) => (e as { status?: number } | undefined)?.status;

/** GitHub answers 409 "Git Repository is empty." for the commits of a repository without any. */
async function isEmpty(
  gh: GithubClient,
  owner: string,
  repo: string,
): Promise<boolean> {
  try {
    await gh.octokit.rest.repos.listCommits({
      owner,
      repo,
      per_page: 1,
      // 409 is the answer, not a transient error to retry
      request: { retries: 0 },
    });
    return false;
  } catch (e) {
    if (status(e) === 409) return true;
    throw e;
  }
}

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
      'Looks up the service repository before anything is created: whether it exists and whether it already holds the onboarded skeleton (catalog-info.yaml naming the component). A repository that exists but was not onboarded, and was not chosen as the existing repository, fails the step with the fix (another name, or reuse it). Outputs drive `if:` of the publishing steps, so a re-run takes the "already there" path instead of failing on publish:github. An empty repository of that name (a run stopped between creating and pushing it) is reported `empty` so the skeleton is pushed to it. Read-only; 1–3 GitHub calls.',
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
        empty: z =>
          z
            .boolean()
            .optional()
            .describe(
              'The repository exists without any commit (a run stopped between creating and pushing it): the skeleton is pushed to it (github:repo:push)',
            ),
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
      // An empty repository (no commit at all: a run stopped between creating it and
      // pushing) holds nothing to lose: the skeleton is pushed to it instead of refusing.
      const empty =
        !onboarded &&
        !ctx.input.existingRepo &&
        (await isEmpty(gh, owner, repo));
      if (!ctx.input.existingRepo && !onboarded && !empty) {
        throw new ConflictError(
          `Repository ${owner}/${repo} already exists and does not hold the onboarded service ${component} (no Component ${component} in ${catalogInfoPath}): choose another customer name, or give ${owner}/${repo} as the existing repository to add the skeleton by pull request`,
        );
      }
      let what = `${owner}/${repo} exists without the skeleton: it is added by pull request`;
      if (onboarded) {
        what = `${owner}/${repo} already holds the onboarded skeleton (${catalogInfoPath} declares Component ${component}): nothing to publish`;
      } else if (empty) {
        what = `${owner}/${repo} exists but is empty (an earlier run stopped before pushing): the skeleton is pushed to it`;
      }
      ctx.logger.info(what);
      ctx.output('exists', true);
      ctx.output('onboarded', onboarded);
      ctx.output('empty', empty);
      ctx.output('remoteUrl', data.html_url);
      ctx.output('repoContentsUrl', `${data.html_url}/blob/${branch}`);
      ctx.output('defaultBranch', branch);
    },
  });
}
