import type { Incident } from '@openluffy/plugin-luffy-common';

const DAY = 24 * 60 * 60_000;

/** Monday 00:00 UTC of the week a time falls in, as `YYYY-MM-DD`. */
export function weekOf(iso: string): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate() - day,
  );
  return new Date(monday).toISOString().slice(0, 10);
}

/** Weeks from the first to the last given, none skipped. */
function weeksBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${first}T00:00:00Z`);
    t <= Date.parse(`${last}T00:00:00Z`);
    t += 7 * DAY
  ) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** One bar of "incidents over time": incidents detected that week, by outcome. */
export type IncidentWeek = {
  week: string;
  healed: number;
  failed: number;
  escalated: number;
  dismissed: number;
  open: number;
};

/** Time to heal of a healed incident, in ms. */
export function timeToHealMs(i: Incident): number | undefined {
  if (i.status !== 'healed' || !i.resolvedAt) return undefined;
  const ms = Date.parse(i.resolvedAt) - Date.parse(i.createdAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Incidents detected per week (UTC, Monday first), split by where they ended up. */
export function incidentsPerWeek(incidents: Incident[]): IncidentWeek[] {
  if (!incidents.length) return [];
  const byWeek = new Map<string, IncidentWeek>();
  const weeks = incidents.map(i => weekOf(i.createdAt)).sort();
  for (const week of weeksBetween(weeks[0], weeks[weeks.length - 1])) {
    byWeek.set(week, {
      week,
      healed: 0,
      failed: 0,
      escalated: 0,
      dismissed: 0,
      open: 0,
    });
  }
  for (const i of incidents) {
    const w = byWeek.get(weekOf(i.createdAt))!;
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
  return [...byWeek.values()];
}

/** Mean time to heal per week of detection, in minutes (weeks without a heal left out). */
export function meanTimeToHealPerWeek(
  incidents: Incident[],
): Array<{ week: string; minutes: number; heals: number }> {
  const byWeek = new Map<string, number[]>();
  for (const i of incidents) {
    const ms = timeToHealMs(i);
    if (ms === undefined) continue;
    const w = weekOf(i.createdAt);
    byWeek.set(w, [...(byWeek.get(w) ?? []), ms]);
  }
  return [...byWeek.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([week, xs]) => ({
      week,
      heals: xs.length,
      minutes:
        Math.round((xs.reduce((a, b) => a + b, 0) / xs.length / 60_000) * 10) /
        10,
    }));
}
