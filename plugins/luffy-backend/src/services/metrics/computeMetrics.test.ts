import {
  computeMetrics,
  median,
  pullRequestLeadTimeMs,
  successRate,
  type MetricsIncident,
} from './computeMetrics';

const t = (iso: string) => Date.parse(iso);
const MIN = 60_000;

const incident = (o: Partial<MetricsIncident>): MetricsIncident => ({
  id: 'i',
  reason: 'OOMKilled',
  status: 'healed',
  createdAt: t('2026-11-30T10:00:00Z'),
  ...o,
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeUndefined();
    expect(median([7])).toBe(7);
    expect(median([30, 1, 5])).toBe(5);
    expect(median([40, 10, 20, 1000])).toBe(30);
  });
});

describe('successRate', () => {
  it('is healed over healed + failed + escalated', () => {
    expect(successRate({ healed: 3, failed: 1, escalated: 0 })).toBe(0.75);
    expect(successRate({ healed: 1, failed: 1, escalated: 2 })).toBe(0.25);
    expect(successRate({ healed: 0, failed: 0, escalated: 0 })).toBeUndefined();
  });
});

describe('pullRequestLeadTimeMs', () => {
  it('is opened → merged of a merged PR only', () => {
    const base = {
      pullRequestOpenedAt: t('2026-12-01T10:00:00Z'),
      pullRequestMergedAt: t('2026-12-01T10:45:00Z'),
    };
    expect(
      pullRequestLeadTimeMs(incident({ ...base, pullRequestState: 'merged' })),
    ).toBe(45 * MIN);
    expect(
      pullRequestLeadTimeMs(incident({ ...base, pullRequestState: 'closed' })),
    ).toBeUndefined();
    expect(
      pullRequestLeadTimeMs(
        incident({ pullRequestState: 'merged', pullRequestOpenedAt: 1 }),
      ),
    ).toBeUndefined();
  });
});

describe('computeMetrics', () => {
  const now = t('2026-12-04T12:00:00Z'); // a Friday; its week starts 2026-11-30
  const healedBy = (
    id: string,
    created: string,
    minutesToHeal: number,
    extra: Partial<MetricsIncident> = {},
  ) =>
    incident({
      id,
      createdAt: t(created),
      resolvedAt: t(created) + minutesToHeal * MIN,
      ...extra,
    });

  const incidents: MetricsIncident[] = [
    // last week: two heals through a merged PR, one failed, one escalated
    healedBy('a', '2026-11-24T09:00:00Z', 10, {
      runbookId: 'raise-memory-limit',
      pullRequestState: 'merged',
      pullRequestOpenedAt: t('2026-11-24T09:02:00Z'),
      pullRequestMergedAt: t('2026-11-24T09:06:00Z'),
    }),
    healedBy('b', '2026-11-25T09:00:00Z', 30, {
      runbookId: 'raise-memory-limit',
      pullRequestState: 'merged',
      pullRequestOpenedAt: t('2026-11-25T09:05:00Z'),
      pullRequestMergedAt: t('2026-11-25T09:25:00Z'),
    }),
    incident({
      id: 'c',
      status: 'failed',
      runbookId: 'raise-memory-limit',
      createdAt: t('2026-11-26T09:00:00Z'),
      resolvedAt: t('2026-11-26T10:00:00Z'),
    }),
    incident({
      id: 'd',
      status: 'escalated',
      reason: 'ImagePullBackOff',
      createdAt: t('2026-11-27T09:00:00Z'),
      resolvedAt: t('2026-11-27T09:01:00Z'),
    }),
    // this week: one heal that cleared by itself, one dismissed, one open
    healedBy('e', '2026-12-01T09:00:00Z', 90, { reason: 'CrashLoopBackOff' }),
    incident({
      id: 'f',
      status: 'dismissed',
      runbookId: 'raise-memory-limit',
      createdAt: t('2026-12-02T09:00:00Z'),
      resolvedAt: t('2026-12-02T09:30:00Z'),
    }),
    incident({
      id: 'g',
      status: 'awaiting-approval',
      createdAt: t('2026-12-03T09:00:00Z'),
    }),
    // before the window: left out
    healedBy('old', '2026-10-01T09:00:00Z', 5, { runbookId: 'old-runbook' }),
  ];

  const m = computeMetrics(incidents, { now, weeks: 2 });

  it('covers the weeks of the window, Monday first', () => {
    expect(m.weeks).toEqual(['2026-11-23', '2026-11-30']);
    expect(m.from).toBe('2026-11-23');
    expect(m.to).toBe('2026-12-04T12:00:00.000Z');
  });

  it('counts detected incidents by outcome and heals per week', () => {
    expect(m.incidentsPerWeek).toEqual([
      {
        week: '2026-11-23',
        healed: 2,
        failed: 1,
        escalated: 1,
        dismissed: 0,
        open: 0,
      },
      {
        week: '2026-11-30',
        healed: 1,
        failed: 0,
        escalated: 0,
        dismissed: 1,
        open: 1,
      },
    ]);
    expect(m.healsPerWeek).toEqual([
      { week: '2026-11-23', heals: 2, byPullRequest: 2 },
      { week: '2026-11-30', heals: 1, byPullRequest: 0 },
    ]);
  });

  it('takes the median time to heal, overall and per week healed', () => {
    expect(m.timeToHeal).toEqual({
      count: 3,
      medianMs: 30 * MIN,
      perWeek: [
        { week: '2026-11-23', count: 2, medianMs: 20 * MIN },
        { week: '2026-11-30', count: 1, medianMs: 90 * MIN },
      ],
    });
  });

  it('takes the median PR lead time of merged healing PRs', () => {
    expect(m.pullRequestLeadTime).toEqual({
      count: 2,
      medianMs: 12 * MIN,
      perWeek: [{ week: '2026-11-23', count: 2, medianMs: 12 * MIN }],
    });
  });

  it('rates success per runbook (reason when none), dismissed not counted', () => {
    expect(m.runbooks).toEqual([
      {
        key: 'raise-memory-limit',
        kind: 'runbook',
        healed: 2,
        failed: 1,
        escalated: 0,
        successRate: 2 / 3,
      },
      {
        key: 'CrashLoopBackOff',
        kind: 'reason',
        healed: 1,
        failed: 0,
        escalated: 0,
        successRate: 1,
      },
      {
        key: 'ImagePullBackOff',
        kind: 'reason',
        healed: 0,
        failed: 0,
        escalated: 1,
        successRate: 0,
      },
    ]);
  });
});
