import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';
import type { PushEvent } from '../core/git';
import { getGithubService, GithubService } from './service';
import { emptyData, type GithubData } from './state';
import { CiSimulator } from './ci';
import { WebhookDispatcher } from './webhooks';
import { hooksRouter } from './rest/hooks';
import { apiMiddleware } from './rest/common';
import { usersRouter } from './rest/users';
import { codeRouter } from './rest/code';
import { issuesRouter } from './rest/issues';
import { reviewCommentsRouter } from './rest/reviewComments';
import { getIssuesStore } from './issues-store';
import { pullsRouter } from './rest/pulls';
import { searchRouter } from './rest/search';
import { checksRouter } from './rest/checks';
import { actionsRouter } from './rest/actions';
import { gitHttpRouter } from './git-http';
import { oauthRouter, githubControlRoutes } from './oauth';
import { graphqlRouter } from './graphql';
import { GhError, ghErrorHandler } from './errors';

export { getGithubService, GithubService } from './service';
export { CI_FAIL_MARKER, CI_CHECKS, CI_TIMINGS } from './ci';
export { signPayload } from './webhooks';
export { seedGithubDemo } from './seed';

/** The parts of a running GitHub family (tests and other sandbox parts reach them here). */
export type GithubFamilyParts = {
  service: GithubService;
  ci: CiSimulator;
  webhooks: WebhookDispatcher;
};

const parts = new WeakMap<SandboxContext, GithubFamilyParts>();

/** CI simulator and webhook dispatcher of the family created for `ctx` (undefined before). */
export function getGithubParts(
  ctx: SandboxContext,
): GithubFamilyParts | undefined {
  return parts.get(ctx);
}

/** The GitHub family: REST v3 under /api/v3, GraphQL at /api/graphql, git smart HTTP, OAuth. */
export function createGithubFamily(
  ctx: SandboxContext,
): FamilyModule & { github: GithubFamilyParts } {
  const svc = getGithubService(ctx);
  ctx.persistence.register('github', {
    save: () => svc.data,
    load: data => {
      svc.data = { ...emptyData(), ...(data as Partial<GithubData>) };
    },
  });
  getIssuesStore(svc); // registers (and loads) its persisted part
  const ci = new CiSimulator(svc);
  const webhooks = new WebhookDispatcher(svc);
  const family = { service: svc, ci, webhooks };
  parts.set(ctx, family);
  ctx.controlRoutes.push(githubControlRoutes(svc));

  const onPush = (e: PushEvent) => {
    svc
      .onPush(e)
      .catch(err =>
        ctx.logger.warn('github push handling failed', { error: String(err) }),
      );
  };
  let started = false;
  // Listen from creation so pushes made while seeding (before start) update PRs and CI too.
  ctx.git.on('push', onPush);

  const api = express.Router();
  api.use(
    // GitHub reads every request body as JSON, whatever its Content-Type (`curl -d '{…}'` sends
    // application/x-www-form-urlencoded); a body that is not JSON is a 400 "Problems parsing JSON".
    express.json({ limit: '100mb', type: () => true }),
  );
  api.use(apiMiddleware(svc));
  api.use(usersRouter(svc));
  api.use(checksRouter(svc));
  api.use(codeRouter(svc));
  api.use(issuesRouter(svc));
  api.use(reviewCommentsRouter(svc));
  api.use(pullsRouter(svc));
  api.use(searchRouter(svc));
  api.use(actionsRouter(svc, ci));
  api.use(hooksRouter(svc, webhooks));
  api.use((_req, _res, next) => next(new GhError(404, 'Not Found')));
  api.use(ghErrorHandler());

  const router = express.Router();
  router.use(gitHttpRouter(svc));
  router.use(oauthRouter(svc));
  router.use(graphqlRouter(svc));
  router.use('/api/v3', api);

  const ensureStarted = () => {
    if (started) return;
    started = true;
    ci.start();
    webhooks.start();
  };
  ensureStarted();

  return {
    family: 'github',
    router,
    github: family,
    async start() {
      ensureStarted();
    },
    async stop() {
      ci.stop();
      ctx.git.off('push', onPush);
      await webhooks.idle();
    },
  };
}
