import { UsageError } from '../errors.js';
import { parseDuration } from '../scenario/duration.js';
import type { Scenario } from '../scenario/types.js';
import type { PrecisionJson } from '../stats/report-schema.js';
import { mergeReplications } from '../stats/replications.js';
import { publicReport, type Report } from '../stats/report.js';
import { compare, type Comparison } from './compare.js';
import { pairedInterval } from './paired.js';
import { replicate, type Runner } from './replicate.js';
import { checkTargetPath, evaluateTarget, valueAt } from './target.js';

/** One `--precision PATH:GOAL`: a statistic and the 95% half-width wanted for it. */
export interface PrecisionGoal {
  text: string;
  path: string;
  /** As given: "5%", "0.5h", "0.5". */
  goal: string;
  /** 0.05 for "5%" (of the estimate's magnitude); null for an absolute goal. */
  relative: number | null;
  /** The half-width wanted, for an absolute goal (hours when written with a unit). */
  absolute: number | null;
}

const NUMBER = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Parses `overall.clearance_hours.p90:5%`, `...:0.5h` (s, m, h, d: hours) or `...:0.02`. */
export function parsePrecision(text: string): PrecisionGoal {
  const colon = text.lastIndexOf(':');
  const path = colon > 0 ? text.slice(0, colon).trim() : '';
  const goal = colon > 0 ? text.slice(colon + 1).trim() : '';
  const usage = `--precision ${text}: must be PATH:GOAL with GOAL a share of the estimate (5%) or a half-width (0.5h, 0.5), e.g. --precision aeo_vs_non_aeo.non_aeo.clearance_hours.p90:2%`;
  if (!path || !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path) || !goal) throw new UsageError(usage);
  if (goal.endsWith('%')) {
    const p = goal.slice(0, -1).trim();
    const x = Number(p) / 100;
    if (!NUMBER.test(p) || !(x > 0)) throw new UsageError(usage);
    return { text, path, goal, relative: x, absolute: null };
  }
  const x = NUMBER.test(goal) ? Number(goal) : parseDuration(goal);
  if (!(x > 0)) throw new UsageError(usage);
  return { text, path, goal, relative: null, absolute: x };
}

/** Each goal's figures on the current replications: the estimate and its half-width (a run's, or a comparison's paired b - a). */
type Measure = (path: string) => { estimate: number; half_width: number };

function judge(goals: PrecisionGoal[], measure: Measure, n: number, max: number): PrecisionJson {
  const targets = goals.map((g) => {
    const { estimate, half_width } = measure(g.path);
    const want = g.relative !== null ? g.relative * Math.abs(estimate) : g.absolute!;
    const finite = Number.isFinite(estimate) && Number.isFinite(half_width);
    return {
      path: g.path,
      goal: g.goal,
      half_width_goal: Number.isFinite(want) ? want : 0,
      estimate: Number.isFinite(estimate) ? estimate : null,
      half_width: Number.isFinite(half_width) ? half_width : null,
      met: finite && n >= 2 && half_width <= want,
    };
  });
  return { replications: n, max_replications: max, met: targets.every((t) => t.met), targets };
}

/**
 * How many replications the next round runs: from the widest shortfall, half-widths shrinking
 * as 1/sqrt(n), with 20% to spare; at least one more and at most double (a noisy first estimate
 * of the spread must not send it far past what is needed), never past `max`.
 */
export function nextReplications(p: PrecisionJson, n: number, max: number): number {
  let ratio = 1;
  for (const t of p.targets)
    if (!t.met && t.half_width !== null && t.half_width_goal > 0) ratio = Math.max(ratio, (t.half_width / t.half_width_goal) ** 2);
    else if (!t.met) ratio = Math.max(ratio, 4);
  return Math.min(max, Math.max(n + 1, Math.min(2 * n, Math.ceil(n * ratio * 1.2))));
}

export interface PrecisionOptions {
  /** Replications of the first round (at least 2). */
  start: number;
  max: number;
  runner?: Runner;
  onDone?: () => void;
  /** Before each round: it will run n replications (for the work budget). */
  beforeRound?: (n: number) => void;
}

/**
 * Replicates a scenario until the 95% half-width of every goal's statistic meets it, or `max`
 * replications: rounds that grow replications 0..n-1 on seeds (seed, r), sized by
 * nextReplications; a round runs only the replications the earlier ones did not. Returns the
 * merged report with its `precision` section.
 */
export async function runToPrecision(s: Scenario, goals: PrecisionGoal[], o: PrecisionOptions): Promise<Report> {
  let n = Math.min(o.max, Math.max(2, o.start));
  const reports: Report[] = [];
  for (;;) {
    o.beforeRound?.(n);
    const more = await replicate(s, n - reports.length, o.onDone, o.runner ?? {}, reports.length);
    reports.push(...more.map((r) => publicReport(r)));
    for (const g of goals) checkTargetPath({ text: g.text, path: g.path }, reports[0], '--precision');
    const measure: Measure = (path) => {
      const r = evaluateTarget(
        { text: path, path, op: '<=', value: 0 },
        reports.map((x) => valueAt(x, path) ?? Number.NaN),
      );
      return { estimate: r.estimate, half_width: r.half_width };
    };
    const p = judge(goals, measure, n, o.max);
    if (p.met || n >= o.max) {
      const merged = mergeReplications(reports, s);
      merged.precision = p;
      return merged;
    }
    n = nextReplications(p, n, o.max);
  }
}

/** compare(a, b) until the paired 95% half-width of b - a at every goal's path meets it, or `max` replications. */
export async function compareToPrecision(
  a: Scenario,
  b: Scenario,
  goals: PrecisionGoal[],
  o: PrecisionOptions,
): Promise<Comparison & { precision: PrecisionJson }> {
  let n = Math.min(o.max, Math.max(2, o.start));
  for (;;) {
    o.beforeRound?.(n);
    const c = await compare(a, b, n, o.onDone, o.runner ?? {});
    for (const g of goals) checkTargetPath({ text: g.text, path: g.path }, c.reports.a[0], '--precision');
    const measure: Measure = (path) => {
      const iv = pairedInterval(
        c.reports.a.map((x) => valueAt(x, path) ?? Number.NaN),
        c.reports.b.map((x) => valueAt(x, path) ?? Number.NaN),
      );
      return { estimate: iv.diff, half_width: iv.half_width };
    };
    const p = judge(goals, measure, n, o.max);
    if (p.met || n >= o.max) return { ...c, precision: p };
    n = nextReplications(p, n, o.max);
  }
}

/** The summary line: "precision: 37 replications to reach ..." or why it stopped. */
export function precisionLine(p: PrecisionJson): string {
  const each = p.targets
    .map((t) => `${t.path} ±${t.half_width === null ? '-' : +t.half_width.toPrecision(3)} (goal ${t.goal}${t.met ? ', met' : ', not met'})`)
    .join('; ');
  return p.met
    ? `precision: ${p.replications} replications to reach every goal: ${each}`
    : `precision: goals not all met after ${p.replications} replications (--max-replications ${p.max_replications}): ${each}`;
}
