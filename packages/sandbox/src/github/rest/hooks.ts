import express from 'express';
import type { GithubService } from '../service';
import * as S from '../serialize';
import { GhError, h, notFound, missingField } from '../errors';
import { needViewer, paginate, viewerOf } from './common';
import type { DeliveryRecord, HookRecord } from '../state';
import type { WebhookDispatcher } from '../webhooks';
import { ZERO_SHA, type PushEvent } from '../../core/git';

/** Repository and organization hooks, deliveries and pings. */
export function hooksRouter(
  svc: GithubService,
  dispatcher: WebhookDispatcher,
): express.Router {
  const r = express.Router();
  const scope = (req: express.Request) => {
    const v = needViewer(req);
    if (req.params.repo) {
      const rec = svc.writable(req.params.owner, req.params.repo, v, 'admin');
      return { owner: rec.owner, repo: rec.name as string | undefined };
    }
    const org = svc.mustOrg(req.params.org);
    if (org.members?.[v.login] !== 'admin') throw new GhError(404, 'Not Found');
    return { owner: org.login, repo: undefined };
  };
  const hooksOf = (s: { owner: string; repo?: string }) =>
    svc.data.hooks.filter(x => x.owner === s.owner && x.repo === s.repo);
  const hookById = (s: { owner: string; repo?: string }, id: string) => {
    const found = hooksOf(s).find(x => String(x.id) === id);
    if (!found) throw notFound();
    return found;
  };
  /** GitHub's `ping` event, to one hook (on creation and on POST .../pings). */
  const ping = (
    s: { owner: string; repo?: string },
    hook: HookRecord,
    req: express.Request,
  ) =>
    dispatcher.dispatch(
      s.owner,
      s.repo,
      'ping',
      { zen: 'Keep it logically awesome.' },
      req.ghViewer?.login,
      hook,
    );
  const configJson = (hook: HookRecord) => S.hook(svc.urls(), hook).config;
  const deliveryById = (hook: HookRecord, id: string) => {
    const d = svc.data.deliveries.find(
      x => x.hook_id === hook.id && String(x.id) === id,
    );
    if (!d) throw notFound();
    return d;
  };
  const hookUrl = (hook: HookRecord) =>
    hook.repo
      ? `${svc.urls().api}/repos/${hook.owner}/${hook.repo}/hooks/${hook.id}`
      : `${svc.urls().api}/orgs/${hook.owner}/hooks/${hook.id}`;
  const deliveryJson = (d: DeliveryRecord, full = false) => ({
    id: d.id,
    guid: d.guid,
    delivered_at: d.delivered_at,
    redelivery: d.redelivery,
    duration: d.duration,
    status: d.status,
    status_code: d.status_code,
    event: d.event,
    action: d.action,
    installation_id: null,
    repository_id: d.repository_id,
    throttled_at: null,
    ...(full
      ? {
          url: `${hookUrl(
            svc.data.hooks.find(x => x.id === d.hook_id)!,
          )}/deliveries/${d.id}`,
          request: d.request,
          response: d.response,
        }
      : {}),
  });

  for (const base of ['/repos/:owner/:repo/hooks', '/orgs/:org/hooks']) {
    r.get(
      base,
      h((req, res) => {
        const s = scope(req);
        res.json(
          paginate(req, res, hooksOf(s)).map(x => S.hook(svc.urls(), x)),
        );
      }),
    );
    r.post(
      base,
      h((req, res) => {
        const s = scope(req);
        const b = req.body ?? {};
        if (!b.config?.url) throw missingField('Hook', 'url');
        if (hooksOf(s).some(x => x.config.url === b.config.url)) {
          throw new GhError(422, 'Validation Failed', {
            errors: [
              {
                resource: 'Hook',
                code: 'custom',
                message: 'Hook already exists on this repository',
              },
            ],
          });
        }
        const now = svc.now();
        const hook: HookRecord = {
          id: svc.nextId(),
          owner: s.owner,
          ...(s.repo ? { repo: s.repo } : {}),
          name: 'web',
          active: b.active ?? true,
          events: b.events ?? ['push'],
          config: {
            url: b.config.url,
            content_type: b.config.content_type === 'form' ? 'form' : 'json',
            secret: b.config.secret,
            insecure_ssl: String(b.config.insecure_ssl ?? '0'),
          },
          created_at: now,
          updated_at: now,
          last_response: { code: null, status: 'unused', message: null },
        };
        svc.data.hooks.push(hook);
        ping(s, hook, req);
        res.status(201).json(S.hook(svc.urls(), hook));
      }),
    );
    r.get(
      `${base}/:id(\\d+)`,
      h((req, res) => {
        res.json(S.hook(svc.urls(), hookById(scope(req), req.params.id)));
      }),
    );
    r.patch(
      `${base}/:id(\\d+)`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        const b = req.body ?? {};
        if (b.active !== undefined) hook.active = !!b.active;
        if (Array.isArray(b.events)) hook.events = b.events;
        if (Array.isArray(b.add_events))
          hook.events = [...new Set([...hook.events, ...b.add_events])];
        if (Array.isArray(b.remove_events))
          hook.events = hook.events.filter(e => !b.remove_events.includes(e));
        if (b.config) hook.config = { ...hook.config, ...b.config };
        hook.updated_at = svc.now();
        res.json(S.hook(svc.urls(), hook));
      }),
    );
    r.delete(
      `${base}/:id(\\d+)`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        svc.data.hooks = svc.data.hooks.filter(x => x !== hook);
        res.status(204).end();
      }),
    );
    r.post(
      `${base}/:id(\\d+)/pings`,
      h((req, res) => {
        const s = scope(req);
        const hook = hookById(s, req.params.id);
        ping(s, hook, req);
        res.status(204).end();
      }),
    );
    r.get(
      `${base}/:id(\\d+)/deliveries`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        const list = svc.data.deliveries
          .filter(d => d.hook_id === hook.id)
          .sort((a, b) => b.id - a.id);
        res.json(paginate(req, res, list).map(d => deliveryJson(d)));
      }),
    );
    r.get(
      `${base}/:id(\\d+)/deliveries/:delivery(\\d+)`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        res.json(deliveryJson(deliveryById(hook, req.params.delivery), true));
      }),
    );
    r.post(
      `${base}/:id(\\d+)/deliveries/:delivery(\\d+)/attempts`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        dispatcher.redeliver(hook, deliveryById(hook, req.params.delivery));
        res.status(202).json({});
      }),
    );
    r.get(
      `${base}/:id(\\d+)/config`,
      h((req, res) => {
        res.json(configJson(hookById(scope(req), req.params.id)));
      }),
    );
    r.patch(
      `${base}/:id(\\d+)/config`,
      h((req, res) => {
        const hook = hookById(scope(req), req.params.id);
        const b = req.body ?? {};
        if (b.url !== undefined) {
          if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url))
            throw new GhError(422, 'Validation Failed', {
              errors: [
                {
                  resource: 'Hook',
                  code: 'custom',
                  field: 'url',
                  message: 'url is not a valid URL',
                },
              ],
            });
          hook.config.url = b.url;
        }
        if (b.content_type !== undefined)
          hook.config.content_type =
            b.content_type === 'form' ? 'form' : 'json';
        if (b.secret !== undefined) hook.config.secret = b.secret || undefined;
        if (b.insecure_ssl !== undefined)
          hook.config.insecure_ssl = String(b.insecure_ssl);
        hook.updated_at = svc.now();
        res.json(configJson(hook));
      }),
    );
  }

  /** GitHub's "test" of a push hook: the latest push on the default branch, to that hook only. */
  for (const test of ['tests', 'test']) {
    r.post(
      `/repos/:owner/:repo/hooks/:id(\\d+)/${test}`,
      h(async (req, res) => {
        const s = scope(req);
        const hook = hookById(s, req.params.id);
        const rec = svc.repo(s.owner, s.repo!)!;
        const after = await svc.ctx.git.resolve(
          rec.owner,
          rec.name,
          `refs/heads/${rec.default_branch}`,
        );
        if (
          after &&
          (hook.events.includes('push') || hook.events.includes('*'))
        ) {
          const parent = (await svc.git.commit(rec.owner, rec.name, after))
            ?.parents[0];
          const e: PushEvent = {
            owner: rec.owner,
            repo: rec.name,
            ref: `refs/heads/${rec.default_branch}`,
            before: parent ?? ZERO_SHA,
            after,
            pusher: req.ghViewer?.login ?? 'luffy-bot',
          };
          const payload = await dispatcher.pushPayload(e, rec);
          dispatcher.dispatch(
            rec.owner,
            rec.name,
            'push',
            payload,
            e.pusher,
            hook,
          );
        }
        res.status(204).end();
      }),
    );
  }
  void viewerOf;
  return r;
}
