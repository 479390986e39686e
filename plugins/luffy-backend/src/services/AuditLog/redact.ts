/** Replacement stored in place of a secret value. */
export const REDACTED = '[REDACTED]';

// Keys whose values are secrets, compared without case, `-`, `_`, `.` or spaces:
// token, accessToken, github_token, x-api-key, client-secret, password, passwd,
// authorization, cookie, privateKey, "private key", credentials, webhookSecret…
const SECRET_KEY =
  /(token|secret|passw(or)?d|passphrase|authori[sz]ation|apikey|privatekey|credential|cookie|sessionid|signature|bearer)/;

/** Values that look like secrets whatever their key (PEM blocks, bearer headers, GitHub tokens). */
const SECRET_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{10,}/g,
];

/** Whether a key names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_.\s]/g, ''));
}

function redactString(value: string): string {
  return SECRET_VALUE.reduce((s, re) => s.replace(re, REDACTED), value);
}

/**
 * A copy of `value` safe for the audit trail and logs: values under secret-looking keys (at
 * any depth, in arrays too) become `[REDACTED]`, and strings that look like a token or a
 * private key are masked wherever they are. Cycles and non-plain objects are handled.
 */
export function redactSecrets(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Error)
      return { name: v.name, message: redactString(v.message) };
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) {
      out[k] =
        isSecretKey(k) && inner !== undefined && inner !== null
          ? REDACTED
          : walk(inner);
    }
    return out;
  };
  return walk(value);
}
