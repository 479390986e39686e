import crypto from 'node:crypto';
import pLimit from 'p-limit';
import type { GithubService } from './service';
import type { PushEvent } from '../core/git';
import { ZERO_SHA } from '../core/git';
import * as S from './serialize';
import type {
  DeliveryRecord,
  HookRecord,
  PullRecord,
  RepoRecord,
  ReviewRecord,
} from './state';
import { pullFullJson } from './rest/pulls';
import { signPayload, signPayloadSha1 } from './signature';

export { signPayload } from './signature';

const MAX_DELIVERIES = 200;

/**
 * Delivers webhook events to repository and organization hooks: JSON body, X-GitHub-Event,
 * X-GitHub-Delivery, X-GitHub-Hook-ID, X-Hub-Signature-256 (when a secret is set) and
 * User-Agent GitHub-Hookshot/sandbox. Fire-and-forget with a 5 s timeout; every attempt is
 * recorded as a delivery (GET /repos/:o/:r/hooks/:id/deliveries).
 */
export class WebhookDispatcher {
  pending = new Set<Promise<unknown>>();
  /** At most three payloads built at once (git-heavy). */
  #limit = pLimit(3);

  constructor(private readonly svc: GithubService) {}

  start() {
    this.svc.events.on(
      'webhook',
      (e: {
        owner: string;
        repo?: string;
        event: string;
        payload: Record<string, unknown>;
        sender?: string;
      }) => {
        this.dispatch(e.owner, e.repo, e.event, e.payload, e.sender);
      },
    );
    // hooks are chosen when the event happens, payloads are built afterwards
    this.svc.events.on('push', (e: PushEvent, rec: RepoRecord) => {
      const hooks = this.hooksFor(rec.owner, rec.name, 'push');
      if (!hooks.length) return;
      this.#limit(() => this.pushPayload(e, rec))
        .then(payload =>
          this.dispatch(rec.owner, rec.name, 'push', payload, e.pusher, hooks),
        )
        .catch(err => this.#failed('push', rec.owner, rec.name, err));
    });
    this.svc.events.on(
      'pull',
      (p: PullRecord, action: string, user?: { login: string }) => {
        const rec = this.svc.repo(p.owner, p.repo);
        const hooks = this.hooksFor(p.owner, p.repo, 'pull_request');
        if (!rec || !hooks.length) return;
        pullFullJson(this.svc, rec, p)
          .then(pr =>
            this.dispatch(
              p.owner,
              p.repo,
              'pull_request',
              { action, number: p.number, pull_request: pr },
              user?.login ?? p.user,
              hooks,
            ),
          )
          .catch(err => this.#failed('pull_request', p.owner, p.repo, err));
      },
    );
    this.svc.events.on(
      'review',
      (p: PullRecord, rv: ReviewRecord, action: string) => {
        const rec = this.svc.repo(p.owner, p.repo);
        const hooks = this.hooksFor(p.owner, p.repo, 'pull_request_review');
        if (!rec || !hooks.length) return;
        const review = S.review(
          this.svc.urls(),
          rv,
          this.svc.account(rec.owner)!,
          this.svc.account(rv.user)!,
        );
        pullFullJson(this.svc, rec, p)
          .then(pr =>
            this.dispatch(
              p.owner,
              p.repo,
              'pull_request_review',
              {
                action,
                review: { ...review, state: rv.state.toLowerCase() },
                pull_request: pr,
              },
              rv.user,
              hooks,
            ),
          )
          .catch(err =>
            this.#failed('pull_request_review', p.owner, p.repo, err),
          );
      },
    );
  }

  /** A payload that could not be built: logged, no delivery (GitHub drops such events too). */
  #failed(event: string, owner: string, repo: string, err: unknown) {
    this.svc.ctx.logger.warn('github webhook payload failed', {
      event,
      repository: `${owner}/${repo}`,
      error: err instanceof Error ? err.message : String(err),
    });
  }

  async pushPayload(e: PushEvent, rec: RepoRecord) {
    const u = this.svc.urls();
    const full = `${rec.owner}/${rec.name}`;
    const created = e.before === ZERO_SHA;
    const deleted = e.after === ZERO_SHA;
    const commits = deleted
      ? []
      : await this.svc.git.log(
          rec.owner,
          rec.name,
          created ? [e.after] : [`${e.before}..${e.after}`],
          { reverse: true, max: 20 },
        );
    const toCommit = async (c: (typeof commits)[number]) => {
      const parent = c.parents[0];
      const files = parent
        ? await this.svc.git.diff(rec.owner, rec.name, parent, c.sha)
        : [];
      return {
        id: c.sha,
        tree_id: c.tree,
        distinct: true,
        message: c.message,
        timestamp: c.committer.date,
        url: `${u.base}/${full}/commit/${c.sha}`,
        author: {
          name: c.author.name,
          email: c.author.email,
          username: this.svc.accountForEmail(c.author.email, c.author.name)
            ?.login,
        },
        committer: {
          name: c.committer.name,
          email: c.committer.email,
          username: this.svc.accountForEmail(
            c.committer.email,
            c.committer.name,
          )?.login,
        },
        added: files.filter(f => f.status === 'added').map(f => f.filename),
        removed: files.filter(f => f.status === 'removed').map(f => f.filename),
        modified: files
          .filter(f => !['added', 'removed'].includes(f.status))
          .map(f => f.filename),
      };
    };
    const list = await Promise.all(commits.map(toCommit));
    const pusher = this.svc.account(e.pusher);
    return {
      ref: e.ref,
      before: e.before,
      after: e.after,
      created,
      deleted,
      forced:
        !created &&
        !deleted &&
        !(await this.svc.git.isAncestor(
          rec.owner,
          rec.name,
          e.before,
          e.after,
        )),
      base_ref: null,
      compare: `${u.base}/${full}/compare/${e.before.slice(
        0,
        12,
      )}...${e.after.slice(0, 12)}`,
      commits: list,
      head_commit: list.length ? list[list.length - 1] : null,
      pusher: { name: pusher?.login ?? e.pusher, email: pusher?.email ?? null },
    };
  }

  /** The repository object of webhook payloads (no `organization` object, unlike REST). */
  webhookRepo(rec: RepoRecord) {
    const { organization: _o, ...repo } = this.svc.serializeRepo(rec);
    return repo;
  }

  hooksFor(owner: string, repo: string | undefined, event: string) {
    return this.svc.data.hooks.filter(
      x =>
        x.active &&
        x.owner.toLowerCase() === owner.toLowerCase() &&
        (x.repo === undefined ||
          (repo !== undefined &&
            x.repo.toLowerCase() === repo.toLowerCase())) &&
        (x.events.includes(event) ||
          x.events.includes('*') ||
          event === 'ping'),
    );
  }

  dispatch(
    owner: string,
    repo: string | undefined,
    event: string,
    payload: Record<string, unknown>,
    sender?: string,
    only?: HookRecord | HookRecord[],
  ) {
    let hooks = only ? [only].flat() : undefined;
    hooks ??= this.hooksFor(owner, repo, event);
    if (!hooks.length) return;
    const ownerAcct = this.svc.account(owner);
    const rec = repo ? this.svc.repo(owner, repo) : undefined;
    const body: Record<string, unknown> = {
      ...payload,
      ...(rec ? { repository: this.webhookRepo(rec) } : {}),
      ...(ownerAcct?.type === 'Organization'
        ? { organization: S.orgSimple(this.svc.urls(), ownerAcct) }
        : {}),
      sender: this.svc.simpleUser(sender ?? 'luffy-bot'),
    };
    for (const hook of hooks) {
      const p = this.deliver(
        hook,
        event,
        {
          ...body,
          ...(event === 'ping'
            ? { hook_id: hook.id, hook: S.hook(this.svc.urls(), hook) }
            : {}),
        },
        rec?.id ?? null,
      );
      this.pending.add(p);
      p.finally(() => this.pending.delete(p));
    }
  }

  async deliver(
    hook: HookRecord,
    event: string,
    payload: Record<string, unknown>,
    repositoryId: number | null,
    /** A delivery to send again: same X-GitHub-Delivery, recorded with `redelivery: true`. */
    redeliveryOf?: DeliveryRecord,
  ): Promise<DeliveryRecord> {
    const json = JSON.stringify(payload);
    const guid = redeliveryOf?.guid ?? crypto.randomUUID();
    const headers: Record<string, string> = {
      'content-type':
        hook.config.content_type === 'form'
          ? 'application/x-www-form-urlencoded'
          : 'application/json',
      'user-agent': 'GitHub-Hookshot/sandbox',
      'x-github-event': event,
      'x-github-delivery': guid,
      'x-github-hook-id': String(hook.id),
      'x-github-hook-installation-target-type': hook.repo
        ? 'repository'
        : 'organization',
      'x-github-hook-installation-target-id': String(
        repositoryId ?? this.svc.account(hook.owner)?.id ?? 0,
      ),
    };
    const bodyText =
      hook.config.content_type === 'form'
        ? new URLSearchParams({ payload: json }).toString()
        : json;
    if (hook.config.secret) {
      headers['x-hub-signature-256'] = await signPayload(
        hook.config.secret,
        bodyText,
      );
      headers['x-hub-signature'] = signPayloadSha1(
        hook.config.secret,
        bodyText,
      );
    }
    const started = Date.now();
    let status = 0;
    let statusText = 'failed to connect to host';
    let responseText: string | null = null;
    let responseHeaders: Record<string, string> = {};
    try {
      const res = await fetch(hook.config.url, {
        method: 'POST',
        headers,
        body: bodyText,
        signal: AbortSignal.timeout(5000),
      });
      status = res.status;
      statusText = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
      responseHeaders = Object.fromEntries(res.headers.entries());
      responseText = (await res.text()).slice(0, 10_000);
    } catch (e) {
      statusText =
        (e as Error).name === 'TimeoutError'
          ? 'timed out'
          : 'failed to connect to host';
    }
    const d: DeliveryRecord = {
      id: this.svc.nextId(),
      guid,
      hook_id: hook.id,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
      status_code: status,
      status: statusText,
      delivered_at: new Date(started).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      duration: (Date.now() - started) / 1000,
      redelivery: !!redeliveryOf,
      repository_id: repositoryId,
      request: { headers, payload },
      response: { headers: responseHeaders, payload: responseText },
    };
    hook.last_response = {
      code: status || null,
      status: status >= 200 && status < 300 ? 'active' : 'misconfigured',
      message: statusText,
    };
    this.svc.data.deliveries.push(d);
    if (this.svc.data.deliveries.length > MAX_DELIVERIES)
      this.svc.data.deliveries.splice(
        0,
        this.svc.data.deliveries.length - MAX_DELIVERIES,
      );
    return d;
  }

  /** Sends a recorded delivery again (POST …/deliveries/:id/attempts). */
  redeliver(hook: HookRecord, d: DeliveryRecord) {
    const p = this.deliver(
      hook,
      d.event,
      d.request.payload as Record<string, unknown>,
      d.repository_id,
      d,
    );
    this.pending.add(p);
    p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every delivery in flight has finished (tests). */
  async idle() {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
