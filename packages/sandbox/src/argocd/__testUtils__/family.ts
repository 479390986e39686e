import type { SandboxContext } from '../../core/context';
import { startFamilyServer, type FamilyServer } from '../../http/server';
import { BOT_AUTHOR } from '../../seed';
import { waitFor } from '../../testing/waitFor';
import { APPLICATIONS } from '../controller';
import { createArgoCdFamily } from '../index';
import type { FakeCluster } from './fakeCluster';
import { startSeededArgoContext } from './index';

export const ARGOCD_TOKEN = 'sandbox-argocd-token';
/** What Roadie's Argo CD backend sends (cross-fetch). */
export const ROADIE_HEADERS = {
  Authorization: `Bearer ${ARGOCD_TOKEN}`,
  'Content-Type': 'application/json',
  Accept: '*/*',
  'User-Agent': 'node-fetch/1.0',
};

/** The nine demo Applications (three services × dev, preprod, prod). */
export const DEMO_APPS = ['checkout', 'recommender', 'inventory'].flatMap(s =>
  ['dev', 'preprod', 'prod'].map(e => `${s}-${e}`),
);

/**
 * The Argo CD family on a free port over a seeded context (`startSeededArgoContext`), for one
 * test file: registers `beforeAll` (start, then wait until every demo Application is Synced and
 * Healthy, so no test depends on another having waited) and `afterAll` (stop). `state` is
 * filled in `beforeAll`; the helpers read it when called.
 */
export function argocdFamilyForTest(prefix = 'sbx-argocd-') {
  const state = {} as {
    ctx: SandboxContext;
    cluster: FakeCluster;
    srv: FamilyServer;
    url: string;
    dispose: () => void;
  };

  /** A request as Roadie's backend makes it; the JSON body parsed. */
  const api = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${state.url}${p}`, {
      ...init,
      headers: { ...ROADIE_HEADERS, ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      headers: res.headers,
    };
  };
  /** The stored Application `name` (namespace argocd). */
  const app = (name: string) =>
    state.cluster.get(APPLICATIONS, 'argocd', name)!;
  /** A commit by the bot on acme/gitops main (`null` deletes a file). */
  const commit = (files: Record<string, string | null>, message = 'change') =>
    state.ctx.git.commitFiles('acme', 'gitops', {
      branch: 'main',
      message,
      author: BOT_AUTHOR,
      files,
    });
  const readRepo = async (p: string) =>
    (await state.ctx.git.readFile('acme', 'gitops', 'main', p))!.toString();
  /** The Application when it is Synced, Healthy and its last operation succeeded. */
  const syncedHealthy = (name: string) => {
    const a = app(name);
    return a?.status?.sync?.status === 'Synced' &&
      a.status.health?.status === 'Healthy' &&
      !a.operation &&
      a.status.operationState?.phase === 'Succeeded'
      ? a
      : undefined;
  };

  beforeAll(async () => {
    const { ctx, cluster, dispose } = await startSeededArgoContext(prefix);
    Object.assign(state, { ctx, cluster, dispose });
    state.srv = await startFamilyServer(
      ctx,
      createArgoCdFamily(ctx),
      0,
      '127.0.0.1',
    );
    state.url = state.srv.url;
    for (const n of DEMO_APPS)
      await waitFor(() => syncedHealthy(n), `${n} Synced/Healthy`);
  });

  afterAll(async () => {
    await state.srv?.close();
    state.dispose?.();
  });

  return { state, api, app, commit, readRepo, syncedHealthy };
}
