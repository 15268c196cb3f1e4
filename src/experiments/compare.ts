import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';
import { pairedInterval, type Interval } from './paired.js';
import { replicateAll, type Runner } from './replicate.js';

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
  reports: { a: Report[]; b: Report[] };
}

const GROUPS = [['aeo', 'AEO'], ['non_aeo', 'non-AEO']] as const;

/**
 * Runs a and b for the same replications (seed, r), so each pair sees the same shipments, and
 * reports b - a per tier with intervals from the paired differences.
 */
export async function compare(a: Scenario, b: Scenario, replications: number, onDone?: () => void, runner: Runner = {}): Promise<Comparison> {
  const [ra, rb] = await replicateAll([{ scenario: a, replications }, { scenario: b, replications }], onDone, runner);
  const groups: Comparison['groups'] = {};
  const pick = (rs: Report[], f: (r: Report) => number) => rs.map(f);
  const add = (key: string, label: string, get: (r: Report) => any) => {
    const stat = (f: (x: any) => number) => pairedInterval(pick(ra, (r) => f(get(r))), pick(rb, (r) => f(get(r))));
    groups[key] = {
      label,
      mean: stat((x) => x.clearance_hours.mean),
      p50: stat((x) => x.clearance_hours.p50),
      p90: stat((x) => x.clearance_hours.p90),
      inspection_rate: stat((x) => x.inspection_rate ?? NaN),
    };
  };
  for (const t of a.tiers) if (b.tiers.some((x) => x.name === t.name)) add(t.name, t.label, (r) => r.by_tier[t.name]);
  for (const [k, label] of GROUPS) add(k, label, (r) => ({ ...r.aeo_vs_non_aeo[k], inspection_rate: groupRate(r, k === 'aeo') }));
  add('all', 'All shipments', (r) => r.overall);

  const ratios: number[] = [];
  for (const g of Object.values(groups)) for (const iv of [g.mean, g.p50, g.p90]) if (iv.unpaired_half_width > 0 && Number.isFinite(iv.half_width)) ratios.push(iv.half_width / iv.unpaired_half_width);
  const narrows = ratios.length ? 1 - ratios.reduce((x, y) => x + y, 0) / ratios.length : 0;
  const lines = Object.values(groups).map((g) => sentence(`${g.label} mean clearance`, g.mean));
  return { a: a.name, b: b.name, seed: a.seed, replications, groups, pairing_narrows_by: narrows, lines, reports: { a: ra, b: rb } };
}

/** Share of a group's shipments sent red, from the tiers' counts. */
function groupRate(r: Report, aeo: boolean): number {
  let red = 0, n = 0;
  for (const t of Object.values<any>(r.by_tier)) if (t.aeo === aeo) { red += t.lanes.red; n += t.count; }
  return n ? red / n : NaN;
}

/** "AEO mean clearance falls 1.8 h (1.5–2.1 h)" — or says the change is within the noise. */
export function sentence(what: string, iv: Interval): string {
  const h = (x: number) => precise(Math.abs(x));
  if (!Number.isFinite(iv.half_width)) return `${what} changes by ${h(iv.diff)} (one replication: no interval)`;
  if (iv.diff === 0 && iv.half_width === 0) return `${what} does not change`;
  if (iv.lo <= 0 && iv.hi >= 0) return `${what}: no clear change (${iv.diff >= 0 ? '+' : '-'}${h(iv.diff)}, 95% interval ${signed(iv.lo)} to ${signed(iv.hi)})`;
  const verb = iv.diff < 0 ? 'falls' : 'rises';
  const [x, y] = iv.diff < 0 ? [-iv.hi, -iv.lo] : [iv.lo, iv.hi];
  return `${what} ${verb} ${h(iv.diff)} (${h(x)}–${h(y)})`;
}

const signed = (x: number) => `${x >= 0 ? '+' : '-'}${precise(Math.abs(x))}`;

/** Hours with enough digits that an interval's ends differ when they do. */
function precise(h: number): string {
  if (h >= 48) return `${(h / 24).toFixed(2)} d`;
  if (h >= 1) return `${h.toFixed(2)} h`;
  if (h >= 1 / 60) return `${(h * 60).toFixed(1)} min`;
  return `${(h * 3600).toFixed(0)} s`;
}
