import { UsageError } from '../errors.js';
import { formatHours, parseDuration } from '../scenario/duration.js';
import { loadScenarioFile, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { mergeWarnings, type OverloadWarning } from '../stats/overload.js';
import type { Report } from '../stats/report.js';
import { pairedInterval, type Interval } from './paired.js';
import { replicateAll, type Runner } from './replicate.js';
import { valueAt } from './target.js';

/** `--param PATH=±20%` (a relative change each way) or `--param PATH=LO,HI` (the two values). */
export interface SensitivityParam {
  text: string;
  path: string;
  /** ±share of the base value, or null with explicit values. */
  relative: number | null;
  values: [string, string] | null;
}

/** A parameter's base, low and high values as run (numbers; durations in hours). */
export interface ParamValues {
  path: string;
  kind: 'integer' | 'number' | 'duration';
  base: number;
  low: number;
  high: number;
}

export interface SensitivityResult {
  scenario: string;
  seed: number;
  replications: number;
  stats: string[];
  /** Each statistic's mean over the base scenario's replications. */
  base: Record<string, number>;
  /** One per --param, in the order given: its values and, per statistic, the change at the low and high value (paired 95% intervals). */
  params: (ParamValues & {
    text: string;
    effects: Record<string, { low: Interval; high: Interval; swing: number }>;
  })[];
  /** Per statistic: the parameters' paths, largest swing (|change at high - change at low|) first. */
  order: Record<string, string[]>;
  lines: string[];
  /** Overload warnings by run (base, or `<path>=<value>`), only when there are any. */
  warnings?: Record<string, OverloadWarning[]>;
  reports: Report[][];
}

export function sensitivityJson(r: SensitivityResult): Omit<SensitivityResult, 'reports'> {
  const { reports: _r, ...rest } = r;
  return rest;
}

/** Parses `PATH=±20%` (also `+-20%`, `20%`) or `PATH=LO,HI`. */
export function parseSensitivityParam(text: string): SensitivityParam {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  const rhs = eq > 0 ? text.slice(eq + 1).trim() : '';
  const usage = `--param ${text}: must be path=±20% or path=low,high, e.g. --param stages.inspection.servers=±20%`;
  if (!path || !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) throw new UsageError(usage);
  const rel = /^(?:±|\+-|\+\/-)?\s*(\d+(?:\.\d+)?)\s*%$/.exec(rhs);
  if (rel) {
    const share = Number(rel[1]) / 100;
    if (!(share > 0 && share < 1)) throw new UsageError(`--param ${text}: the change must be between 0% and 100% (exclusive)`);
    return { text, path, relative: share, values: null };
  }
  const parts = rhs.split(',').map((v) => v.trim());
  if (parts.length === 2 && parts.every((p) => p !== '')) return { text, path, relative: null, values: [parts[0], parts[1]] };
  throw new UsageError(usage);
}

/** The value at a dotted path of a scenario document, or undefined. */
function docValue(doc: unknown, path: string): unknown {
  let node = doc;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Fields that hold a count: they round, and stay at least 1 (servers) or 0 (counts of firms). */
const INTEGER_MIN: Record<string, number> = { servers: 1, count: 0, firms: 0 };

/**
 * A parameter's values: the base read from the scenario (after --set), low and high from it. A
 * count (servers, firms) rounds to a whole number and stays >= 1 (servers) or >= 0; a duration
 * (`3h`) changes in hours and is written back with its unit; other numbers change as they are.
 */
export function paramValues(s: Scenario, p: SensitivityParam): ParamValues {
  const raw = docValue(s.source, p.path);
  const last = p.path.split('.').pop()!;
  let kind: ParamValues['kind'];
  let base: number;
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    base = raw;
    kind = last in INTEGER_MIN && Number.isInteger(raw) ? 'integer' : 'number';
  } else if (typeof raw === 'string' && Number.isFinite(parseDuration(raw))) {
    base = parseDuration(raw);
    kind = 'duration';
  } else {
    throw new UsageError(
      `--param ${p.text}: ${p.path} is ${raw === undefined ? 'not set in the scenario' : `${JSON.stringify(raw)}, not a number or duration`} (sensitivity varies a number, a count or a duration the scenario sets)`,
    );
  }
  const read = (v: string) => {
    const x = kind === 'duration' ? parseDuration(v) : Number(v);
    if (!Number.isFinite(x))
      throw new UsageError(`--param ${p.text}: ${v} is not a ${kind === 'duration' ? 'duration (e.g. 2h)' : 'number'}`);
    return x;
  };
  let [low, high] = p.relative !== null ? [base * (1 - p.relative), base * (1 + p.relative)] : [read(p.values![0]), read(p.values![1])];
  if (kind === 'integer') {
    const min = INTEGER_MIN[last];
    low = Math.max(min, Math.round(low));
    high = Math.max(min, Math.round(high));
  }
  if (low > high) [low, high] = [high, low];
  return { path: p.path, kind, base, low, high };
}

/** The override that sets a parameter to v. */
function overrideOf(v: ParamValues, x: number): Override {
  const value = v.kind === 'duration' ? `${+x.toPrecision(12)}h` : x;
  return { path: v.path, value, text: `--param ${v.path}=${value}` };
}

/** The value as written in messages: durations in hours with units, counts as they are. */
export function showValue(v: ParamValues, x: number): string {
  return v.kind === 'duration' ? formatHours(x, 'precise') : String(+x.toPrecision(6));
}

/**
 * One-at-a-time sensitivity: the scenario at its base values, and with each parameter at its low
 * and at its high value (the others at base), every run on the same replications (seed, r), so
 * that each change is a paired difference from the base (common random numbers). Every scenario
 * is loaded (validated) before anything runs.
 */
export async function sensitivity(
  file: string,
  params: SensitivityParam[],
  stats: string[],
  replications: number,
  base: Override[],
  opts: { onDone?: () => void; runner?: Runner } = {},
): Promise<SensitivityResult> {
  const s0 = loadScenarioFile(file, base);
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.path)) throw new UsageError(`--param ${p.text}: ${p.path} is given twice`);
    seen.add(p.path);
  }
  const values = params.map((p) => paramValues(s0, p));
  const seed: Override = { path: 'seed', value: s0.seed, text: `(seed of ${file})` };
  const runs: { who: string; scenario: Scenario }[] = [{ who: 'base', scenario: s0 }];
  for (const v of values)
    for (const x of [v.low, v.high])
      runs.push({ who: `${v.path}=${showValue(v, x)}`, scenario: loadScenarioFile(file, [...base, overrideOf(v, x), seed]) });
  const reports = await replicateAll(
    runs.map((r) => ({ scenario: r.scenario, replications })),
    opts.onDone,
    opts.runner ?? {},
  );
  const at = (rs: Report[], path: string) => rs.map((r) => valueAt(r, path) ?? Number.NaN);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: SensitivityResult = {
    scenario: s0.name,
    seed: s0.seed,
    replications,
    stats,
    base: Object.fromEntries(stats.map((st) => [st, mean(at(reports[0], st))])),
    params: values.map((v, i) => ({
      ...v,
      text: params[i].text,
      effects: Object.fromEntries(
        stats.map((st) => {
          const low = pairedInterval(at(reports[0], st), at(reports[1 + 2 * i], st));
          const high = pairedInterval(at(reports[0], st), at(reports[2 + 2 * i], st));
          return [st, { low, high, swing: Math.abs(high.diff - low.diff) }];
        }),
      ),
    })),
    order: {},
    lines: [],
    reports,
  };
  for (const st of stats) {
    const sorted = [...out.params].sort((a, b) => b.effects[st].swing - a.effects[st].swing);
    out.order[st] = sorted.map((p) => p.path);
    const top = sorted[0];
    if (top) {
      const e = top.effects[st];
      const f = hoursPath(st) ? (x: number) => formatHours(Math.abs(x), 'precise') : (x: number) => String(+Math.abs(x).toPrecision(3));
      const sgn = (x: number) => (x >= 0 ? '+' : '-');
      out.lines.push(
        `${st}: moved most by ${top.path} (${showValue(top, top.low)} to ${showValue(top, top.high)}: ${sgn(e.low.diff)}${f(e.low.diff)} to ${sgn(e.high.diff)}${f(e.high.diff)})`,
      );
    }
  }
  const warnings: Record<string, OverloadWarning[]> = {};
  reports.forEach((rs, i) => {
    const w = mergeWarnings(rs.map((r) => r.warnings));
    if (w) warnings[runs[i].who] = w;
  });
  if (Object.keys(warnings).length) out.warnings = warnings;
  return out;
}

/** Whether a statistic's path is in hours (`..._hours.mean`, `..._h`). */
export const hoursPath = (path: string) => /_hours(\.|$)|_h$/.test(path);
