import type {
  IncidentStatus,
  LuffyMetrics,
  MetricsDuration,
  MetricsIncidentWeek,
  MetricsRunbook,
} from '@openluffy/plugin-luffy-common';

const DAY = 24 * 60 * 60_000;
const WEEK = 7 * DAY;

/** What the metrics read of one incident (times in epoch ms). */
export type MetricsIncident = {
  id: string;
  reason: string;
  status: IncidentStatus;
  /** The diagnosis' runbook id, when it named one. */
  runbookId?: string;
  pullRequestState?: 'open' | 'merged' | 'closed';
  createdAt: number;
  resolvedAt?: number;
  /** The healing PR was opened: the first `diagnosing → awaiting-approval` transition. */
  pullRequestOpenedAt?: number;
  /** The healing PR was merged: the last transition to `fixing`, when the PR is merged. */
  pullRequestMergedAt?: number;
};

/** Monday 00:00 UTC of the week a time falls in, in epoch ms. */
export function mondayOf(ms: number): number {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

const weekKey = (ms: number) =>
  new Date(mondayOf(ms)).toISOString().slice(0, 10);

/** The median of the numbers (mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Detection → healed of a healed incident, in ms. */
export function timeToHealMs(i: MetricsIncident): number | undefined {
  if (i.status !== 'healed' || i.resolvedAt === undefined) return undefined;
  const ms = i.resolvedAt - i.createdAt;
  return ms >= 0 ? ms : undefined;
}

/** Healing PR opened → merged, in ms (only for a PR that was merged). */
export function pullRequestLeadTimeMs(i: MetricsIncident): number | undefined {
  if (
    i.pullRequestState !== 'merged' ||
    i.pullRequestOpenedAt === undefined ||
    i.pullRequestMergedAt === undefined
  ) {
    return undefined;
  }
  const ms = i.pullRequestMergedAt - i.pullRequestOpenedAt;
  return ms >= 0 ? ms : undefined;
}

/** healed / (healed + failed + escalated); undefined when none finished that way. */
export function successRate(o: {
  healed: number;
  failed: number;
  escalated: number;
}): number | undefined {
  const total = o.healed + o.failed + o.escalated;
  return total ? o.healed / total : undefined;
}

function duration(
  samples: Array<{ at: number; ms: number }>,
  inWindow: (at: number) => boolean,
): MetricsDuration {
  const kept = samples.filter(s => inWindow(s.at));
  const byWeek = new Map<string, number[]>();
  for (const s of kept) {
    const w = weekKey(s.at);
    byWeek.set(w, [...(byWeek.get(w) ?? []), s.ms]);
  }
  return {
    count: kept.length,
    medianMs: median(kept.map(s => s.ms)),
    perWeek: [...byWeek.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([week, xs]) => ({ week, count: xs.length, medianMs: median(xs)! })),
  };
}

/**
 * The metrics of `GET /metrics` over the `weeks` weeks ending with the week of `now`:
 * incidents detected per week by outcome, heals per week (by week healed), success rate per
 * runbook (incidents finished in the window), median time to heal (by week healed) and median
 * healing PR lead time (by week merged).
 */
export function computeMetrics(
  incidents: readonly MetricsIncident[],
  options: { now: number; weeks: number },
): LuffyMetrics {
  const from = mondayOf(options.now) - (options.weeks - 1) * WEEK;
  const weeks = Array.from({ length: options.weeks }, (_, k) =>
    new Date(from + k * WEEK).toISOString().slice(0, 10),
  );
  const inWindow = (at: number) => at >= from && at <= options.now;

  const detected = new Map<string, MetricsIncidentWeek>(
    weeks.map(week => [
      week,
      { week, healed: 0, failed: 0, escalated: 0, dismissed: 0, open: 0 },
    ]),
  );
  const heals = new Map(
    weeks.map(week => [week, { week, heals: 0, byPullRequest: 0 }]),
  );
  const runbooks = new Map<string, MetricsRunbook>();

  for (const i of incidents) {
    if (inWindow(i.createdAt)) {
      const w = detected.get(weekKey(i.createdAt))!;
      switch (i.status) {
        case 'healed':
        case 'failed':
        case 'escalated':
        case 'dismissed':
          w[i.status] += 1;
          break;
        default:
          w.open += 1;
      }
    }
    if (i.resolvedAt === undefined || !inWindow(i.resolvedAt)) continue;
    if (i.status === 'healed') {
      const h = heals.get(weekKey(i.resolvedAt))!;
      h.heals += 1;
      if (i.pullRequestState === 'merged') h.byPullRequest += 1;
    }
    if (
      i.status === 'healed' ||
      i.status === 'failed' ||
      i.status === 'escalated'
    ) {
      const kind = i.runbookId ? 'runbook' : 'reason';
      const key = i.runbookId ?? i.reason;
      const id = `${kind}:${key}`;
      const r = runbooks.get(id) ?? {
        key,
        kind,
        healed: 0,
        failed: 0,
        escalated: 0,
      };
      r[i.status] += 1;
      runbooks.set(id, r);
    }
  }

  const timeToHeal: Array<{ at: number; ms: number }> = [];
  const leadTime: Array<{ at: number; ms: number }> = [];
  for (const i of incidents) {
    const heal = timeToHealMs(i);
    if (heal !== undefined) timeToHeal.push({ at: i.resolvedAt!, ms: heal });
    const lead = pullRequestLeadTimeMs(i);
    if (lead !== undefined) {
      leadTime.push({ at: i.pullRequestMergedAt!, ms: lead });
    }
  }

  return {
    from: weeks[0],
    to: new Date(options.now).toISOString(),
    weeks,
    incidentsPerWeek: [...detected.values()],
    healsPerWeek: [...heals.values()],
    timeToHeal: duration(timeToHeal, inWindow),
    pullRequestLeadTime: duration(leadTime, inWindow),
    runbooks: [...runbooks.values()]
      .map(r => ({ ...r, successRate: successRate(r) }))
      .sort(
        (a, b) =>
          b.healed +
            b.failed +
            b.escalated -
            (a.healed + a.failed + a.escalated) || a.key.localeCompare(b.key),
      ),
  };
}
