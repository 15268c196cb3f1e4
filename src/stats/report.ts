import type { Scenario } from '../scenario/types.js';
import { LANES } from '../scenario/types.js';
import { Collector, TierTally, WITHIN_HOURS } from './collector.js';
import type { StageTotals } from './stage-gauge.js';
import { mser5 } from './mser.js';
import { Summary, Within } from './summary.js';

/** The report of DESIGN.md §5. Extra fields are additions; none of §5's are renamed. */
export type Report = Record<string, any>;

const stats = (s: Summary) => ({ mean: s.mean, sd: Math.sqrt(s.variance), p50: s.percentile(50), p90: s.percentile(90), p95: s.percentile(95), p99: s.percentile(99), max: s.max });
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export interface RunFacts {
  runtime: string;
  replication: number;
  arrived: number;
  released: number;
  events: number;
  wallSeconds: number;
  resources: StageTotals[];
  /** Extra top-level fields (runtime details). */
  extra?: Record<string, unknown>;
}

/** Builds one replication's report from what its collector and stage resources observed. */
export function buildReport(s: Scenario, c: Collector, f: RunFacts): Report {
  const lanesUsed = LANES.filter((l, i) => i < 3 || s.flow.lanes[i].length > 0 || s.tiers.some((t) => t.blue > 0));
  const laneCounts = (t: TierTally) => Object.fromEntries(lanesUsed.map((l) => [l, t.lanes[LANES.indexOf(l)]]));
  const totalValue = c.tiers.reduce((a, t) => a + t.value, 0);
  const totalCount = c.tiers.reduce((a, t) => a + t.count, 0);

  const byTier: Report = {};
  s.tiers.forEach((tier, i) => {
    const t = c.tiers[i];
    const seg = c.segmentsByTier[i], names = c.segmentNames;
    byTier[tier.name] = {
      label: tier.label,
      aeo: tier.aeo,
      count: t.count,
      share: ratio(t.count, totalCount),
      clearance_hours: stats(t.clearance),
      released_within: t.within.shares(),
      lanes: laneCounts(t),
      inspection_rate: ratio(t.lanes[2], t.count),
      hit_rate: ratio(t.hits, t.checked),
      detection_rate: ratio(t.detected, t.noncompliant),
      noncompliant: t.noncompliant,
      findings: t.hits,
      pre_lodged_share: ratio(t.preLodged, t.count),
      value_cny: t.value,
      value_share: ratio(t.value, totalValue),
      guarantee_waived_cny: t.guaranteeWaived,
      segments_mean_hours: {
        lodgement_delay: ratio(seg[names.indexOf('lodgement')], t.count),
        guarantee: ratio(seg[names.indexOf('guarantee')], t.count),
        hold: ratio(seg[names.indexOf('hold')], t.count),
      },
    };
  });

  const group = (aeo: boolean | null) => {
    const sum = new Summary();
    const within = new Within(WITHIN_HOURS);
    let count = 0;
    s.tiers.forEach((tier, i) => {
      if (aeo !== null && tier.aeo !== aeo) return;
      sum.add(c.tiers[i].clearance);
      within.add(c.tiers[i].within);
      count += c.tiers[i].count;
    });
    return { count, clearance_hours: stats(sum), released_within: within.shares(), sum };
  };
  // p1..p99 of each group's clearance: the CDF a Time Release Study plots
  const withPercentiles = ({ sum, ...g }: ReturnType<typeof group>) => ({ ...g, percentiles: Array.from({ length: 99 }, (_, k) => sum.percentile(k + 1)) });
  const aeo = withPercentiles(group(true)), nonAeo = withPercentiles(group(false));
  const { sum: _all, ...all } = group(null);
  let red = 0;
  for (const t of c.tiers) red += t.lanes[2];

  const byLane: Report = {};
  lanesUsed.forEach((l) => {
    const sm = c.lanes[LANES.indexOf(l)];
    byLane[l] = { count: sm.count, share: ratio(sm.count, totalCount), clearance_hours: stats(sm) };
  });

  const window = (s.horizonDays - s.warmupDays) * 24;
  const stages: Report = {};
  s.stages.forEach((st, i) => {
    const r = f.resources[i];
    const wait = new Summary();
    const byT: Report = {};
    s.tiers.forEach((tier, k) => {
      const w = c.stageWait[i][k];
      wait.add(w);
      byT[tier.name] = { count: w.count, wait_hours: stats(w) };
    });
    stages[st.name] = {
      servers: st.servers === Infinity ? 'unlimited' : st.servers,
      count: wait.count,
      wait_hours: stats(wait),
      service_hours: stats(c.stageService[i]),
      utilization: st.servers === Infinity ? null : ratio(r.busyArea, r.availableArea),
      queue: { mean: r.queueArea / window, max: r.maxQueue },
      busy_mean: r.busyArea / window,
      by_tier: byT,
    };
  });

  const segmentMeans = (sums: Float64Array, n: number) => Object.fromEntries(c.segmentNames.map((name, i) => [name, ratio(sums[i], n)]));
  const segments = {
    by_tier: Object.fromEntries(s.tiers.map((t, i) => [t.name, segmentMeans(c.segmentsByTier[i], c.tiers[i].count)])),
    by_lane: Object.fromEntries(lanesUsed.map((l) => { const i = LANES.indexOf(l); return [l, segmentMeans(c.segmentsByLane[i], c.lanes[i].count)]; })),
  };

  // MSER-5 on mean clearance by hour of arrival (hours with no arrival carry no information)
  const series: number[] = [], seriesHours: number[] = [];
  for (let h = 0; h < c.hourlySum.length; h++) if (c.hourlyCount[h] > 0) { series.push(c.hourlySum[h] / c.hourlyCount[h]); seriesHours.push(h); }
  const m = mser5(series);
  const mserDays = m.truncate > 0 ? (seriesHours[m.truncate * 5] ?? 0) / 24 : 0;
  const warmup = { configured_days: s.warmupDays, mser5_days: mserDays, sufficient: mserDays <= s.warmupDays + 1e-9, series: 'mean clearance by hour of arrival, batched in 5s' };

  const disruptions = s.disruptions.map((d, i) => {
    const byT: Report = {};
    const a = new Summary(), n = new Summary();
    s.tiers.forEach((tier, k) => {
      const sm = c.disruptionClearance[i][k];
      byT[tier.name] = { count: sm.count, clearance_hours: stats(sm) };
      (tier.aeo ? a : n).add(sm);
    });
    return {
      name: d.name,
      start_hours: d.start,
      end_hours: d.end,
      window_end_hours: d.end + s.priority.recovery,
      by_tier: byT,
      by_lane: Object.fromEntries(lanesUsed.map((l) => { const sm = c.disruptionLanes[i][LANES.indexOf(l)]; return [l, { count: sm.count, clearance_hours: stats(sm) }]; })),
      aeo_vs_non_aeo: { aeo: { count: a.count, clearance_hours: stats(a) }, non_aeo: { count: n.count, clearance_hours: stats(n) }, mean_ratio: n.mean > 0 ? a.mean / n.mean : null },
    };
  });

  return {
    scenario: s.name,
    description: s.description,
    seed: s.seed,
    replications: 1,
    runtime: f.runtime,
    horizon_days: s.horizonDays,
    warmup_days: s.warmupDays,
    shipments: { arrived: f.arrived, released: f.released, in_progress: f.arrived - f.released, observed: totalCount },
    by_tier: byTier,
    overall: { ...all, inspection_rate: ratio(red, all.count) },
    aeo_vs_non_aeo: { aeo, non_aeo: nonAeo, mean_ratio: nonAeo.clearance_hours.mean > 0 && aeo.count > 0 ? aeo.clearance_hours.mean / nonAeo.clearance_hours.mean : null },
    by_lane: byLane,
    stages,
    disruptions,
    segments,
    warmup,
    events: f.events,
    wall_seconds: f.wallSeconds,
    ...f.extra,
  };
}
