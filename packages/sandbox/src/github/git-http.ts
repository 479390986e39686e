import { spawn } from 'node:child_process';
import express from 'express';
import type { GithubService } from './service';
import { tokenFrom } from './rest/common';
import type { Account } from './state';

const GIT_PATH =
  /^\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function challenge(res: express.Response, message = 'Authentication failed') {
  res
    .status(401)
    .set('WWW-Authenticate', 'Basic realm="GitHub"')
    .type('text/plain')
    .send(`${message}\n`);
}

/**
 * Git smart HTTP (protocol v0/v1/v2) through `git http-backend` as CGI. Anonymous clone/fetch
 * of public repositories; private repositories and every push need a token (Basic auth, the
 * token as password or user name) and are challenged with 401 + WWW-Authenticate so clients
 * such as isomorphic-git send their credentials. After a push, ref changes are announced
 * through ctx.git.notifyPush (Argo CD, CI, webhooks react).
 */
export function gitHttpRouter(svc: GithubService): express.Router {
  const r = express.Router();
  r.all(GIT_PATH, (req, res, next) => {
    const m = GIT_PATH.exec(req.path)!;
    const [, ownerIn, repoIn, action] = m;
    (req as any).sandboxRoute = `/:owner/:repo.git/${action}`;
    const service =
      action === 'info/refs' ? String(req.query.service ?? '') : action;
    const push = service === 'git-receive-pack';
    const rec = svc.repo(ownerIn, repoIn);
    const token = tokenFrom(req.headers.authorization);
    let user: Account | undefined;
    if (token) {
      user = svc.userForToken(token);
      if (!user) {
        challenge(
          res,
          'Invalid username or token. Password authentication is not supported for Git operations.',
        );
        return;
      }
    }
    if (!rec) {
      if (!user) {
        challenge(res);
        return;
      }
      res.status(404).type('text/plain').send('Repository not found.\n');
      return;
    }
    const perms = svc.permissions(rec, user);
    if (!perms.pull) {
      if (!user) {
        challenge(res);
        return;
      }
      res.status(404).type('text/plain').send('Repository not found.\n');
      return;
    }
    if (push && !user) {
      challenge(res);
      return;
    }
    if (push && !perms.push) {
      res
        .status(403)
        .type('text/plain')
        .send(
          `Permission to ${rec.owner}/${rec.name}.git denied to ${
            user!.login
          }.\n`,
        );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('error', next);
    req.on('end', () => {
      run(Buffer.concat(chunks)).catch(next);
    });

    async function run(body: Buffer) {
      const before = push ? await svc.ctx.git.refs(rec!.owner, rec!.name) : [];
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        GIT_PROJECT_ROOT: svc.ctx.git.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${rec!.owner}/${rec!.name}.git/${action}`,
        REQUEST_METHOD: req.method,
        QUERY_STRING: req.originalUrl.includes('?')
          ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
          : '',
        CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
        CONTENT_LENGTH: String(body.length),
        REMOTE_USER: user?.login ?? '',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      };
      if (req.headers['git-protocol'])
        env.GIT_PROTOCOL = String(req.headers['git-protocol']);
      if (req.headers['content-encoding'])
        env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
      const child = spawn('git', ['http-backend'], { env });
      child.stdin.on('error', () => {});
      child.stdin.end(body);
      let head = Buffer.alloc(0);
      let headersDone = false;
      let stderr = '';
      child.stderr.on('data', d => (stderr += d));
      child.stdout.on('data', (d: Buffer) => {
        if (headersDone) {
          res.write(d);
          return;
        }
        head = Buffer.concat([head, d]);
        let idx = head.indexOf('\r\n\r\n');
        let sepLen = 4;
        if (idx < 0) {
          idx = head.indexOf('\n\n');
          sepLen = 2;
        }
        if (idx < 0) return;
        headersDone = true;
        const lines = head.subarray(0, idx).toString('latin1').split(/\r?\n/);
        let status = 200;
        for (const line of lines) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const k = line.slice(0, i).trim();
          const v = line.slice(i + 1).trim();
          if (k.toLowerCase() === 'status') status = parseInt(v, 10) || 200;
          else res.setHeader(k, v);
        }
        res.status(status);
        res.write(head.subarray(idx + sepLen));
      });
      await new Promise<void>(resolve => child.on('close', () => resolve()));
      if (!headersDone) {
        svc.ctx.logger.warn('git http-backend gave no response', { stderr });
        if (!res.headersSent)
          res.status(500).type('text/plain').send('git http-backend failed\n');
        else res.end();
        return;
      }
      if (push && req.method === 'POST') {
        const after = await svc.ctx.git.refs(rec!.owner, rec!.name);
        const zero = '0'.repeat(40);
        const map = (l: typeof before) => new Map(l.map(x => [x.ref, x.sha]));
        const b = map(before);
        const a = map(after);
        for (const ref of new Set([...b.keys(), ...a.keys()])) {
          const o = b.get(ref) ?? zero;
          const n = a.get(ref) ?? zero;
          if (o !== n)
            svc.ctx.git.notifyPush({
              owner: rec!.owner,
              repo: rec!.name,
              ref,
              before: o,
              after: n,
              pusher: user!.login,
            });
        }
      }
      // announced before the response ends, so a client that sees the push done sees its effects
      res.end();
    }
  });

  // raw file downloads on the web host (download_url / raw_url)
  r.get('/:owner/:repo/raw/:ref/:path(*)', async (req, res, next) => {
    try {
      const token = tokenFrom(req.headers.authorization);
      const user = token ? svc.userForToken(token) : undefined;
      const rec = svc.repo(req.params.owner, req.params.repo);
      if (!rec || !svc.permissions(rec, user).pull) {
        res.status(404).type('text/plain').send('404: Not Found');
        return;
      }
      const buf = await svc.ctx.git.readFile(
        rec.owner,
        rec.name,
        req.params.ref,
        req.params.path,
      );
      if (!buf) {
        res.status(404).type('text/plain').send('404: Not Found');
        return;
      }
      res.type('text/plain; charset=utf-8').send(buf);
    } catch (e) {
      next(e);
    }
  });

  r.get('/avatars/:login', (req, res) => {
    const letter = (req.params.login[0] ?? '?').toUpperCase();
    res
      .type('image/svg+xml')
      .send(
        `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#6e5494"/><text x="32" y="42" font-size="32" text-anchor="middle" fill="#fff" font-family="sans-serif">${letter.replace(
          /[<>&]/g,
          '',
        )}</text></svg>`,
      );
  });
  return r;
}
