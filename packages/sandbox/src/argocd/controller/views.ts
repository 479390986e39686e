import type { SandboxContext } from '../../core/context';
import { parseRepoURL, type AppSource } from '../source';
import type { Comparer } from './compare';
import { ApiError, type Application } from './types';

// What the API reads from git for an application: its rendered target manifests and commit
// metadata.

/** The rendered target manifests at the app's (or `revision`'s) commit (GET .../manifests). */
export async function targetManifests(
  comparer: Comparer,
  app: Application,
  revision?: string,
) {
  const source = app.spec?.source as AppSource | undefined;
  if (!source)
    throw new ApiError(
      400,
      'spec.source is required (multi-source applications are not supported)',
    );
  try {
    const { sha } = await comparer.resolve(source, revision);
    const rendered = await comparer.render(app, source, sha);
    return {
      manifests: comparer
        .decorate(app, rendered.objects)
        .map(o => JSON.stringify(o)),
      namespace: app.spec?.destination?.namespace ?? '',
      server: app.spec?.destination?.server ?? '',
      revision: sha,
      sourceType: rendered.sourceType,
    };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(
      500,
      `failed to generate manifest for source 1 of 1: ${(e as Error).message}`,
    );
  }
}

/** Commit metadata for GET .../revisions/:revision/metadata. */
export async function revisionMetadata(
  git: SandboxContext['git'],
  app: Application,
  revision: string,
) {
  const loc = parseRepoURL(app.spec?.source?.repoURL);
  if (!loc || !git.exists(loc.owner, loc.repo))
    throw new ApiError(
      404,
      `repository not found: ${app.spec?.source?.repoURL}`,
    );
  const sha = await git.resolve(loc.owner, loc.repo, revision);
  if (!sha) throw new ApiError(404, `revision ${revision} not found`);
  const out = await git.git(loc.owner, loc.repo, [
    'show',
    '-s',
    '--format=%an <%ae>%x00%aI%x00%B',
    sha,
  ]);
  const [author, date, message] = out.split('\0');
  const tags = (await git.git(loc.owner, loc.repo, ['tag', '--points-at', sha]))
    .split('\n')
    .filter(Boolean);
  return {
    author,
    date: new Date(date).toISOString(),
    tags,
    message: message.replace(/\n+$/, ''),
  };
}
