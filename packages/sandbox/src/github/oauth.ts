import crypto from 'node:crypto';
import express from 'express';
import type { GithubService } from './service';

/**
 * GitHub OAuth app endpoints (web flow) for Backstage's GitHub sign-in and SCM auth:
 * /login/oauth/authorize auto-approves as `?login=` or the configured default user (alice;
 * change it with PUT /_sandbox/github/oauth-user) and redirects with code+state;
 * /login/oauth/access_token exchanges the code (form or JSON body) and answers JSON when the
 * Accept header asks for it, else form-encoded like GitHub.
 */
export function oauthRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const t = svc.ctx.tokens;

  r.get('/login/oauth/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.client_id !== t.oauthClientId) {
      res
        .status(404)
        .type('text/html')
        .send('<h1>404</h1><p>Unknown OAuth application (client_id).</p>');
      return;
    }
    const redirect = q.redirect_uri;
    if (!redirect) {
      res
        .status(400)
        .type('text/plain')
        .send('redirect_uri is required by the sandbox');
      return;
    }
    const login = q.login || svc.data.oauthDefaultLogin;
    const user = svc.account(login);
    if (!user || user.type === 'Organization') {
      const u = new URL(redirect);
      u.searchParams.set('error', 'access_denied');
      u.searchParams.set(
        'error_description',
        `The sandbox has no user ${login}`,
      );
      if (q.state) u.searchParams.set('state', q.state);
      res.redirect(302, u.toString());
      return;
    }
    const code = crypto.randomBytes(10).toString('hex');
    svc.data.oauthCodes[code] = {
      login: user.login,
      clientId: q.client_id!,
      redirectUri: redirect,
      scope: q.scope ?? '',
      expires: Date.now() + 10 * 60_000,
    };
    const u = new URL(redirect);
    u.searchParams.set('code', code);
    if (q.state) u.searchParams.set('state', q.state);
    res.redirect(302, u.toString());
  });

  r.post(
    '/login/oauth/access_token',
    express.urlencoded({ extended: false }),
    express.json(),
    (req, res) => {
      const b = {
        ...(req.query as Record<string, string>),
        ...(req.body ?? {}),
      } as Record<string, string>;
      const basic = req.headers.authorization?.match(/^Basic\s+(.+)$/i);
      if (basic) {
        const [id, secret] = Buffer.from(basic[1], 'base64')
          .toString()
          .split(':');
        b.client_id ??= id;
        b.client_secret ??= secret;
      }
      const wantsJson = /json/.test(String(req.headers.accept ?? ''));
      const send = (body: Record<string, string>) => {
        if (wantsJson) res.json(body);
        else
          res
            .type('application/x-www-form-urlencoded; charset=utf-8')
            .send(new URLSearchParams(body).toString());
      };
      if (
        b.client_id !== t.oauthClientId ||
        b.client_secret !== t.oauthClientSecret
      ) {
        send({
          error: 'incorrect_client_credentials',
          error_description:
            'The client_id and/or client_secret passed are incorrect.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
        });
        return;
      }
      if (
        b.grant_type === 'refresh_token' &&
        b.refresh_token &&
        svc.data.tokens[b.refresh_token]
      ) {
        const login = svc.data.tokens[b.refresh_token];
        send({
          access_token: svc.issueToken(login),
          token_type: 'bearer',
          scope: '',
        });
        return;
      }
      const grant = b.code ? svc.data.oauthCodes[b.code] : undefined;
      if (
        !grant ||
        grant.expires < Date.now() ||
        (b.redirect_uri && b.redirect_uri !== grant.redirectUri)
      ) {
        send({
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
        });
        return;
      }
      delete svc.data.oauthCodes[b.code];
      send({
        access_token: svc.issueToken(grant.login),
        token_type: 'bearer',
        scope: grant.scope,
      });
    },
  );

  return r;
}

/** Control-API additions under /_sandbox/github. */
export function githubControlRoutes(svc: GithubService) {
  /** `body.login` if it names an existing account; otherwise answers 400 and returns undefined. */
  const existingLogin = (req: express.Request, res: express.Response) => {
    const login = req.body?.login;
    if (typeof login !== 'string' || !svc.account(login)) {
      res
        .status(400)
        .json({ error: 'login must name an existing sandbox user' });
      return undefined;
    }
    return login;
  };
  return (router: express.Router) => {
    router.get('/github/oauth-user', (_req, res) => {
      res.json({ login: svc.data.oauthDefaultLogin });
    });
    router.put('/github/oauth-user', (req, res) => {
      const login = existingLogin(req, res);
      if (!login) return;
      svc.data.oauthDefaultLogin = login;
      res.json({ login });
    });
    router.post('/github/tokens', (req, res) => {
      const login = existingLogin(req, res);
      if (!login) return;
      res.status(201).json({ login, token: svc.issueToken(login, 'ghp_') });
    });
    router.get('/github/summary', (_req, res) => {
      const d = svc.data;
      res.json({
        accounts: Object.values(d.accounts).map(a => ({
          login: a.login,
          type: a.type,
        })),
        repos: Object.values(d.repos).map(x => `${x.owner}/${x.name}`),
        openPulls: d.pulls
          .filter(p => p.state === 'open')
          .map(p => `${p.owner}/${p.repo}#${p.number}`),
        hooks: d.hooks.length,
        deliveries: d.deliveries.length,
      });
    });
  };
}
