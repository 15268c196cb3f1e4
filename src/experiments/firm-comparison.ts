import { firmId } from '../model/firm-population.js';
import { formatAmount } from '../format-amount.js';
import { formatHours } from '../scenario/duration.js';
import type { Scenario } from '../scenario/types.js';
import { observedDays } from '../stats/firm-report.js';
import { type FirmRows, poolFirmRows } from '../stats/firm-tally.js';
import type { Report } from '../stats/report.js';
import { ci95 } from '../stats/replications.js';
import type { FirmBenefitGroup, FirmComparisonJson, FirmComparisonRow, Estimate } from '../stats/report-schema.js';
import { pairedInterval } from './paired.js';

/** Money saved per year, in bands: how the benefit spreads over firms. */
const BANDS = [-Infinity, 0, 10_000, 100_000, 1_000_000, 10_000_000, Infinity];

/** Mean of per-replication values with its 95% interval (ci95: t, n - 1). */
function estimate(xs: number[]): Estimate {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { estimate: m, lo: null, hi: null, half_width: null };
  const hw = ci95(xs);
  return { estimate: m, lo: m - hw, hi: m + hw, half_width: hw };
}

const quantile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);

export interface FirmComparison {
  json: FirmComparisonJson;
  /** One row per firm, for `compare --firms FILE`. */
  rows: FirmComparisonRow[];
  lines: string[];
}

/**
 * What a policy does firm by firm: a and b ran the same replications on the same seed, so each
 * firm lodged the same declarations in both, and its paired difference is the policy's effect on
 * it. Savings are a - b (positive: b is better for the firm): hours of clearance, and money at a's
 * costs (the time cost of goods held, and fees on guarantees lodged). Null when a or b has no firms,
 * or their populations differ (then firms cannot be paired).
 */
export function compareFirms(a: Scenario, b: Scenario, ra: Report[], rb: Report[]): FirmComparison | null {
  const pa = a.population,
    pb = b.population;
  if (!pa || !pb || pa.count !== pb.count || !a.costs || !ra.every((r) => r.firm_rows) || !rb.every((r) => r.firm_rows)) return null;
  const rowsA = ra.map((r) => r.firm_rows as FirmRows),
    rowsB = rb.map((r) => r.firm_rows as FirmRows);
  const n = pa.count,
    reps = ra.length;
  const perYear = 365 / observedDays(a);
  const { timeCostPerDay, guaranteeFeeRate } = a.costs;
  const timeCost = (r: FirmRows, i: number) => (r.value_hours_sum[i] / 24) * timeCostPerDay;
  const fees = (r: FirmRows, i: number) => r.guarantee_lodged_cny[i] * guaranteeFeeRate;
  const moved = (i: number) => pa.tier[i] !== pb.tier[i];

  const group = (key: string, label: string, member: (i: number) => boolean): FirmBenefitGroup => {
    const mean = (r: FirmRows) => {
      let h = 0,
        d = 0;
      for (let i = 0; i < n; i++)
        if (member(i)) {
          h += r.clearance_hours_sum[i];
          d += r.declarations[i];
        }
      return d > 0 ? h / d : Number.NaN;
    };
    const per = (f: (ra: FirmRows, rb: FirmRows, i: number) => number) =>
      rowsA.map((r, k) => {
        let s = 0;
        for (let i = 0; i < n; i++) if (member(i)) s += f(r, rowsB[k], i);
        return s * perYear;
      });
    let firms = 0;
    for (let i = 0; i < n; i++) if (member(i)) firms++;
    const iv = pairedInterval(rowsA.map(mean), rowsB.map(mean));
    return {
      key,
      label,
      firms,
      declarations_per_year: estimate(per((x, _y, i) => x.declarations[i])).estimate,
      mean: iv,
      hours_saved_per_year: estimate(per((x, y, i) => x.clearance_hours_sum[i] - y.clearance_hours_sum[i])),
      time_cost_saved_cny_per_year: estimate(per((x, y, i) => timeCost(x, i) - timeCost(y, i))),
      guarantee_fees_saved_cny_per_year: estimate(per((x, y, i) => fees(x, i) - fees(y, i))),
      money_saved_cny_per_year: estimate(per((x, y, i) => timeCost(x, i) - timeCost(y, i) + fees(x, i) - fees(y, i))),
      guarantee_waived_cny_per_year_change: estimate(per((x, y, i) => y.guarantee_waived_cny[i] - x.guarantee_waived_cny[i])),
    };
  };

  // Firms moved between tiers by name: "general -> aeo".
  const moves = new Map<string, number>();
  for (let i = 0; i < n; i++)
    if (moved(i)) {
      const k = `${a.tiers[pa.tier[i]].name} -> ${b.tiers[pb.tier[i]].name}`;
      moves.set(k, (moves.get(k) ?? 0) + 1);
    }
  const movedCount = [...moves.values()].reduce((x, y) => x + y, 0);
  const groups = [
    ...(movedCount > 0 ? [group('moved', 'Firms that change tier', moved)] : []),
    group(movedCount > 0 ? 'others' : 'all', movedCount > 0 ? 'Other firms' : 'All firms', (i) => !moved(i)),
    ...(movedCount > 0 ? [group('all', 'All firms', () => true)] : []),
  ];

  // pooled over replications: each firm's figures per year
  const A = poolFirmRows(rowsA),
    B = poolFirmRows(rowsB);
  const scale = perYear / reps;
  const rows: FirmComparisonRow[] = [];
  for (let i = 0; i < n; i++) {
    const d = A.declarations[i];
    const time = (timeCost(A, i) - timeCost(B, i)) * scale,
      fee = (fees(A, i) - fees(B, i)) * scale;
    rows.push({
      id: firmId(i),
      sector: a.firms!.sectors[pa.sector[i]].name,
      tier_a: a.tiers[pa.tier[i]].name,
      tier_b: b.tiers[pb.tier[i]].name,
      declarations: d / reps,
      value_cny: A.value_cny[i] / reps,
      clearance_mean_a: d > 0 ? A.clearance_hours_sum[i] / d : 0,
      clearance_mean_b: d > 0 ? B.clearance_hours_sum[i] / d : 0,
      clearance_mean_diff: d > 0 ? (B.clearance_hours_sum[i] - A.clearance_hours_sum[i]) / d : 0,
      hours_saved_per_year: (A.clearance_hours_sum[i] - B.clearance_hours_sum[i]) * scale,
      time_cost_saved_cny_per_year: time,
      guarantee_fees_saved_cny_per_year: fee,
      money_saved_cny_per_year: time + fee,
      guarantee_waived_cny_per_year_a: A.guarantee_waived_cny[i] * scale,
      guarantee_waived_cny_per_year_b: B.guarantee_waived_cny[i] * scale,
    });
  }

  // how the benefit spreads over the firms that moved (or over all, when none did)
  const spreadOver = rows.filter((r, i) => (movedCount > 0 ? moved(i) : true) && r.declarations > 0);
  const money = spreadOver.map((r) => r.money_saved_cny_per_year).sort((x, y) => x - y);
  const hoursSaved = spreadOver.map((r) => r.hours_saved_per_year).sort((x, y) => x - y);
  const dist = (xs: number[]) => ({
    p10: quantile(xs, 0.1),
    p25: quantile(xs, 0.25),
    p50: quantile(xs, 0.5),
    p75: quantile(xs, 0.75),
    p90: quantile(xs, 0.9),
    max: xs.length ? xs[xs.length - 1] : 0,
    total: xs.reduce((x, y) => x + y, 0),
  });
  const bands = BANDS.slice(0, -1).map((lo, k) => ({
    from_cny: Number.isFinite(lo) ? lo : null,
    to_cny: Number.isFinite(BANDS[k + 1]) ? BANDS[k + 1] : null,
    firms: money.filter((m) => m >= lo && m < BANDS[k + 1]).length,
  }));
  const benefit = {
    over: movedCount > 0 ? 'moved' : 'all',
    firms: spreadOver.length,
    gaining: money.filter((m) => m > 0).length,
    hours_saved_per_year: dist(hoursSaved),
    money_saved_cny_per_year: dist(money),
    bands,
    top: [...spreadOver].sort((x, y) => y.money_saved_cny_per_year - x.money_saved_cny_per_year).slice(0, 10),
  };

  const json: FirmComparisonJson = {
    moved: { firms: movedCount, by_move: Object.fromEntries(moves) },
    time_cost_per_day: timeCostPerDay,
    guarantee_fee_rate: guaranteeFeeRate,
    groups: Object.fromEntries(groups.map(({ key, ...g }) => [key, g])),
    benefit,
  };
  return { json, rows, lines: firmLines(groups, benefit) };
}

const yuan = (x: number) => `${formatAmount(x)} CNY`;
const range = (e: Estimate, f: (x: number) => string) => (e.lo !== null && e.hi !== null ? ` (${f(e.lo)} to ${f(e.hi)})` : '');

function firmLines(groups: FirmBenefitGroup[], benefit: FirmComparisonJson['benefit']): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    const m = g.money_saved_cny_per_year;
    const perDecl = -(g.mean.diff ?? 0);
    if (perDecl === 0 && m.estimate === 0 && m.half_width === 0) {
      lines.push(`${g.label} (${g.firms.toLocaleString('en-US')}): clearance times and costs do not change`);
      continue;
    }
    const w = g.guarantee_waived_cny_per_year_change.estimate;
    // a loss reads as a positive amount lost, its interval turned round
    const lost = m.estimate < 0;
    const shown: Estimate = lost
      ? { estimate: -m.estimate, lo: m.hi === null ? null : -m.hi, hi: m.lo === null ? null : -m.lo, half_width: m.half_width }
      : m;
    lines.push(
      `${g.label} (${g.firms.toLocaleString('en-US')}): ${formatHours(Math.abs(perDecl), 'precise')} ${perDecl >= 0 ? 'less' : 'more'} per declaration; ${yuan(shown.estimate)} a year ${lost ? 'lost' : 'saved'}${range(shown, yuan)} in time and guarantee fees${w > 0 ? `; ${yuan(w)} a year of guarantees waived` : ''}`,
    );
  }
  const q0 = benefit.money_saved_cny_per_year;
  if (benefit.firms > 0 && !(q0.p10 === 0 && q0.max === 0)) {
    const q = benefit.money_saved_cny_per_year;
    lines.push(
      `Across the ${benefit.over === 'moved' ? 'firms that change tier' : 'firms'}: ${benefit.gaining} of ${benefit.firms} gain; the median firm saves ${yuan(q.p50)} a year, the top tenth over ${yuan(q.p90)}, the largest ${yuan(q.max)}`,
    );
  }
  return lines;
}
