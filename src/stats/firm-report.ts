import { firmId } from '../model/firm-population.js';
import type { Scenario } from '../scenario/types.js';
import type { TierTally } from './collector.js';
import type { FirmRows } from './firm-tally.js';
import type { CostsSection, FirmRow, FirmsSection, Report } from './report-schema.js';

export const TOP_FIRMS = 20;
/** Shares of firms the concentration curve is given at: fine near 0, where the AEOs are. */
const CURVE_AT = [
  0, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
  0.8, 0.9, 1,
];

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Days whose declarations a report counts: per-year figures scale from them. */
export const observedDays = (s: Scenario) => s.horizonDays - s.warmupDays;

/**
 * One firm's row from its columns: `per` is how many replications the rows pool (counts and
 * values become means per replication; the clearance mean is over all its declarations).
 */
export function firmRow(s: Scenario, rows: FirmRows, i: number, per = 1): FirmRow {
  const pop = s.population!;
  const n = rows.declarations[i];
  const perYear = 365 / observedDays(s);
  const arrivalsPerYear = s.arrivals.perDay * 365;
  return {
    id: firmId(i),
    tier: s.tiers[pop.tier[i]].name,
    base_tier: s.tiers[pop.baseTier[i]].name,
    sector: s.firms!.sectors[pop.sector[i]].name,
    declarations: n / per,
    declarations_per_year: pop.weight[i] * arrivalsPerYear,
    value_cny: rows.value_cny[i] / per,
    clearance_hours: { mean: ratio(rows.clearance_hours_sum[i], n), p90: rows.clearance_hours_p90[i] },
    inspections: rows.inspections[i] / per,
    noncompliance: pop.noncompliance[i],
    guarantee_waived_cny: rows.guarantee_waived_cny[i] / per,
    guarantee_waived_cny_per_year: (rows.guarantee_waived_cny[i] / per) * perYear,
  };
}

/** Firm ids by observed value, largest first (ties by id). */
export function byValue(rows: FirmRows): number[] {
  const order = Array.from(rows.value_cny.keys());
  return order.sort((a, b) => rows.value_cny[b] - rows.value_cny[a] || a - b);
}

/** The report's `firms` section from a run's (or pooled replications') per-firm rows. */
export function buildFirmsSection(s: Scenario, rows: FirmRows, per = 1): FirmsSection {
  const pop = s.population!;
  const spec = s.firms!;
  const nt = s.tiers.length;
  const firms = new Float64Array(nt),
    decl = new Float64Array(nt),
    value = new Float64Array(nt),
    waived = new Float64Array(nt),
    nc = new Float64Array(nt),
    weight = new Float64Array(nt);
  const sectorCounts = s.tiers.map(() => new Float64Array(spec.sectors.length));
  const allSectors = new Float64Array(spec.sectors.length);
  let totalDecl = 0,
    totalValue = 0;
  for (let i = 0; i < pop.count; i++) {
    const t = pop.tier[i];
    firms[t]++;
    decl[t] += rows.declarations[i];
    value[t] += rows.value_cny[i];
    waived[t] += rows.guarantee_waived_cny[i];
    nc[t] += pop.noncompliance[i] * pop.weight[i];
    weight[t] += pop.weight[i];
    sectorCounts[t][pop.sector[i]]++;
    allSectors[pop.sector[i]]++;
    totalDecl += rows.declarations[i];
    totalValue += rows.value_cny[i];
  }
  const perYear = 365 / observedDays(s);
  const sectorShares = (counts: Float64Array, n: number) => Object.fromEntries(spec.sectors.map((x, k) => [x.name, ratio(counts[k], n)]));
  const order = byValue(rows);
  const curve = { firm_share: [] as number[], value_share: [] as number[], declaration_share: [] as number[] };
  let k = 0,
    v = 0,
    d = 0;
  for (const at of CURVE_AT) {
    const upTo = Math.round(at * pop.count);
    for (; k < upTo; k++) {
      v += rows.value_cny[order[k]];
      d += rows.declarations[order[k]];
    }
    curve.firm_share.push(ratio(upTo, pop.count));
    // summed in another order than the total: a share may pass 1 by a rounding error
    curve.value_share.push(Math.min(1, ratio(v, totalValue)));
    curve.declaration_share.push(Math.min(1, ratio(d, totalDecl)));
  }
  return {
    count: pop.count,
    observed_days: observedDays(s),
    sectors: sectorShares(allSectors, pop.count),
    by_tier: Object.fromEntries(
      s.tiers.map((t, i) => [
        t.name,
        {
          firms: firms[i],
          share_of_firms: ratio(firms[i], pop.count),
          declarations: decl[i] / per,
          share_of_declarations: ratio(decl[i], totalDecl),
          value_cny: value[i] / per,
          share_of_value: ratio(value[i], totalValue),
          guarantee_waived_cny: waived[i] / per,
          guarantee_waived_cny_per_year: (waived[i] / per) * perYear,
          noncompliance: ratio(nc[i], weight[i]),
          sectors: sectorShares(sectorCounts[i], firms[i]),
        },
      ]),
    ),
    certifications: spec.certifications.map((c, j) => ({
      name: c.name,
      from: s.tiers[c.from].name,
      to: s.tiers[c.to].name,
      firms: pop.moved[j].length,
      ids: Array.from(pop.moved[j], firmId),
    })),
    top: order.slice(0, TOP_FIRMS).map((i) => firmRow(s, rows, i, per)),
    concentration: curve,
  };
}

/** The report's `costs` section: what clearance time and guarantees cost each tier's traders. */
export function buildCostsSection(s: Scenario, tallies: TierTally[]): CostsSection {
  const c = s.costs!;
  const fee = c.guaranteeFeeRate;
  const one = (count: number, valueHours: number, lodged: number, waived: number) => {
    const time = (valueHours / 24) * c.timeCostPerDay;
    return {
      time_cost_cny: time,
      guarantee_fees_cny: lodged * fee,
      guarantee_fees_avoided_cny: waived * fee,
      cost_per_declaration_cny: ratio(time + lodged * fee, count),
    };
  };
  const sum = (f: (t: TierTally) => number) => tallies.reduce((a, t) => a + f(t), 0);
  return {
    time_cost_per_day: c.timeCostPerDay,
    guarantee_fee_rate: fee,
    by_tier: Object.fromEntries(
      s.tiers.map((t, i) => [t.name, one(tallies[i].count, tallies[i].valueHours, tallies[i].guaranteeLodged, tallies[i].guaranteeWaived)]),
    ),
    overall: one(
      sum((t) => t.count),
      sum((t) => t.valueHours),
      sum((t) => t.guaranteeLodged),
      sum((t) => t.guaranteeWaived),
    ),
  };
}

/** One flat row per firm for `run --firms FILE` (CSV columns or JSON Lines fields), from a report's firm_rows. */
export function firmFileRows(s: Scenario, report: Report): Record<string, string | number>[] {
  const rows = report.firm_rows as FirmRows;
  return rows.declarations.map((_, i) => {
    const { clearance_hours, ...r } = firmRow(s, rows, i, report.replications);
    const { id, tier, base_tier, sector, declarations, declarations_per_year, value_cny, inspections, noncompliance } = r;
    return {
      id,
      tier,
      base_tier,
      sector,
      declarations,
      declarations_per_year,
      value_cny,
      clearance_mean_hours: clearance_hours.mean,
      clearance_p90_hours: clearance_hours.p90,
      inspections,
      noncompliance,
      guarantee_waived_cny: r.guarantee_waived_cny,
      guarantee_waived_cny_per_year: r.guarantee_waived_cny_per_year,
    };
  });
}
