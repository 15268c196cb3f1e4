import type { Scenario } from '../scenario/types.js';
import type { HoursStats } from '../stats/report-schema.js';
import type { Report } from '../stats/report.js';
import { pairedInterval, type Interval } from './paired.js';

/** One group's differences b - a, as compare's groups have them. */
export interface PairedGroup {
  label: string;
  mean: Interval;
  p50: Interval;
  p90: Interval;
  inspection_rate: Interval;
}

/** The comparison of the shipments arriving in one disruption's window (start to end + recovery). */
export interface WindowComparison {
  name: string;
  start_hours: number;
  window_end_hours: number;
  /** Per tier, AEO, non-AEO and all: b - a with paired 95% intervals, as the whole run's groups. */
  groups: Record<string, PairedGroup>;
}

const NAN = Number.NaN;

/** Keys a tier may not take in a comparison's groups (compare.ts names such a tier `<name>_tier`). */
export const RESERVED_GROUP_KEYS = new Set(['aeo', 'non_aeo', 'import', 'export', 'all']);

/**
 * Paired differences for the shipments arriving during each disruption and its recovery (the
 * report's `disruptions`: src/stats/collector.ts counts a shipment in the window of its arrival).
 * A disruption is compared when both scenarios have it with the same name and window: otherwise the
 * two windows hold different shipments and a paired difference would mean nothing. Inside the window
 * the report keeps clearance by tier, AEO / non-AEO and lane: `all` has its mean (the groups'
 * count-weighted) and its inspection rate (from the lanes), no percentiles; the tiers and groups no
 * inspection rate (NaN, null in JSON).
 */
export function compareWindows(a: Scenario, b: Scenario, ra: Report[], rb: Report[]): WindowComparison[] {
  const out: WindowComparison[] = [];
  a.disruptions.forEach((d, i) => {
    const j = b.disruptions.findIndex((x) => x.name === d.name);
    if (j < 0) return;
    const da = ra[0]?.disruptions[i],
      db = rb[0]?.disruptions[j];
    if (!da || !db || da.start_hours !== db.start_hours || da.window_end_hours !== db.window_end_hours) return;
    const groups: Record<string, PairedGroup> = {};
    const add = (key: string, label: string, get: (r: Report, k: number) => { h: HoursStats; rate: number }) => {
      const stat = (f: (x: { h: HoursStats; rate: number }) => number) =>
        pairedInterval(
          ra.map((r) => f(get(r, i))),
          rb.map((r) => f(get(r, j))),
        );
      groups[key] = {
        label,
        mean: stat((x) => x.h.mean),
        p50: stat((x) => x.h.p50),
        p90: stat((x) => x.h.p90),
        inspection_rate: stat((x) => x.rate),
      };
    };
    for (const t of a.tiers)
      if (b.tiers.some((x) => x.name === t.name))
        add(RESERVED_GROUP_KEYS.has(t.name) ? `${t.name}_tier` : t.name, t.label, (r, k) => ({
          h: r.disruptions[k].by_tier[t.name].clearance_hours,
          rate: NAN,
        }));
    for (const [g, label] of [
      ['aeo', 'AEO'],
      ['non_aeo', 'non-AEO'],
    ] as const)
      add(g, label, (r, k) => ({ h: r.disruptions[k].aeo_vs_non_aeo[g].clearance_hours, rate: NAN }));
    add('all', 'All shipments', (r, k) => {
      const w = r.disruptions[k];
      const { aeo, non_aeo } = w.aeo_vs_non_aeo;
      const n = aeo.count + non_aeo.count;
      const mean = n > 0 ? (aeo.count * aeo.clearance_hours.mean + non_aeo.count * non_aeo.clearance_hours.mean) / n : NAN;
      return { h: { ...aeo.clearance_hours, mean, p50: NAN, p90: NAN }, rate: n > 0 ? w.by_lane.red.count / n : NAN };
    });
    out.push({ name: d.name, start_hours: da.start_hours, window_end_hours: da.window_end_hours, groups });
  });
  return out;
}
