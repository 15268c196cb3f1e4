import { tQuantile } from '../lazy-quantiles.js';
import { closest } from '../did-you-mean.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../scenario/duration.js';
import { ci95 } from '../stats/replications.js';

/** A comparator of a target expression. */
export type TargetOp = '<' | '<=' | '>' | '>=';

/** `PATH OP VALUE`: a numeric statistic of the report, a comparator and a threshold (hours when written with a unit). */
export interface Target {
  /** As given, for messages. */
  text: string;
  /** The dotted path as given. */
  path: string;
  op: TargetOp;
  value: number;
}

/**
 * A target's verdict on a set of replications, at a confidence level, by a one-sided test:
 * `holds` when the confidence bound on the far side of the threshold still meets it (for `<=`,
 * the upper bound is at most the threshold); `fails` when the bound on the near side already
 * misses it (for `<=`, the lower bound is above it); `unsure` when the interval straddles it.
 */
export type Verdict = 'holds' | 'fails' | 'unsure';

export interface TargetResult {
  target: string;
  path: string;
  op: TargetOp;
  threshold: number;
  /** Mean over the replications. */
  estimate: number;
  /** 95% two-sided half-width of the mean (0 with one replication). */
  half_width: number;
  /** The one-sided confidence bound that decides `holds` (upper for < and <=, lower for > and >=). */
  bound: number;
  /** Whether the estimate itself meets the threshold. */
  meets: boolean;
  verdict: Verdict;
  replications: number;
}

const EXPRESSION = /^\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*(<=|>=|<|>)\s*(.+?)\s*$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Parses `by_tier.general.clearance_hours.p90<=48` or `...p90 <= 2d` (s, m, h, d: hours). */
export function parseTarget(text: string): Target {
  const m = EXPRESSION.exec(text);
  const usage = `--target ${text}: must be PATH OP VALUE with OP one of < <= > >=, e.g. --target 'disruptions.0.non_aeo.clearance_hours.p90<=48h'`;
  if (!m) throw new UsageError(usage);
  const [, path, op, raw] = m;
  const value = NUMBER.test(raw) ? Number(raw) : parseDuration(raw);
  if (!Number.isFinite(value))
    throw new UsageError(`--target ${text}: ${JSON.stringify(raw)} is not a number or a duration (90s, 20m, 1.5h, 2d)`);
  return { text, path, op: op as TargetOp, value };
}

type Json = unknown;

/**
 * The segments of a path in a report. `aeo`, `non_aeo` and `mean_ratio` where the object has
 * them only under `aeo_vs_non_aeo` (as the report and each disruption do) step through it, so
 * `disruptions.0.non_aeo.clearance_hours.p90` reads `disruptions.0.aeo_vs_non_aeo.non_aeo...`.
 */
function walk(report: Json, path: string): Json {
  let node: Json = report;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    const o = node as Record<string, Json>;
    if (seg in o) node = o[seg];
    else if (['aeo', 'non_aeo', 'mean_ratio'].includes(seg) && o.aeo_vs_non_aeo && typeof o.aeo_vs_non_aeo === 'object')
      node = (o.aeo_vs_non_aeo as Record<string, Json>)[seg];
    else return undefined;
  }
  return node;
}

/** The number at a path of a report (null there: NaN), or undefined when the path names no number. */
export function valueAt(report: Json, path: string): number | undefined {
  const v = walk(report, path);
  if (typeof v === 'number') return v;
  if (v === null) return Number.NaN;
  return undefined;
}

/** Every numeric path of a report (arrays by index), its statistics' `_ci95` siblings left out. */
export function numericPaths(report: Json, prefix = ''): string[] {
  if (report === null || typeof report !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(report as Record<string, Json>)) {
    if (k.endsWith('_ci95')) continue;
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' || v === null) out.push(p);
    else if (typeof v === 'object') out.push(...numericPaths(v, p));
  }
  return out;
}

/**
 * Refuses (UsageError, exit 2) a target whose path names no number of the report, naming the
 * nearest valid path: the closest spelling, or else what the longest valid prefix holds.
 */
export function checkTargetPath(t: { text: string; path: string }, report: Json, flag = '--target'): void {
  if (valueAt(report, t.path) !== undefined) return;
  const paths = numericPaths(report);
  const near = closest(t.path, paths) ?? nearestByPrefix(t.path, report, paths);
  throw new UsageError(
    `${flag} ${t.text}: ${t.path} is not a number in the report${near ? `; did you mean ${near}?` : ''} (the report JSON's paths: clearsim run --json)`,
  );
}

/** Without a close spelling: the first numeric path under the longest prefix of `path` that exists, whose last segment is the closest. */
function nearestByPrefix(path: string, report: Json, paths: string[]): string | undefined {
  const segs = path.split('.');
  for (let i = segs.length - 1; i >= 0; i--) {
    const prefix = segs.slice(0, i).join('.');
    if (i > 0 && walk(report, prefix) === undefined) continue;
    const under = paths.filter((p) => i === 0 || p.startsWith(`${prefix}.`));
    if (under.length === 0) continue;
    const last = segs[segs.length - 1];
    let best = under[0];
    let bestScore = -1;
    for (const p of under) {
      const score = p.split('.').filter((s) => segs.includes(s)).length + (p.endsWith(`.${last}`) ? 1 : 0);
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
    return best;
  }
  return undefined;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * A target evaluated on per-replication values: the estimate (their mean), its 95% half-width,
 * and the verdict at `confidence` (one-sided t test on the mean; with one replication or a value
 * that is not a number, nothing can be shown: unsure, or fails when not a number).
 */
export function evaluateTarget(t: Target, values: number[], confidence = 0.95): TargetResult {
  const n = values.length;
  const finite = n > 0 && values.every((x) => Number.isFinite(x));
  const estimate = finite ? mean(values) : Number.NaN;
  const halfWidth = finite ? ci95(values) : Number.NaN;
  const below = t.op === '<' || t.op === '<=';
  const meetsValue = (x: number) => (t.op === '<' ? x < t.value : t.op === '<=' ? x <= t.value : t.op === '>' ? x > t.value : x >= t.value);
  let spread = Number.POSITIVE_INFINITY;
  if (finite && n > 1) {
    const m = estimate;
    const sd = Math.sqrt(values.reduce((a, x) => a + (x - m) * (x - m), 0) / (n - 1));
    spread = tQuantile(confidence, n - 1) * (sd / Math.sqrt(n));
  }
  // far: the bound that must meet the threshold for the target to hold; near: the one that, missing it, fails it
  const far = below ? estimate + spread : estimate - spread;
  const near = below ? estimate - spread : estimate + spread;
  let verdict: Verdict;
  if (!finite) verdict = 'fails';
  else if (Number.isFinite(spread)) verdict = meetsValue(far) ? 'holds' : !meetsValue(near) ? 'fails' : 'unsure';
  else verdict = 'unsure';
  return {
    target: t.text,
    path: t.path,
    op: t.op,
    threshold: t.value,
    estimate,
    half_width: halfWidth,
    bound: far,
    meets: finite && meetsValue(estimate),
    verdict,
    replications: n,
  };
}

/** A target evaluated on replication reports (their values at its path). */
export function evaluateOnReports(t: Target, reports: Json[], confidence = 0.95): TargetResult {
  return evaluateTarget(
    t,
    reports.map((r) => valueAt(r, t.path) ?? Number.NaN),
    confidence,
  );
}
