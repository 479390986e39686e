import express from 'express';
import type { GithubService } from '../service';
import { branchesRouter } from './branches';
import { contentsRouter } from './contents';
import { commitsRouter } from './commits';
import { gitRefsRouter } from './gitRefs';
import { gitObjectsRouter } from './gitObjects';

/**
 * Branches, protection, contents, commits, compare and git data (refs/trees/commits/blobs),
 * one router per concern; mounted in this order (route order matters within each).
 */
export function codeRouter(svc: GithubService): express.Router {
  const r = express.Router();
  r.use(branchesRouter(svc));
  r.use(contentsRouter(svc));
  r.use(commitsRouter(svc));
  r.use(gitRefsRouter(svc));
  r.use(gitObjectsRouter(svc));
  return r;
}
