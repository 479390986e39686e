import express from 'express';
// graphql 15 is installed in the workspace (a transitive dependency); see README.
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import type { GithubService } from './service';
import { tokenFrom } from './rest/common';
import { GhError } from './errors';
import { searchPulls } from './rest/search';
import { SDL } from './graphql-schema';
import { GqlError, cursor, slice } from './graphql-util';
import { graphqlNodes } from './graphql-nodes';
import { graphqlMutations } from './graphql-mutations';

export { SDL } from './graphql-schema';

/** GraphQL at POST /api/graphql: repository pull requests with checks, reviews and mergeability. */
export function graphqlRouter(svc: GithubService): express.Router {
  const schema: GraphQLSchema = buildSchema(SDL);
  const r = express.Router();

  const objects = graphqlNodes(svc);
  const { actor, pullNode, repoNode, lookupNode } = objects;
  const mutations = graphqlMutations(svc, objects);

  r.post(
    '/api/graphql',
    express.json({ limit: '5mb', type: () => true }),
    async (req, res, next) => {
      try {
        const token = tokenFrom(req.headers.authorization);
        const viewer = token ? svc.userForToken(token) : undefined;
        res.set({
          'x-github-request-id': Math.random()
            .toString(16)
            .slice(2)
            .toUpperCase(),
          'x-ratelimit-resource': 'graphql',
        });
        if (!viewer) {
          res.status(401).json({
            message: token
              ? 'Bad credentials'
              : 'This endpoint requires you to be authenticated.',
            documentation_url:
              'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
          });
          return;
        }
        const { query, variables, operationName } = req.body ?? {};
        if (typeof query !== 'string') {
          res.json({
            errors: [
              {
                message:
                  'A query attribute must be specified and must be a string.',
              },
            ],
          });
          return;
        }
        const errors: any[] = [];
        const root = {
          ...mutations(viewer),
          node: ({ id }: { id: string }) => lookupNode(id, viewer),
          nodes: ({ ids }: { ids: string[] }) =>
            ids.map(id => lookupNode(id, viewer)),
          search: (a: any) => {
            const list =
              a.type === 'ISSUE' && !/\b(is|type):issue\b/.test(a.query)
                ? searchPulls(svc, a.query, viewer)
                : [];
            const { start, end, page } = slice(list, a);
            const nodes = page.map(p =>
              pullNode(svc.repo(p.owner, p.repo)!, p),
            );
            return {
              issueCount: list.length,
              repositoryCount: 0,
              userCount: 0,
              nodes,
              edges: nodes.map((n, i) => ({
                cursor: cursor(start + i),
                node: n,
              })),
              pageInfo: {
                hasNextPage: end < list.length,
                hasPreviousPage: start > 0,
                startCursor: page.length ? cursor(start) : null,
                endCursor: page.length ? cursor(end - 1) : null,
              },
            };
          },
          viewer: () => actor(viewer),
          user: ({ login }: { login: string }) => {
            const a = svc.account(login);
            return a && a.type !== 'Organization' ? actor(a) : null;
          },
          organization: ({ login }: { login: string }) => {
            const a = svc.account(login);
            return a?.type === 'Organization' ? actor(a) : null;
          },
          rateLimit: () => ({
            limit: 5000,
            remaining: 4999,
            used: 1,
            cost: 1,
            resetAt: new Date(Date.now() + 3600_000).toISOString(),
            nodeCount: 0,
          }),
          repository: ({ owner, name }: { owner: string; name: string }) => {
            const rec = svc.repo(owner, name);
            if (!rec || !svc.permissions(rec, viewer).pull) {
              errors.push({
                type: 'NOT_FOUND',
                path: ['repository'],
                locations: [],
                message: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
              });
              return null;
            }
            return repoNode(rec);
          },
        };
        const result = await graphql({
          schema,
          source: query,
          rootValue: root,
          variableValues: variables,
          operationName,
        });
        const out: any = { data: result.data ?? null };
        const all = [
          ...(result.errors ?? []).map(e => {
            const o: any = e.originalError;
            const ghType = (status: number) =>
              ((
                {
                  404: 'NOT_FOUND',
                  403: 'FORBIDDEN',
                  401: 'FORBIDDEN',
                } as Record<number, string>
              )[status] ?? 'UNPROCESSABLE');
            let type: string | undefined;
            if (o instanceof GqlError) type = o.type;
            else if (o instanceof GhError) type = ghType(o.status);
            return {
              ...(type ? { type } : {}),
              ...(e.path ? { path: e.path } : {}),
              locations: e.locations ?? [],
              message:
                o instanceof GhError
                  ? String((o.body as any)?.message ?? o.message)
                  : e.message,
            };
          }),
          ...errors,
        ];
        if (all.length) out.errors = all;
        if (!result.data) delete out.data;
        res.json(out);
      } catch (e) {
        next(e);
      }
    },
  );
  // GraphQL answers in its own shape: a body that is not JSON is GitHub's 400, anything else
  // that goes wrong is a 200 with `errors` (never a 500 with a REST body).
  r.use(
    '/api/graphql',
    (
      err: any,
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      if (err?.type === 'entity.parse.failed') {
        res.status(400).json({
          message: 'Problems parsing JSON',
          documentation_url: 'https://docs.github.com/graphql',
        });
        return;
      }
      svc.ctx.logger.warn('github graphql request failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      res.status(200).json({
        data: null,
        errors: [
          {
            message: err instanceof Error ? err.message : String(err),
            locations: [],
          },
        ],
      });
    },
  );
  return r;
}
