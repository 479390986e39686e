import { InputError } from '@backstage/errors';

/** A DNS label (RFC 1123): lower case letters, digits and '-', not at either end. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Customer and environment names: DNS labels of `min`–`max` characters. */
export function assertDnsLabel(
  value: unknown,
  what: string,
  { min = 1, max = 63 }: { min?: number; max?: number } = {},
): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || !DNS_LABEL.test(value)) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a DNS label: use ${min}–${max} lower-case letters, digits or '-', starting and ending with a letter or digit (it names a namespace, a hostname and an Argo CD application)`,
    );
  }
  return value;
}

/** A host name (RFC 1123): labels joined by dots, ≤ 253 characters; no scheme, port or path. */
export function assertHostname(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 253 || value.length < 1) {
    throw new InputError(`${what} ${JSON.stringify(value)} is not a host name (1–253 characters)`);
  }
  const labels = value.split('.');
  if (labels.some(l => l.length > 63 || !DNS_LABEL.test(l))) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a host name: lower-case labels of letters, digits and '-' separated by dots, without scheme, port or path (e.g. apps.example.com)`,
    );
  }
  return value;
}

const GITHUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$/;

/** A repository reference: `owner/repo`, `https://host/owner/repo(.git)` or `host?owner=o&repo=r`. */
export function parseRepoRef(value: unknown, what: string): { owner: string; repo: string; host?: string } {
  if (typeof value !== 'string' || !value.trim()) {
    throw new InputError(`${what} is empty: give owner/repo or the repository URL`);
  }
  const raw = value.trim();
  let owner: string | undefined;
  let repo: string | undefined;
  let host: string | undefined;
  if (raw.includes('?')) {
    const [h, q] = raw.split('?', 2);
    const params = new URLSearchParams(q);
    host = h || undefined;
    owner = params.get('owner') ?? undefined;
    repo = params.get('repo') ?? undefined;
  } else if (/^[a-z]+:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InputError(`${what} ${JSON.stringify(raw)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InputError(`${what} ${JSON.stringify(raw)}: only http(s) URLs are accepted`);
    }
    const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
    if (parts.length !== 2) {
      throw new InputError(`${what} ${JSON.stringify(raw)} must point at a repository: https://<host>/<owner>/<repo>`);
    }
    host = url.host;
    [owner, repo] = parts;
  } else {
    const parts = raw.replace(/\.git$/, '').split('/');
    if (parts.length !== 2) {
      throw new InputError(`${what} ${JSON.stringify(raw)} must be owner/repo (or a repository URL)`);
    }
    [owner, repo] = parts;
  }
  if (!owner || !GITHUB_NAME.test(owner) || !repo || !GITHUB_NAME.test(repo) || repo === '.' || repo === '..' || repo.includes('..')) {
    throw new InputError(
      `${what} ${JSON.stringify(raw)} has an invalid owner or repository name: letters, digits, '.', '-' or '_' only`,
    );
  }
  return { owner, repo, ...(host ? { host } : {}) };
}

/** A relative path inside a repository: no '..', no absolute path, no empty segment. */
export function assertRepoPath(value: unknown, what: string): string {
  if (
    typeof value !== 'string' ||
    !value ||
    value.startsWith('/') ||
    value.includes('\\') ||
    value.split('/').some(s => !s || s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s))
  ) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a safe relative path: folders of letters, digits, '.', '-' or '_', no '..' and no leading '/'`,
    );
  }
  return value;
}

/** A GitHub Actions secret name. */
export function assertSecretName(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(value) || /^GITHUB_/i.test(value)) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a valid secret name: letters, digits and '_', not starting with a digit or GITHUB_`,
    );
  }
  return value;
}

/** Host of an ingress: `<customer>.<env>.<base>`, or `<customer>.<base>` for prod when `prodDropsEnv`. */
export function environmentHostname(customer: string, env: string, base: string, prodDropsEnv: boolean): string {
  const host = prodDropsEnv && env === 'prod' ? `${customer}.${base}` : `${customer}.${env}.${base}`;
  return assertHostname(host, `Hostname for ${env}`);
}
