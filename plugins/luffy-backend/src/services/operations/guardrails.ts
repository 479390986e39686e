import {
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { CustomErrorBase } from '@backstage/errors';

/**
 * 412: a destructive operation needs a confirmation token. The body carries the token
 * (`error.confirmationToken`, `error.expiresAt`, `error.reason`).
 */
export class ConfirmationRequiredError extends CustomErrorBase {
  name = 'ConfirmationRequiredError' as const;
  readonly statusCode = 412;
  constructor(
    message: string,
    readonly confirmationToken: string,
    readonly expiresAt: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** 429: too many operations; `retryAfterSeconds` is also sent as `Retry-After`. */
export class TooManyOperationsError extends CustomErrorBase {
  name = 'TooManyOperationsError' as const;
  readonly statusCode = 429;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** Stable JSON (sorted keys) for hashing inputs. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter(k => (value as any)[k] !== undefined)
      .map(k => `${JSON.stringify(k)}:${stable((value as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export type ConfirmationBinding = {
  actor: string;
  entityRef: string;
  operation: string;
  input: unknown;
};

/**
 * Confirmation tokens: HMAC-signed, bound to actor + entity + operation + input, expiring.
 * The key is per process unless one is configured (`luffy.operations.confirmationSecret`),
 * so with several replicas configure one.
 */
export function createConfirmationTokens(options: {
  secret?: string;
  ttlMs?: number;
  now?: () => number;
}) {
  const key = options.secret ?? randomBytes(32).toString('hex');
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const digest = (b: ConfirmationBinding, exp: number) =>
    createHmac('sha256', key)
      .update(
        stable({
          a: b.actor,
          e: b.entityRef,
          o: b.operation,
          i: createHash('sha256').update(stable(b.input)).digest('hex'),
          x: exp,
        }),
      )
      .digest('base64url');
  return {
    issue(b: ConfirmationBinding): { token: string; expiresAt: string } {
      const exp = now() + ttlMs;
      return {
        token: `${exp.toString(36)}.${digest(b, exp)}`,
        expiresAt: new Date(exp).toISOString(),
      };
    },
    verify(token: string | undefined, b: ConfirmationBinding): boolean {
      if (!token) return false;
      const [expText, sig] = token.split('.');
      const exp = parseInt(expText ?? '', 36);
      if (!sig || !Number.isFinite(exp) || exp < now()) return false;
      const expected = Buffer.from(digest(b, exp));
      const given = Buffer.from(sig);
      return (
        expected.length === given.length && timingSafeEqual(expected, given)
      );
    },
  };
}

/**
 * Fixed-window counters per key (user, entity): `take(key)` returns the seconds to wait
 * when the key has used its `limit` in the current `windowMs`, else 0.
 */
export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const hits = new Map<string, number[]>();
  return {
    check(key: string): number {
      const t = now();
      const recent = (hits.get(key) ?? []).filter(
        h => h > t - options.windowMs,
      );
      hits.set(key, recent);
      if (recent.length >= options.limit) {
        return Math.max(
          1,
          Math.ceil((recent[0] + options.windowMs - t) / 1000),
        );
      }
      return 0;
    },
    take(key: string) {
      const list = hits.get(key) ?? [];
      list.push(now());
      hits.set(key, list);
    },
  };
}
