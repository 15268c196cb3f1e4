import { LANES, Lane, type LaneName, type Scenario } from '../scenario/types.js';
import { hoursStats as stats } from './hours-stats.js';
import { type Collector, type TierTally, WITHIN_HOURS } from './collector.js';
import type { StageTotals } from './stage-integrator.js';
import { mser5 } from './mser.js';
import { buildCostsSection, buildFirmsSection } from './firm-report.js';
import { buildFlowSections, buildTwoStepSection } from './flow-report.js';
import { Summary, Within } from './summary.js';
import { overloadWarnings } from './overload.js';
import { segmentsOf, type DisruptionReport, type Report, type ReleasedWithin, type StageReport, type TierReport } from './report-schema.js';

/** The report (docs/report.md), typed by its schema (./report-schema.ts). Extra fields are additions; none of the contract's are renamed. */
export type { Report };

/** green, yellow and red always; blue when the scenario uses it. */
type PerLane<T> = { green: T; yellow: T; red: T; blue?: T };

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export interface RunFacts {
  runtime: string;
  replication: number;
  arrived: number;
  released: number;
  events: number;
  wallSeconds: number;
  /** Time-weighted totals of every stage, in stage order. */
  stages: StageTotals[];
  /** Extra top-level fields (runtime details). */
  extra?: Record<string, unknown>;
}

/** Builds one replication's report from what its collector and stage resources observed. */
export function buildReport(s: Scenario, c: Collector, f: RunFacts): Report {
  const lanesUsed = LANES.filter((_, i) => i !== Lane.Blue || s.flow.lanes[i].length > 0 || s.tiers.some((t) => t.blue > 0));
  const perLane = <T>(make: (l: LaneName, i: Lane) => T) =>
    Object.fromEntries(lanesUsed.map((l) => [l, make(l, LANES.indexOf(l))])) as PerLane<T>;
  const laneCounts = (t: TierTally) => perLane((_, i) => t.lanes[i]);
  // the collector's within-thresholds are WITHIN_HOURS: 1, 24 and 48 h
  const shares = (w: Within) => w.shares() as ReleasedWithin;
  // the segments' keys from the scenario's stage names; the collector's sums are looked up by key
  const segs = segmentsOf(s.stages.map((st) => st.name));
  const segmentAt = segs.map((g) => c.segmentNames.indexOf(g.key));
  if (segmentAt.includes(-1) || segmentAt.length !== c.segmentNames.length)
    throw new Error(
      `report: the collector's segments (${c.segmentNames.join(', ')}) are not the report's (${segs.map((g) => g.key).join(', ')})`,
    );
  const totalValue = c.tiers.reduce((a, t) => a + t.value, 0);
  const totalCount = c.tiers.reduce((a, t) => a + t.count, 0);

  const byTier: Record<string, TierReport> = {};
  s.tiers.forEach((tier, i) => {
    const t = c.tiers[i];
    const seg = c.segmentsByTier[i],
      at = (key: string) => segmentAt[segs.findIndex((g) => g.key === key)];
    byTier[tier.name] = {
      label: tier.label,
      aeo: tier.aeo,
      count: t.count,
      share: ratio(t.count, totalCount),
      clearance_hours: stats(t.clearance),
      released_within: shares(t.within),
      lanes: laneCounts(t),
      inspection_rate: ratio(t.lanes[Lane.Red], t.count),
      hit_rate: ratio(t.hits, t.checked),
      detection_rate: ratio(t.detected, t.noncompliant),
      noncompliant: t.noncompliant,
      findings: t.hits,
      pre_lodged_share: ratio(t.preLodged, t.count),
      value_cny: t.value,
      value_share: ratio(t.value, totalValue),
      guarantee_waived_cny: t.guaranteeWaived,
      segments_mean_hours: {
        lodgement_delay: ratio(seg[at('lodgement')], t.count),
        guarantee: ratio(seg[at('guarantee')], t.count),
        hold: ratio(seg[at('hold')], t.count),
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
    return { count, clearance_hours: stats(sum), released_within: shares(within), sum };
  };
  // p1..p99 of each group's clearance: the CDF a Time Release Study plots
  const withPercentiles = ({ sum, ...g }: ReturnType<typeof group>) => ({
    ...g,
    percentiles: Array.from({ length: 99 }, (_, k) => sum.percentile(k + 1)),
  });
  const aeo = withPercentiles(group(true)),
    nonAeo = withPercentiles(group(false));
  const { sum: _all, ...all } = group(null);
  let red = 0;
  for (const t of c.tiers) red += t.lanes[Lane.Red];

  const byLane = perLane((_, i) => {
    const sm = c.lanes[i];
    return { count: sm.count, share: ratio(sm.count, totalCount), clearance_hours: stats(sm) };
  });

  const window = (s.horizonDays - s.warmupDays) * 24;
  const stages: Record<string, StageReport> = {};
  s.stages.forEach((st, i) => {
    const r = f.stages[i];
    const wait = new Summary();
    const byT: StageReport['by_tier'] = {};
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

  const segmentMeans = (sums: Float64Array, n: number): Record<string, number> =>
    Object.fromEntries(segs.map((g, k) => [g.key, ratio(sums[segmentAt[k]], n)]));
  const segments = {
    by_tier: Object.fromEntries(s.tiers.map((t, i) => [t.name, segmentMeans(c.segmentsByTier[i], c.tiers[i].count)])),
    by_lane: perLane((_, i) => segmentMeans(c.segmentsByLane[i], c.lanes[i].count)),
  };

  // MSER-5 on mean clearance by hour of arrival (hours with no arrival carry no information)
  const series: number[] = [],
    seriesHours: number[] = [];
  for (let h = 0; h < c.hourlySum.length; h++)
    if (c.hourlyCount[h] > 0) {
      series.push(c.hourlySum[h] / c.hourlyCount[h]);
      seriesHours.push(h);
    }
  const m = mser5(series);
  const mserDays = m.truncate > 0 ? (seriesHours[m.truncate * 5] ?? 0) / 24 : 0;
  const warmup = {
    configured_days: s.warmupDays,
    mser5_days: mserDays,
    sufficient: mserDays <= s.warmupDays + 1e-9,
    series: 'mean clearance by hour of arrival, batched in 5s',
  };

  const disruptions = s.disruptions.map((d, i): DisruptionReport => {
    const byT: DisruptionReport['by_tier'] = {};
    const a = new Summary(),
      n = new Summary();
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
      by_lane: perLane((_, k) => {
        const sm = c.disruptionLanes[i][k];
        return { count: sm.count, clearance_hours: stats(sm) };
      }),
      aeo_vs_non_aeo: {
        aeo: { count: a.count, clearance_hours: stats(a) },
        non_aeo: { count: n.count, clearance_hours: stats(n) },
        mean_ratio: n.mean > 0 ? a.mean / n.mean : null,
      },
    };
  });

  // only when a stage is overloaded: reports without overload keep their shape
  const warnings = overloadWarnings(s, stages);
  const firmRows = s.population && c.firms ? c.firms.rows() : null;
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
    aeo_vs_non_aeo: {
      aeo,
      non_aeo: nonAeo,
      mean_ratio: nonAeo.clearance_hours.mean > 0 && aeo.count > 0 ? aeo.clearance_hours.mean / nonAeo.clearance_hours.mean : null,
    },
    by_lane: byLane,
    stages,
    disruptions,
    segments,
    warmup,
    ...(warnings.length ? { warnings } : {}),
    ...(s.flows.length ? buildFlowSections(s, c.flows, totalCount) : {}),
    ...(c.twoStep && s.twoStep ? { two_step: buildTwoStepSection(s, c.twoStep, f.stages[s.twoStep.stage].busyArea) } : {}),
    ...(firmRows ? { firms: buildFirmsSection(s, firmRows) } : {}),
    ...(s.costs ? { costs: buildCostsSection(s, c.tiers) } : {}),
    ...(firmRows ? { firm_rows: firmRows } : {}),
    events: f.events,
    wall_seconds: f.wallSeconds,
    ...f.extra,
  };
}

/** A report as it is printed, served and saved: without its internal per-firm columns (firm_rows). */
export function publicReport(r: Report): Report {
  if (r.firm_rows === undefined) return r;
  const { firm_rows: _rows, ...rest } = r;
  return rest;
}
