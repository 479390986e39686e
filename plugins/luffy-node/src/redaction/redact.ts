/**
 * Redaction of secrets from text that leaves the backend (prompts, PR bodies, audit rows,
 * logs). Conservative on purpose: a false positive costs a log line's readability, a false
 * negative leaks a credential.
 */

/** The marker that replaces a redacted value. @public */
export const REDACTED = '[REDACTED]';

type Rule = {
  name: string;
  pattern: RegExp;
  replace: (m: string, ...g: string[]) => string;
};

const SECRET_NAME =
  /(pass(word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|session|cookie|signature|dsn|connection[_-]?string|conn[_-]?str|client[_-]?secret)/i;

const RULES: Rule[] = [
  {
    name: 'pem',
    pattern:
      /-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE|PGP PRIVATE KEY BLOCK|OPENSSH PRIVATE KEY)[A-Z ]*-----[\s\S]*?(-----END [A-Z0-9 ]*-----|$)/g,
    replace: () => `${REDACTED}(pem)`,
  },
  {
    // a PEM header whose body is cut across lines/records: drop the base64 continuation too
    name: 'pem-line',
    pattern: /-----(BEGIN|END) [A-Z0-9 ]*PRIVATE KEY-----/g,
    replace: () => `${REDACTED}(pem)`,
  },
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
    replace: () => `${REDACTED}(jwt)`,
  },
  {
    name: 'aws-access-key',
    pattern: /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}\b/g,
    replace: () => `${REDACTED}(aws-key)`,
  },
  {
    name: 'aws-secret',
    pattern:
      /(aws_?secret_?access_?key|aws_?secret)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{30,}/gi,
    replace: (_m, k, sep) => `${k}${sep}${REDACTED}`,
  },
  {
    name: 'github-token',
    pattern: /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
    replace: () => `${REDACTED}(github-token)`,
  },
  {
    name: 'slack-token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
    replace: () => `${REDACTED}(slack-token)`,
  },
  {
    name: 'anthropic-or-openai-key',
    pattern: /\bsk-(ant-)?[A-Za-z0-9_-]{20,}\b/g,
    replace: () => `${REDACTED}(api-key)`,
  },
  {
    name: 'google-api-key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g,
    replace: () => `${REDACTED}(api-key)`,
  },
  {
    name: 'authorization-header',
    pattern:
      /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token|digest)?\s*[^\s"',;]+/gi,
    replace: (_m, h, sep, scheme) =>
      `${h}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`,
  },
  {
    name: 'bearer',
    pattern: /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, b) => `${b} ${REDACTED}`,
  },
  {
    // scheme://user:password@host — keep the user and host, drop the password
    name: 'url-credentials',
    pattern: /\b([a-z][a-z0-9+.-]{1,30}:\/\/)([^\s:/@"']+):([^\s@"']+)@/gi,
    replace: (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`,
  },
  {
    // key=value connection strings: Password=...; pwd=...
    name: 'connection-string-password',
    pattern: /\b(password|pwd)(\s*=\s*)([^;\s"']+)/gi,
    replace: (_m, k, sep) => `${k}${sep}${REDACTED}`,
  },
  {
    // NAME=value / "name": "value" / name: value with a secret-looking name
    name: 'secret-assignment',
    pattern:
      /\b([A-Za-z0-9_.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|client[_-]?secret)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)([^\s"',;}&]{4,})/gi,
    replace: (m, k, sep, v) =>
      v.startsWith(REDACTED) ? m : `${k}${sep}${REDACTED}`,
  },
];

/** Counts what a {@link Redactor} replaced. @public */
export type RedactionStats = { count: number; byRule: Record<string, number> };

/**
 * Redacts text, counting replacements. One instance per context collection, so the count of
 * everything removed from an incident's context is known.
 * @public
 */
export class Redactor {
  readonly stats: RedactionStats = { count: 0, byRule: {} };
  readonly #known: string[];

  /** `knownSecrets`: exact values to remove wherever they appear (e.g. configured tokens). */
  constructor(knownSecrets: Array<string | undefined> = []) {
    this.#known = knownSecrets
      .filter((s): s is string => typeof s === 'string' && s.length >= 6)
      .sort((a, b) => b.length - a.length);
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.#known) {
      if (out.includes(secret)) {
        const n = out.split(secret).length - 1;
        out = out.split(secret).join(REDACTED);
        this.#count('known-secret', n);
      }
    }
    for (const rule of RULES) {
      out = out.replace(rule.pattern, (...args) => {
        const m = args[0] as string;
        const groups = args.slice(1, -2) as string[];
        const r = rule.replace(m, ...groups);
        if (r !== m) this.#count(rule.name, 1);
        return r;
      });
    }
    return out;
  }

  lines(input: string[]): string[] {
    // join so that multi-line secrets (PEM blocks) are seen whole, then split again
    return this.text(input.join('\n')).split('\n');
  }

  /** Deeply redacts strings of a JSON value; values under secret-looking keys are dropped. */
  value<T>(input: T): T {
    const walk = (v: unknown, key?: string): unknown => {
      if (typeof v === 'string') {
        if (key && isSecretName(key) && v.length > 0) {
          this.#count('secret-key', 1);
          return REDACTED;
        }
        return this.text(v);
      }
      if (Array.isArray(v)) return v.map(x => walk(x));
      if (v && typeof v === 'object') {
        return Object.fromEntries(
          Object.entries(v).map(([k, x]) => [k, walk(x, k)]),
        );
      }
      return v;
    };
    return walk(input) as T;
  }

  #count(rule: string, n: number) {
    this.stats.count += n;
    this.stats.byRule[rule] = (this.stats.byRule[rule] ?? 0) + n;
  }
}

/** True for names that look like they hold a secret (env var names, keys). @public */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Redacts one text with a throw-away {@link Redactor}. @public */
export function redactText(input: string, knownSecrets: string[] = []): string {
  return new Redactor(knownSecrets).text(input);
}

type EnvVar = { name: string; value?: string; valueFrom?: any };

/**
 * A container's env as it may be shown to a diagnoser: values from Secrets (`secretKeyRef`)
 * and of secret-looking names are dropped; other values are text-redacted (a connection
 * string's password). Secrets themselves are never read.
 * @public
 */
export function redactEnv(
  env: EnvVar[] | undefined,
  redactor = new Redactor(),
): EnvVar[] {
  return (env ?? []).map(e => {
    if (e.valueFrom?.secretKeyRef) {
      return {
        name: e.name,
        valueFrom: {
          secretKeyRef: {
            name: e.valueFrom.secretKeyRef.name,
            key: e.valueFrom.secretKeyRef.key,
          },
        },
      };
    }
    if (e.value !== undefined && isSecretName(e.name)) {
      redactor.stats.count++;
      redactor.stats.byRule['secret-env'] =
        (redactor.stats.byRule['secret-env'] ?? 0) + 1;
      return { name: e.name, value: REDACTED };
    }
    return e.value === undefined ? e : { ...e, value: redactor.text(e.value) };
  });
}
