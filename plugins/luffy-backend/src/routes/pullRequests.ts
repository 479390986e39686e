import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  GITHUB_TOKEN_HEADER,
  MERGE_METHODS,
} from '@openluffy/plugin-luffy-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { PullRequestService } from '../services/pullRequests';

const entityParams = (params: Record<string, string>) => ({
  namespace: params.namespace,
  kind: params.kind,
  name: params.name,
});

const numberParam = z.coerce.number().int().positive();

const mergeBody = z.object({
  method: z.enum(MERGE_METHODS as unknown as ['squash', 'merge', 'rebase']),
  sha: z
    .string()
    .regex(
      /^[0-9a-f]{40}$/i,
      'must be the 40-character head commit SHA you reviewed',
    ),
  githubToken: z.string().min(1).optional(),
});

function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      `${what}: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'value'} ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Pull request routes of an entity:
 * `GET .../pull-requests`, `GET .../pull-requests/:repo/:number` (`:repo` is `owner%2Frepo` or
 * the repo name), `POST .../pull-requests/:repo/:number/merge`.
 */
export function createPullRequestsRouter(options: {
  httpAuth: HttpAuthService;
  pullRequests: PullRequestService;
}): express.Router {
  const { httpAuth, pullRequests } = options;
  const router = Router();
  // Only its own paths: a parser on every path would consume the raw body of the webhook
  // route mounted after this router (signature check → 400 "Expected a raw request body").
  router.use('/entity', express.json({ limit: '64kb' }));

  router.get(
    '/entity/:namespace/:kind/:name/pull-requests',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      res.json(
        await pullRequests.list(entityParams(req.params), { credentials }),
      );
    },
  );

  router.get(
    '/entity/:namespace/:kind/:name/pull-requests/:repo/:number',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const number = parse(
        numberParam,
        req.params.number,
        'pull request number',
      );
      res.json(
        await pullRequests.get(
          entityParams(req.params),
          req.params.repo,
          number,
          {
            credentials,
          },
        ),
      );
    },
  );

  router.post(
    '/entity/:namespace/:kind/:name/pull-requests/:repo/:number/merge',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const number = parse(
        numberParam,
        req.params.number,
        'pull request number',
      );
      const body = parse(mergeBody, req.body ?? {}, 'merge request');
      const headerToken = req.header(GITHUB_TOKEN_HEADER);
      res.json(
        await pullRequests.merge(
          entityParams(req.params),
          req.params.repo,
          number,
          { ...body, githubToken: body.githubToken ?? headerToken },
          { credentials },
        ),
      );
    },
  );

  return router;
}
