import { tQuantile } from '../lazy-quantiles.js';
import { seedrandom } from '../vendor/seedrandom.js';
import { formatHours } from '../scenario/duration.js';
import type { Scenario } from '../scenario/types.js';
import { mergeWarnings, type OverloadWarning } from '../stats/overload.js';
import type { Report } from '../stats/report.js';
import { replicateAll, type Runner } from './replicate.js';
import { valueAt } from './target.js';

/** The statistic ranked by default: the mean clearance of non-AEO shipments (lower is better). */
export const DEFAULT_RANK_BY = 'aeo_vs_non_aeo.non_aeo.clearance_hours.mean';
/** Bootstrap resamples of the replications for the probability of being best, and their seed. */
export const BOOTSTRAP_RESAMPLES = 4000;
export const BOOTSTRAP_SEED = 'clearsim-compare-many';

/** A difference variant - base with its simultaneous (Bonferroni) interval. */
export interface AdjustedInterval {
  diff: number;
  lo: number;
  hi: number;
  half_width: number;
  mean_base: number;
  mean_variant: number;
}

export interface ManyComparison {
  base: string;
  variants: string[];
  seed: number;
  replications: number;
  /** Simultaneous level of the intervals: all the comparisons' intervals hold together with it. */
  confidence: number;
  adjustment: 'bonferroni';
  /** Comparisons in the family (one per variant): each interval is at 1 - (1 - confidence) / family_size. */
  family_size: number;
  rank_by: string;
  better: 'lower' | 'higher';
  /** Per variant: the ranked statistic and the headline groups' mean clearance, variant - base. */
  comparisons: {
    name: string;
    rank_stat: AdjustedInterval;
    groups: Record<'aeo' | 'non_aeo' | 'all', { label: string; mean: AdjustedInterval; p90: AdjustedInterval }>;
  }[];
  /** Every scenario (the base too), best first by the ranked statistic's mean over replications. */
  ranking: { name: string; mean: number; probability_best: number; rank: number }[];
  bootstrap: { resamples: number; seed: string };
  lines: string[];
  /** Overload warnings by scenario name, only when there are any. */
  warnings?: Record<string, OverloadWarning[]>;
  reports: Report[][];
}

/** What `compare --json` prints for several scenarios: without the reports. */
export function manyComparisonJson(c: ManyComparison): Omit<ManyComparison, 'reports'> {
  const { reports: _r, ...rest } = c;
  return rest;
}

/** A statistic in its unit: hours when its path says so (`..._hours.mean`, `..._h`), else a plain number. */
export function statFormatter(path: string): (x: number) => string {
  const hours = /_hours(\.|$)|_h$/.test(path);
  return (x) => (!Number.isFinite(x) ? '-' : hours ? formatHours(x) : String(+x.toPrecision(4)));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The paired difference b - a over replications with a two-sided interval at `level` (t, n - 1 degrees of freedom). */
export function adjustedInterval(a: number[], b: number[], level: number): AdjustedInterval {
  const n = a.length;
  const d = a.map((x, i) => b[i] - x);
  const m = mean(d);
  const v = n > 1 ? d.reduce((s, x) => s + (x - m) * (x - m), 0) / (n - 1) : Number.NaN;
  const hw = n > 1 ? tQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(v / n) : Number.NaN;
  return { diff: m, lo: m - hw, hi: m + hw, half_width: hw, mean_base: mean(a), mean_variant: mean(b) };
}

/**
 * Probability that each scenario is best on a statistic, from a bootstrap over replications that
 * keeps the pairing: each resample draws replication indices with replacement (the same indices
 * for every scenario, as they saw the same shipments), and the scenario with the best mean over
 * them wins the resample (ties shared). Seeded: the same runs give the same probabilities.
 */
export function probabilityBest(
  values: number[][],
  better: 'lower' | 'higher',
  resamples = BOOTSTRAP_RESAMPLES,
  seed = BOOTSTRAP_SEED,
): number[] {
  const k = values.length,
    n = values[0]?.length ?? 0;
  const wins = new Array<number>(k).fill(0);
  if (n === 0) return wins;
  const rng = seedrandom(seed);
  const sums = new Float64Array(k);
  const sign = better === 'lower' ? 1 : -1;
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const r = Math.floor(rng() * n);
      for (let s = 0; s < k; s++) sums[s] += values[s][r];
    }
    let best = Infinity;
    for (let s = 0; s < k; s++) best = Math.min(best, sign * sums[s]);
    const winners = [...sums.keys()].filter((s) => sign * sums[s] === best);
    for (const s of winners) wins[s] += 1 / winners.length;
  }
  return wins.map((w) => w / resamples);
}

const GROUPS = [
  ['aeo', 'AEO'],
  ['non_aeo', 'non-AEO'],
  ['all', 'All shipments'],
] as const;

/**
 * Several scenarios against a base, all run on the same replications (seed, r). Each variant's
 * differences from the base have Bonferroni intervals: with k variants, each at 1 - 0.05 / k, so
 * that all k hold together with 95% confidence. The scenarios are ranked on `rankBy` (a numeric
 * path of the report) with the probability of being best (probabilityBest).
 */
export async function compareMany(
  base: Scenario,
  variants: Scenario[],
  replications: number,
  opts: { rankBy?: string; better?: 'lower' | 'higher'; confidence?: number; onDone?: () => void; runner?: Runner; names?: string[] } = {},
): Promise<ManyComparison> {
  const rankBy = opts.rankBy ?? DEFAULT_RANK_BY;
  const better = opts.better ?? 'lower';
  const confidence = opts.confidence ?? 0.95;
  const all = [base, ...variants];
  const names = opts.names ?? all.map((s) => s.name);
  const reports = await replicateAll(
    all.map((scenario) => ({ scenario, replications })),
    opts.onDone,
    opts.runner ?? {},
  );
  const k = variants.length;
  const level = 1 - (1 - confidence) / k;
  const stat = (rs: Report[], path: string) => rs.map((r) => valueAt(r as never, path) ?? Number.NaN);
  const group = (rs: Report[], g: 'aeo' | 'non_aeo' | 'all', q: 'mean' | 'p90') =>
    rs.map((r) => (g === 'all' ? r.overall : r.aeo_vs_non_aeo[g]).clearance_hours[q]);
  const comparisons = variants.map((_, v) => {
    const rb = reports[v + 1];
    const groups = Object.fromEntries(
      GROUPS.map(([g, label]) => [
        g,
        {
          label,
          mean: adjustedInterval(group(reports[0], g, 'mean'), group(rb, g, 'mean'), level),
          p90: adjustedInterval(group(reports[0], g, 'p90'), group(rb, g, 'p90'), level),
        },
      ]),
    ) as ManyComparison['comparisons'][number]['groups'];
    return { name: names[v + 1], rank_stat: adjustedInterval(stat(reports[0], rankBy), stat(rb, rankBy), level), groups };
  });
  const values = reports.map((rs) => stat(rs, rankBy));
  const pBest = probabilityBest(values, better);
  const order = values.map((xs, i) => ({ i, m: mean(xs) })).sort((x, y) => (better === 'lower' ? x.m - y.m : y.m - x.m) || x.i - y.i);
  const ranking = order.map(({ i, m }, r) => ({ name: names[i], mean: m, probability_best: pBest[i], rank: r + 1 }));
  const pct = `${+(confidence * 100).toFixed(2)}%`;
  const f = statFormatter(rankBy);
  const lines = [
    `Best on ${rankBy} (${better} is better): ${ranking[0].name}, probability of being best ${(ranking[0].probability_best * 100).toFixed(1)}%`,
    ...comparisons.map((c) => {
      const iv = c.rank_stat;
      const clear = iv.lo > 0 || iv.hi < 0;
      const s = (x: number) => `${x >= 0 ? '+' : '-'}${f(Math.abs(x))}`;
      return `${c.name} - ${names[0]}: ${s(iv.diff)} (${s(iv.lo)} to ${s(iv.hi)}, simultaneous ${pct}, Bonferroni)${clear ? '' : ': no clear difference'}`;
    }),
  ];
  const out: ManyComparison = {
    base: names[0],
    variants: names.slice(1),
    seed: base.seed,
    replications,
    confidence,
    adjustment: 'bonferroni',
    family_size: k,
    rank_by: rankBy,
    better,
    comparisons,
    ranking,
    bootstrap: { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED },
    lines,
    reports,
  };
  const warnings: Record<string, OverloadWarning[]> = {};
  reports.forEach((rs, i) => {
    const w = mergeWarnings(rs.map((r) => r.warnings));
    if (w) warnings[names[i]] = w;
  });
  if (Object.keys(warnings).length) out.warnings = warnings;
  return out;
}
