import { EventEmitter } from 'node:events';
import type { SandboxContext } from '../../core/context';
import { GitData } from '../gitdata';
import type * as S from '../serialize';
import { emptyData, type Account, type GithubData } from '../state';

export type Viewer = Account | undefined;

/**
 * State, clock, ids and internal events shared by the GitHub service's layers
 * (accounts → repositories → pulls → checks → GithubService, one file each under `service/`).
 */
export class GithubServiceBase {
  data: GithubData = emptyData();
  readonly git: GitData;
  /** Internal events: `webhook` ({owner, repo?, event, payload}), `pull` (PullRecord, action). */
  readonly events = new EventEmitter();
  /** Base URL (scheme://host:port) the family is reachable at; learnt from requests too. */
  baseUrl: string;

  constructor(readonly ctx: SandboxContext) {
    this.git = new GitData(ctx.git);
    this.baseUrl = 'http://127.0.0.1:18083';
    this.events.setMaxListeners(0);
  }

  urls(): S.Urls {
    const base = this.ctx.urls?.github || this.baseUrl;
    return { base, api: `${base}/api/v3` };
  }

  now() {
    return this.ctx.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  nextId() {
    this.data.seq += 1;
    return this.data.seq;
  }

  /** Queues a webhook event; the dispatcher adds repository/sender/organization. */
  emitWebhook(
    owner: string,
    repo: string | undefined,
    event: string,
    payload: Record<string, unknown>,
    sender?: string,
  ) {
    this.events.emit('webhook', { owner, repo, event, payload, sender });
  }
}
