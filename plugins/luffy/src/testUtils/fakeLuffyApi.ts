import type {
  DeploymentsResponse,
  Incident,
  IncidentDetail,
  ListResponse,
  LuffyEvent,
  LuffyMetrics,
  PullRequestDetail,
  PullRequestListResponse,
  PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import type { LuffyApi } from '../api';

/** A realistic open pull request of acme/checkout with passing checks. */
export const prFixture = (
  overrides: Partial<PullRequestSummary> = {},
): PullRequestSummary => ({
  repo: 'acme/checkout',
  role: 'source',
  number: 1,
  title: 'Bump express from 4.18.2 to 4.19.2',
  url: 'http://127.0.0.1:18083/acme/checkout/pull/1',
  author: { login: 'alice' },
  createdAt: '2026-12-04T10:00:00.000Z',
  updatedAt: '2026-12-04T10:05:00.000Z',
  isDraft: false,
  labels: [{ name: 'dependencies', color: '0366d6' }],
  headRef: 'bump-express',
  headSha: 'a'.repeat(40),
  baseRef: 'main',
  additions: 1,
  deletions: 1,
  changedFiles: 1,
  reviewDecision: 'review-required',
  mergeable: 'mergeable',
  mergeState: 'clean',
  checks: {
    state: 'success',
    items: [
      {
        name: 'ci/build',
        state: 'success',
        kind: 'check-run',
        url: 'http://ci/build',
      },
      { name: 'ci/test', state: 'success', kind: 'check-run' },
    ],
  },
  healing: false,
  allowedMergeMethods: ['squash', 'merge', 'rebase'],
  blockers: [],
  ...overrides,
});

export const diffFixture = `diff --git a/package.json b/package.json
--- a/package.json
+++ b/package.json
@@ -6,5 +6,5 @@
   "scripts": { "start": "node src/index.js" },
   "dependencies": {
-    "express": "^4.18.2"
+    "express": "^4.19.2"
   }
 }
`;

const WEEKS = ['2026-11-16', '2026-11-23', '2026-11-30'];

/** Metrics of a backend that has seen no incident (the `weeks` of the window, all zero). */
export const emptyMetricsFixture = (): LuffyMetrics => ({
  from: WEEKS[0],
  to: '2026-12-04T12:00:00.000Z',
  weeks: WEEKS,
  incidentsPerWeek: WEEKS.map(week => ({
    week,
    healed: 0,
    failed: 0,
    escalated: 0,
    dismissed: 0,
    open: 0,
  })),
  healsPerWeek: WEEKS.map(week => ({ week, heals: 0, byPullRequest: 0 })),
  timeToHeal: { count: 0, perWeek: [] },
  pullRequestLeadTime: { count: 0, perWeek: [] },
  runbooks: [],
});

/** Metrics of three weeks of healing: heals, runbook outcomes, time to heal, PR lead time. */
export const metricsFixture = (): LuffyMetrics => ({
  ...emptyMetricsFixture(),
  incidentsPerWeek: [
    {
      week: WEEKS[0],
      healed: 1,
      failed: 0,
      escalated: 1,
      dismissed: 0,
      open: 0,
    },
    {
      week: WEEKS[1],
      healed: 2,
      failed: 1,
      escalated: 0,
      dismissed: 1,
      open: 0,
    },
    {
      week: WEEKS[2],
      healed: 0,
      failed: 0,
      escalated: 0,
      dismissed: 0,
      open: 1,
    },
  ],
  healsPerWeek: [
    { week: WEEKS[0], heals: 1, byPullRequest: 0 },
    { week: WEEKS[1], heals: 2, byPullRequest: 2 },
    { week: WEEKS[2], heals: 0, byPullRequest: 0 },
  ],
  timeToHeal: {
    count: 3,
    medianMs: 21 * 60_000,
    perWeek: [
      { week: WEEKS[0], count: 1, medianMs: 12 * 60_000 },
      { week: WEEKS[1], count: 2, medianMs: 25 * 60_000 },
    ],
  },
  pullRequestLeadTime: {
    count: 2,
    medianMs: 8 * 60_000,
    perWeek: [{ week: WEEKS[1], count: 2, medianMs: 8 * 60_000 }],
  },
  runbooks: [
    {
      key: 'raise-memory-limit',
      kind: 'runbook',
      healed: 2,
      failed: 1,
      escalated: 0,
      successRate: 2 / 3,
    },
    {
      key: 'ImagePullBackOff',
      kind: 'reason',
      healed: 0,
      failed: 0,
      escalated: 1,
      successRate: 0,
    },
  ],
});

export type FakeLuffyApi = LuffyApi & {
  calls: Array<{ method: string; args: unknown[] }>;
  emit(event: LuffyEvent): void;
};

/** An in-memory LuffyApi whose answers a test sets per method. */
export function fakeLuffyApi(
  overrides: Partial<LuffyApi> & {
    incidents?: Incident[];
    pullRequests?: PullRequestSummary[];
  } = {},
): FakeLuffyApi {
  const calls: FakeLuffyApi['calls'] = [];
  const listeners = new Set<(e: LuffyEvent) => void>();
  const incidents = overrides.incidents ?? [];
  const page: ListResponse<Incident> = {
    items: incidents,
    totalCount: incidents.length,
  };
  const record =
    <A extends unknown[], R>(method: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      calls.push({ method, args });
      return fn(...args);
    };
  const prs = overrides.pullRequests ?? [];
  const list: PullRequestListResponse = {
    items: prs,
    repos: [
      {
        repo: 'acme/checkout',
        role: 'source',
        allowedMergeMethods: ['squash', 'merge', 'rebase'],
      },
    ],
    fetchedAt: '2026-12-04T10:06:00.000Z',
  };
  const detail = (pr: PullRequestSummary): PullRequestDetail => ({
    pullRequest: pr,
    files: [
      {
        filename: 'package.json',
        status: 'modified',
        additions: 1,
        deletions: 1,
        generated: false,
        large: false,
      },
    ],
    diff: diffFixture,
  });
  const deployments: DeploymentsResponse = {
    environments: [
      {
        environment: 'dev',
        application: 'checkout-dev',
        syncStatus: 'Synced',
        healthStatus: 'Healthy',
        revision: 'b'.repeat(40),
        unhealthyResources: [],
      },
    ],
  };
  const api: FakeLuffyApi = {
    calls,
    emit: e => listeners.forEach(l => l(e)),
    getHealth: async () => ({ status: 'ok' }),
    listIncidents: record('listIncidents', async () => page),
    listEntityIncidents: record('listEntityIncidents', async () => page),
    getMetrics: record('getMetrics', async () => emptyMetricsFixture()),
    getIncident: record('getIncident', async (id: string) => {
      const i = incidents.find(x => x.id === id);
      if (!i) throw new Error(`no incident ${id}`);
      return { ...i, timeline: [] } as IncidentDetail;
    }),
    approveIncident: record('approveIncident', async (id: string) => ({
      ...(incidents.find(x => x.id === id) as Incident),
      status: 'fixing' as const,
      timeline: [],
    })),
    dismissIncident: record('dismissIncident', async (id: string) => ({
      ...(incidents.find(x => x.id === id) as Incident),
      status: 'dismissed' as const,
      timeline: [],
    })),
    listPullRequests: record('listPullRequests', async () => list),
    getPullRequest: record(
      'getPullRequest',
      async (_e: unknown, _r: string, n: number) =>
        detail(prs.find(p => p.number === n) ?? prFixture({ number: n })),
    ),
    mergePullRequest: record('mergePullRequest', async () => ({
      merged: true as const,
      sha: 'c'.repeat(40),
      mergedBy: 'alice',
      actedAs: 'user' as const,
      approved: true,
    })),
    getDeployments: record('getDeployments', async () => deployments),
    streamEvents: (_options, onEvent) => {
      listeners.add(onEvent);
      return { close: () => listeners.delete(onEvent) };
    },
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (typeof v === 'function') {
      (api as any)[k] = record(k, v as any);
    }
  }
  return api;
}
