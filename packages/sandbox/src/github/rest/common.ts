import crypto from 'node:crypto';
import express from 'express';
import type { Account, RepoRecord } from '../state';
import type { GithubService } from '../service';
import { GhError, badCredentials, notFound, requiresAuth } from '../errors';

declare module 'express-serve-static-core' {
  interface Request {
    ghViewer?: Account;
    ghToken?: string;
  }
}

/** The authenticated account, if any. */
export const viewerOf = (req: express.Request) => req.ghViewer;

export function needViewer(req: express.Request): Account {
  if (!req.ghViewer) throw requiresAuth();
  return req.ghViewer;
}

/** Token from `Authorization: token X`, `Bearer X` or Basic (password, else user name). */
export function tokenFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^(token|bearer)$/i.test(scheme)) return value || undefined;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = i >= 0 ? decoded.slice(0, i) : decoded;
    const pass = i >= 0 ? decoded.slice(i + 1) : '';
    return pass || user || undefined;
  }
  return undefined;
}

type Bucket = { limit: number; used: number; reset: number };

/**
 * Authentication, GitHub's common response headers, rate-limit accounting per token (anonymous
 * per address, 60/h), and ETag / If-None-Match → 304 on GETs (a 304 does not count).
 */
export function apiMiddleware(svc: GithubService): express.RequestHandler[] {
  const buckets = new Map<string, Bucket>();
  const bucket = (key: string, limit: number) => {
    const nowS = Math.floor(Date.now() / 1000);
    let b = buckets.get(key);
    if (!b || b.reset <= nowS) {
      b = { limit, used: 0, reset: nowS + 3600 };
      buckets.set(key, b);
    }
    return b;
  };
  const setRate = (res: express.Response, b: Bucket) =>
    res.set({
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(Math.max(0, b.limit - b.used)),
      'x-ratelimit-used': String(b.used),
      'x-ratelimit-reset': String(b.reset),
      'x-ratelimit-resource': 'core',
    });

  const auth: express.RequestHandler = (req, res, next) => {
    svc.baseUrl = `${req.protocol}://${req.headers.host ?? '127.0.0.1:18083'}`;
    res.set({
      'x-github-request-id': crypto
        .randomBytes(8)
        .toString('hex')
        .toUpperCase(),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'access-control-expose-headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
      'access-control-allow-origin': '*',
    });
    const token = tokenFrom(req.headers.authorization);
    if (token) {
      const user = svc.userForToken(token);
      if (!user) {
        next(badCredentials());
        return;
      }
      req.ghViewer = user;
      req.ghToken = token;
      res.set({
        'x-oauth-scopes': 'repo, workflow, admin:org, read:user, user:email',
        'x-accepted-oauth-scopes': '',
      });
    }
    const b = token ? bucket(`t:${token}`, 5000) : bucket(`ip:${req.ip}`, 60);
    if (b.used >= b.limit) {
      setRate(res, b);
      next(
        new GhError(
          403,
          `API rate limit exceeded for ${token ? 'user' : req.ip}.`,
          {
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          },
        ),
      );
      return;
    }
    b.used += 1;
    setRate(res, b);

    if (req.method === 'GET' || req.method === 'HEAD') {
      const json = res.json.bind(res);
      res.json = (body: any) => {
        if (res.statusCode === 200) {
          const text = JSON.stringify(body);
          const etag = `W/"${crypto
            .createHash('sha256')
            .update(text)
            .digest('hex')
            .slice(0, 40)}"`;
          res.set('etag', etag);
          const inm = req.headers['if-none-match'];
          if (
            inm &&
            inm
              .split(',')
              .map(s => s.trim().replace(/^W\//, ''))
              .includes(etag.replace(/^W\//, ''))
          ) {
            b.used -= 1; // conditional requests that hit don't count
            setRate(res, b);
            res.status(304).end();
            return res;
          }
          res.set(
            'cache-control',
            req.ghViewer
              ? 'private, max-age=60, s-maxage=60'
              : 'public, max-age=60, s-maxage=60',
          );
          res.set('vary', 'Accept, Authorization, Cookie, X-GitHub-OTP');
          res.type('application/json; charset=utf-8');
          return res.send(text);
        }
        return json(body);
      };
    }
    next();
  };
  return [auth];
}

/** page/per_page slicing with a GitHub-style Link header. */
export function paginate<T>(
  req: express.Request,
  res: express.Response,
  items: T[],
): T[] {
  const perPage = Math.min(100, Math.max(1, Number(req.query.per_page) || 30));
  const page = Math.max(1, Number(req.query.page) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const links: string[] = [];
  const link = (p: number, rel: string) => {
    const u = new URL(
      `${req.protocol}://${req.headers.host}${req.originalUrl}`,
    );
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    links.push(`<${u.toString()}>; rel="${rel}"`);
  };
  if (page > 1) {
    link(page - 1, 'prev');
    link(1, 'first');
  }
  if (page < last) {
    link(page + 1, 'next');
    link(last, 'last');
  }
  if (links.length) res.set('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

/** The repository of the path (`:owner/:repo`) if the viewer may read it; 404 otherwise. */
export const readableRepo = (svc: GithubService, req: express.Request) =>
  svc.readable(req.params.owner, req.params.repo, viewerOf(req));

/** The repository of the path (`:owner/:repo`) if the viewer may write it (`level`). */
export const writableRepo = (
  svc: GithubService,
  req: express.Request,
  level?: 'push' | 'admin',
) => svc.writable(req.params.owner, req.params.repo, viewerOf(req), level);

/** The record of repository `rec` in `list` that `match` picks; 404 when there is none. */
export function findInRepo<T extends { owner: string; repo: string }>(
  list: readonly T[],
  rec: RepoRecord,
  match: (x: T) => boolean,
): T {
  const found = list.find(
    x => x.owner === rec.owner && x.repo === rec.name && match(x),
  );
  if (!found) throw notFound();
  return found;
}

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : undefined;
