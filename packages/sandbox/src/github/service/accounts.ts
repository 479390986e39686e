import { notFound } from '../errors';
import type { Account, AccountType } from '../state';
import { GithubServiceBase } from './base';

/** Accounts and tokens: users, organizations, memberships, OAuth/static tokens. */
export class AccountsService extends GithubServiceBase {
  account(login: string | undefined): Account | undefined {
    return login ? this.data.accounts[login.toLowerCase()] : undefined;
  }

  mustAccount(login: string): Account {
    const a = this.account(login);
    if (!a) throw notFound();
    return a;
  }

  /** The organization `login`; 404 when there is none (or it is a user). */
  mustOrg(login: string): Account {
    const a = this.account(login);
    if (!a || a.type !== 'Organization') throw notFound();
    return a;
  }

  ensureAccount(
    login: string,
    type: AccountType,
    extra: Partial<Account> = {},
  ): Account {
    const existing = this.account(login);
    if (existing) return existing;
    const a: Account = {
      id: this.nextId(),
      login,
      type,
      name: extra.name ?? null,
      email:
        extra.email ??
        (type === 'Organization'
          ? null
          : `${login}@users.noreply.sandbox.local`),
      created_at: this.now(),
      ...(type === 'Organization' ? { members: {} } : {}),
      ...extra,
    };
    this.data.accounts[login.toLowerCase()] = a;
    return a;
  }

  /** Static tokens from ctx.tokens, extra ones from OAuth or `issueToken`. */
  userForToken(token: string): Account | undefined {
    const t = this.ctx.tokens;
    const statics: Record<string, string> = {
      [t.githubBot]: 'luffy-bot',
      [t.githubAlice]: 'alice',
      'sandbox-guest-token': 'guest',
    };
    const login = Object.hasOwn(statics, token)
      ? statics[token]
      : this.data.tokens[token];
    if (!login) return undefined;
    return this.ensureAccount(login, login === 'luffy-bot' ? 'Bot' : 'User');
  }

  issueToken(login: string, prefix = 'gho_'): string {
    const token = `${prefix}sandbox${Math.random()
      .toString(36)
      .slice(2)}${Date.now().toString(36)}`;
    this.data.tokens[token] = login;
    return token;
  }

  /** Maps a commit author to an account (noreply address, account email or login as name). */
  accountForEmail(email: string, name: string): Account | undefined {
    const lower = email.toLowerCase();
    for (const a of Object.values(this.data.accounts)) {
      if (a.type === 'Organization') continue;
      if (a.email?.toLowerCase() === lower) return a;
      if (lower === `${a.login.toLowerCase()}@users.noreply.sandbox.local`)
        return a;
    }
    return this.account(name);
  }

  gitAuthor(a: Account) {
    return {
      name: a.name ?? a.login,
      email: a.email ?? `${a.login}@users.noreply.sandbox.local`,
    };
  }

  isMember(org: Account, login: string | undefined) {
    return !!login && !!org.members?.[login];
  }
}
