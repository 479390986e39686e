/**
 * Healing metrics of `GET /api/luffy/metrics`, computed by the backend from the incidents and
 * their stored transitions (no GitHub call). Weeks are UTC, Monday first, as `YYYY-MM-DD`.
 */

/** Incidents detected in a week, by where they ended up. @public */
export type MetricsIncidentWeek = {
  week: string;
  healed: number;
  failed: number;
  escalated: number;
  dismissed: number;
  open: number;
};

/** Incidents healed in a week; `byPullRequest` of them through a merged healing PR. @public */
export type MetricsHealWeek = {
  week: string;
  heals: number;
  byPullRequest: number;
};

/** A duration metric: median over the window and per week (weeks without a sample left out). @public */
export type MetricsDuration = {
  count: number;
  medianMs?: number;
  perWeek: Array<{ week: string; count: number; medianMs: number }>;
};

/**
 * Outcomes of the finished incidents of one runbook (the diagnosis' `runbookId`), or of one
 * failure reason when the diagnosis named no runbook. Success rate is healed / (healed +
 * failed + escalated); dismissed incidents (a human's choice) are not counted.
 * @public
 */
export type MetricsRunbook = {
  /** The runbook id, or the failure reason when `kind` is `reason`. */
  key: string;
  kind: 'runbook' | 'reason';
  healed: number;
  failed: number;
  escalated: number;
  /** 0..1; absent when nothing finished. */
  successRate?: number;
};

/** The answer of `GET /api/luffy/metrics`. @public */
export type LuffyMetrics = {
  /** Monday of the first week of the window (inclusive), ISO date. */
  from: string;
  /** When it was computed. */
  to: string;
  weeks: string[];
  incidentsPerWeek: MetricsIncidentWeek[];
  healsPerWeek: MetricsHealWeek[];
  /** Detection → healed, of healed incidents, by week healed. */
  timeToHeal: MetricsDuration;
  /** Healing pull request opened → merged, by week merged. */
  pullRequestLeadTime: MetricsDuration;
  /** Success rate per runbook, most finished incidents first. */
  runbooks: MetricsRunbook[];
};
