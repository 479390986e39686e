import { NotImplementedError } from '@backstage/errors';
import type { GithubClient } from '../github/types';
import type { GitopsRepo } from './types';

/**
 * A GitOps repository over the shared GitHub client (integration credential, or a user's).
 * @public
 */
export function createGitopsRepo(options: {
  github: GithubClient;
  owner: string;
  repo: string;
}): GitopsRepo {
  void options;
  throw new NotImplementedError('createGitopsRepo: not implemented yet');
}
