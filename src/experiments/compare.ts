import { formatHours } from '../scenario/duration.js';
import type { Scenario } from '../scenario/types.js';
import type { ComparisonJson, FirmComparisonJson, FirmComparisonRow, HoursStats, PrecisionJson } from '../stats/report-schema.js';
import { compareFirms } from './firm-comparison.js';
import type { Report } from '../stats/report.js';
import { pairedInterval, type Interval } from './paired.js';
import { replicateAll, type Runner } from './replicate.js';
import { mergeWarnings, type OverloadWarning } from '../stats/overload.js';
import { compareWindows, type WindowComparison } from './compare-windows.js';

export interface Comparison {
  a: string;
  b: string;
  seed: number;
  replications: number;
  /** Per tier (and the AEO / non-AEO groups): differences b - a with paired 95% intervals. */
  groups: Record<string, { label: string; mean: Interval; p50: Interval; p90: Interval; inspection_rate: Interval }>;
  /** How much narrower the paired intervals are than unpaired ones would be (mean over statistics). */
  pairing_narrows_by: number;
  lines: string[];
  /** Firm by firm, when both scenarios have the same firms. */
  firms?: FirmComparisonJson;
  /** One row per firm (for --firms files), with `firms`. */
  firmRows?: FirmComparisonRow[];
  /**
   * The shipments arriving in each disruption's window (start to end + recovery) that both
   * scenarios have: the same groups, and a sentence per group; only when there is one.
   */
  disruptions?: (WindowComparison & { lines: string[] })[];
  /** --precision: how many replications it took to meet the goals (src/experiments/precision.ts). */
  precision?: PrecisionJson;
  /** Overload warnings of a's and b's replications (src/stats/overload.ts), only when there are any. */
  warnings?: { a?: OverloadWarning[]; b?: OverloadWarning[] };
  reports: { a: Report[]; b: Report[] };
}

/** What `compare --json` prints: the comparison without its reports (NaN becomes null in JSON; see ComparisonSchema). */
export function comparisonJson(c: Comparison): ComparisonJson {
  const { reports: _r, firmRows: _f, ...summary } = c;
  return summary;
}

/** What a group's statistics are read from in each replication's report. */
interface GroupStats {
  clearance_hours: HoursStats;
  inspection_rate: number;
}

const GROUPS = [
  ['aeo', 'AEO'],
  ['non_aeo', 'non-AEO'],
] as const;

/**
 * Runs a and b for the same replications (seed, r), so each pair sees the same shipments, and
 * reports b - a per tier with intervals from the paired differences.
 */
export async function compare(
  a: Scenario,
  b: Scenario,
  replications: number,
  onDone?: () => void,
  runner: Runner = {},
): Promise<Comparison> {
  const [ra, rb] = await replicateAll(
    [
      { scenario: a, replications },
      { scenario: b, replications },
    ],
    onDone,
    runner,
  );
  const groups: Comparison['groups'] = {};
  const add = (key: string, label: string, get: (r: Report) => GroupStats) => {
    const stat = (f: (x: GroupStats) => number) =>
      pairedInterval(
        ra.map((r) => f(get(r))),
        rb.map((r) => f(get(r))),
      );
    groups[key] = {
      label,
      mean: stat((x) => x.clearance_hours.mean),
      p50: stat((x) => x.clearance_hours.p50),
      p90: stat((x) => x.clearance_hours.p90),
      inspection_rate: stat((x) => x.inspection_rate),
    };
  };
  // A tier may be called like a group (the bundled AEO tier is `aeo`): its key then takes `_tier`,
  // so neither hides the other.
  const reserved = new Set<string>([...GROUPS.map(([k]) => k), 'import', 'export', 'all']);
  for (const t of a.tiers)
    if (b.tiers.some((x) => x.name === t.name)) add(reserved.has(t.name) ? `${t.name}_tier` : t.name, t.label, (r) => r.by_tier[t.name]);
  for (const [k, label] of GROUPS) add(k, label, (r) => ({ ...r.aeo_vs_non_aeo[k], inspection_rate: groupRate(r, k === 'aeo') }));
  // with flows in both: imports and exports, as published clearance times are split (no inspection rate by direction)
  for (const [k, label] of [
    ['import', 'Imports'],
    ['export', 'Exports'],
  ] as const)
    if (ra[0]?.by_direction?.[k] && rb[0]?.by_direction?.[k])
      add(k, label, (r) => ({ clearance_hours: r.by_direction![k].clearance_hours, inspection_rate: Number.NaN }));
  add('all', 'All shipments', (r) => r.overall);

  const ratios: number[] = [];
  for (const g of Object.values(groups))
    for (const iv of [g.mean, g.p50, g.p90])
      if (iv.unpaired_half_width > 0 && Number.isFinite(iv.half_width)) ratios.push(iv.half_width / iv.unpaired_half_width);
  const narrows = ratios.length ? 1 - ratios.reduce((x, y) => x + y, 0) / ratios.length : 0;
  const lines = Object.values(groups).map((g) => sentence(`${g.label} mean clearance`, g.mean));
  const firms = compareFirms(a, b, ra, rb);
  const out: Comparison = {
    a: a.name,
    b: b.name,
    seed: a.seed,
    replications,
    groups,
    pairing_narrows_by: narrows,
    lines,
    reports: { a: ra, b: rb },
  };
  const windows = compareWindows(a, b, ra, rb);
  if (windows.length)
    out.disruptions = windows.map((w) => ({
      ...w,
      lines: ['aeo', 'non_aeo', 'all'].map((k) => sentence(`During ${w.name}: ${w.groups[k].label} mean clearance`, w.groups[k].mean)),
    }));
  const wa = mergeWarnings(ra.map((r) => r.warnings)),
    wb = mergeWarnings(rb.map((r) => r.warnings));
  if (wa || wb) out.warnings = { ...(wa ? { a: wa } : {}), ...(wb ? { b: wb } : {}) };
  if (firms) {
    out.lines.push(...firms.lines);
    out.firms = firms.json;
    out.firmRows = firms.rows;
  }
  return out;
}

/** Share of a group's shipments sent red, from the tiers' counts. */
function groupRate(r: Report, aeo: boolean): number {
  let red = 0,
    n = 0;
  for (const t of Object.values(r.by_tier))
    if (t.aeo === aeo) {
      red += t.lanes.red;
      n += t.count;
    }
  return n ? red / n : NaN;
}

/** "AEO mean clearance falls 1.8 h (1.5–2.1 h)" — or says the change is within the noise. */
export function sentence(what: string, iv: Interval): string {
  const h = (x: number) => formatHours(Math.abs(x), 'precise');
  if (!Number.isFinite(iv.half_width)) return `${what} changes by ${h(iv.diff)} (one replication: no interval)`;
  if (iv.diff === 0 && iv.half_width === 0) return `${what} does not change`;
  if (iv.lo <= 0 && iv.hi >= 0)
    return `${what}: no clear change (${iv.diff >= 0 ? '+' : '-'}${h(iv.diff)}, 95% interval ${signed(iv.lo)} to ${signed(iv.hi)})`;
  const verb = iv.diff < 0 ? 'falls' : 'rises';
  const [x, y] = iv.diff < 0 ? [-iv.hi, -iv.lo] : [iv.lo, iv.hi];
  return `${what} ${verb} ${h(iv.diff)} (${h(x)}–${h(y)})`;
}

const signed = (x: number) => `${x >= 0 ? '+' : '-'}${formatHours(Math.abs(x), 'precise')}`;
