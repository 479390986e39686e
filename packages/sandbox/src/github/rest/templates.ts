import express from 'express';
import type { GithubService } from '../service';
import { GhError, h, missingField } from '../errors';
import { needViewer } from './common';

/**
 * `POST /repos/:template_owner/:template_repo/generate`: a new repository with the files of a
 * template repository (`is_template`) in a new history, one commit per copied branch
 * ("Initial commit", by the caller). The default branch only, or every branch with
 * `include_all_branches`. File modes and binary content are kept (the commit reuses the
 * template's tree objects).
 */
export function templatesRouter(svc: GithubService): express.Router {
  const r = express.Router();

  r.post(
    '/repos/:owner/:repo/generate',
    h(async (req, res) => {
      const v = needViewer(req);
      const tmpl = svc.readable(req.params.owner, req.params.repo, v);
      const b = req.body ?? {};
      if (!tmpl.is_template)
        throw new GhError(422, 'Validation Failed', {
          errors: [
            {
              resource: 'Repository',
              code: 'custom',
              field: 'template_repository',
              message: `${tmpl.owner}/${tmpl.name} is not a template repository`,
            },
          ],
        });
      if (!b.name || typeof b.name !== 'string')
        throw missingField('Repository', 'name');
      const ownerLogin = typeof b.owner === 'string' ? b.owner : v.login;
      const owner = svc.mustAccount(ownerLogin);
      if (
        owner.type === 'Organization'
          ? !owner.members?.[v.login]
          : owner.login.toLowerCase() !== v.login.toLowerCase()
      )
        throw new GhError(
          403,
          `You do not have permission to create repositories in ${owner.login}`,
        );
      const git = svc.ctx.git;
      const branches = b.include_all_branches
        ? (await git.refs(tmpl.owner, tmpl.name))
            .filter(x => x.ref.startsWith('refs/heads/'))
            .map(x => x.ref.slice('refs/heads/'.length))
        : [tmpl.default_branch];
      const rec = await svc.createRepo(
        owner,
        b.name,
        {
          description: b.description ?? tmpl.description,
          private: !!b.private,
          visibility: b.private ? 'private' : 'public',
          default_branch: tmpl.default_branch,
        },
        v,
      );
      const author = svc.gitAuthor(v);
      const identity = {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      };
      for (const branch of branches) {
        const src = await git.resolve(
          tmpl.owner,
          tmpl.name,
          `refs/heads/${branch}`,
        );
        if (!src) continue;
        const temp = `refs/sandbox-template/${branch}`;
        // bring the template's objects over, then commit its tree without parents
        await git.git(rec.owner, rec.name, [
          'fetch',
          '-q',
          '--no-tags',
          git.path(tmpl.owner, tmpl.name),
          `+refs/heads/${branch}:${temp}`,
        ]);
        const tree = (
          await git.git(rec.owner, rec.name, ['rev-parse', `${src}^{tree}`])
        ).trim();
        const commit = (
          await git.git(
            rec.owner,
            rec.name,
            ['commit-tree', tree, '-m', 'Initial commit'],
            { env: identity },
          )
        ).trim();
        await git.git(rec.owner, rec.name, ['update-ref', '-d', temp]);
        await git.updateRef(
          rec.owner,
          rec.name,
          `refs/heads/${branch}`,
          commit,
          undefined,
          v.login,
        );
      }
      res
        .status(201)
        .location(svc.serializeRepo(rec).url)
        .json({
          ...svc.serializeRepo(rec, v),
          template_repository: svc.serializeRepo(tmpl, v),
        });
    }),
  );

  return r;
}
