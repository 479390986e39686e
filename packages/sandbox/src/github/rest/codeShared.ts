import type { GithubService } from '../service';
import { GhError, notFound } from '../errors';
import type { RepoRecord } from '../state';

/** Helpers shared by the code routers (branches, contents, commits, git data). */

export const b64 = (buf: Buffer) =>
  `${(buf.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n')}\n`;

export const full = (rec: RepoRecord) => `${rec.owner}/${rec.name}`;

export const resolveOr404 = async (
  svc: GithubService,
  rec: RepoRecord,
  rev: string,
) => {
  const sha = await svc.ctx.git.resolve(rec.owner, rec.name, rev);
  if (!sha) throw new GhError(422, `No commit found for SHA: ${rev}`);
  return sha;
};

/** 404 unless `sha` names an object of `type` in `rec`. */
export const objectOr404 = async (
  svc: GithubService,
  rec: RepoRecord,
  sha: string,
  type: string,
) => {
  if ((await svc.git.objectType(rec.owner, rec.name, sha)) !== type)
    throw notFound();
};
