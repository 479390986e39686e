import type express from 'express';

export const DOCS = 'https://docs.github.com/rest';

/** An error answered with GitHub's error body (`message`, `documentation_url`, `errors`). */
export class GhError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    message: string,
    extra: {
      errors?: unknown[];
      documentation_url?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.status = status;
    this.headers = extra.headers;
    this.body = {
      message,
      ...(extra.errors ? { errors: extra.errors } : {}),
      documentation_url: extra.documentation_url ?? DOCS,
      status: String(status),
    };
  }
}

export const notFound = () => new GhError(404, 'Not Found');
export const badCredentials = () => new GhError(401, 'Bad credentials');
export const requiresAuth = () => new GhError(401, 'Requires authentication');
export const forbidden = (message = 'Resource not accessible by integration') =>
  new GhError(403, message);

/** 422 Validation Failed with GitHub's `errors` array. */
export function validation(
  errors: Array<{
    resource: string;
    field?: string;
    code: string;
    message?: string;
  }>,
  message = 'Validation Failed',
) {
  return new GhError(422, message, { errors });
}

export function missingField(resource: string, field: string) {
  return validation([{ resource, field, code: 'missing_field' }]);
}

/** Wraps an async route handler so rejected promises reach express's error handler. */
export function h(
  fn: (
    req: express.Request,
    res: express.Response,
  ) => Promise<unknown> | unknown,
): express.RequestHandler {
  return (req, res, next) => {
    // readable request-counter keys: drop the param patterns (`:number(\\d+)` → `:number`)
    const route = req.route?.path;
    if (typeof route === 'string') {
      (req as any).sandboxRoute = `${req.baseUrl}${route.replace(
        /\((?:[^()]|\([^()]*\))*\)\??/g,
        '',
      )}`;
    }
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };
}

export function ghErrorHandler(): express.ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (err instanceof GhError) {
      if (err.headers) res.set(err.headers);
      res.status(err.status).json(err.body);
      return;
    }
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({
        message: 'Problems parsing JSON',
        documentation_url: DOCS,
        status: '400',
      });
      return;
    }
    next(err);
  };
}
