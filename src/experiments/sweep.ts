import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import type { SweepFile, SweepJson, SweepRow } from '../stats/report-schema.js';
import { publicReport, type Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { UsageError } from '../errors.js';
import { replicateAll, type Runner } from './replicate.js';
import { checkTargetPath, evaluateOnReports, type Target, type TargetResult } from './target.js';

export interface SweepParam {
  path: string;
  values: string[];
}

export interface Sweep {
  scenario: string;
  replications: number;
  params: SweepParam[];
  /** Each point's parameter values (as read) and its replications' merged report. */
  points: SweepPoint[];
  /** --target expressions, as given (each point then has its `targets`). */
  targets?: string[];
}

export interface SweepPoint {
  params: Record<string, unknown>;
  report: Report;
  /** With --target: each target on the point's replications (estimate, half-width, whether it meets it). */
  targets?: TargetResult[];
  /** With --replication-rows: the point's replication reports. */
  replications?: Report[];
}

export interface SweepOptions {
  /** Mark the points that meet these (verdicts at `confidence`, default 0.95). */
  targets?: Target[];
  confidence?: number;
  /** Keep each point's replication reports (for per-replication rows). */
  keepReplications?: boolean;
}

/** Parses `--param path=v1,v2,...` (values read as YAML, like --set). */
export function parseParam(text: string): SweepParam {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  const values =
    eq > 0
      ? text
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '')
      : [];
  if (!path || values.length === 0)
    throw new UsageError(`--param ${text}: must be path=v1,v2,... e.g. --param stages.inspection.servers=12,16,20`);
  return { path, values };
}

/** Every combination of the parameters' values, first parameter varying slowest. */
export function grid(params: SweepParam[]): Record<string, string>[] {
  return params.reduce<Record<string, string>[]>(
    (acc, p) => acc.flatMap((point) => p.values.map((v) => ({ ...point, [p.path]: v }))),
    [{}],
  );
}

/**
 * Runs a scenario at every point of a full grid of parameter values, with the same replications
 * (seed, r) at every point: differences between points are the parameters', not the seeds'.
 * Every point is validated before anything runs.
 */
export async function sweep(
  file: string,
  params: SweepParam[],
  replications: number,
  base: Override[],
  onDone?: () => void,
  runner: Runner = {},
  opts: SweepOptions = {},
): Promise<Sweep> {
  const points = grid(params);
  const scenarios: { point: Record<string, string>; s: Scenario }[] = points.map((point) => ({
    point,
    s: loadScenarioFile(file, [
      ...base,
      ...Object.entries(point).map(([path, v]) => ({ ...parseOverride(`${path}=${v}`), text: `--param ${path}=${v}` })),
    ]),
  }));
  const out: Sweep = { scenario: scenarios[0]?.s.name ?? file, replications, params, points: [] };
  const all = await replicateAll(
    scenarios.map(({ s }) => ({ scenario: s, replications })),
    onDone,
    runner,
  );
  const targets = opts.targets ?? [];
  if (targets.length) {
    out.targets = targets.map((t) => t.text);
    for (const t of targets) checkTargetPath(t, publicReport(all[0][0]));
  }
  for (const [i, { point, s }] of scenarios.entries()) {
    const merged = publicReport(mergeReplications(all[i], s));
    const shown = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, parseOverride(`${k}=${v}`).value]));
    const p: SweepPoint = { params: shown, report: merged };
    if (targets.length) {
      const reps = all[i].map((r) => publicReport(r));
      p.targets = targets.map((t) => evaluateOnReports(t, reps, opts.confidence ?? 0.95));
    }
    if (opts.keepReplications) p.replications = all[i].map((r) => publicReport(r));
    out.points.push(p);
  }
  return out;
}

/**
 * One row per point (SweepRowSchema): the parameters, then per tier and group mean/p90 clearance,
 * per tier the inspection rate, per stage utilization and waits, per disruption the clearance of
 * the shipments arriving in its window, each statistic followed by its 95% half-width
 * (`<name>_ci95`), then per --target its value, half-width, whether the estimate meets it and the
 * verdict at the confidence level.
 */
export function sweepRows(sw: Sweep): SweepRow[] {
  return sw.points.map((p) => {
    const row = statisticsRow(p.params, p.report, true);
    for (const [i, t] of (p.targets ?? []).entries()) {
      const k = `target${i + 1}`;
      row[`${k}_value`] = Number.isFinite(t.estimate) ? t.estimate : '';
      row[`${k}_ci95`] = Number.isFinite(t.half_width) ? t.half_width : '';
      row[`${k}_meets`] = t.meets;
      row[`${k}_verdict`] = t.verdict;
    }
    return row;
  });
}

/** One row per point and replication (--replication-rows): the parameters, the replication, its statistics (no _ci95). */
export function replicationRows(sw: Sweep): SweepRow[] {
  return sw.points.flatMap((p) => (p.replications ?? []).map((r, i) => statisticsRow({ ...p.params, replication: i }, r, false)));
}

/** A point's (or one replication's) statistics as a flat row; `ci`: each followed by its `_ci95`. */
function statisticsRow(params: Record<string, unknown>, r: Report, ci: boolean): SweepRow {
  const row: SweepRow = {};
  for (const [k, v] of Object.entries(params)) row[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
  const put = (name: string, o: object | undefined, key: string) => {
    const v = (o as Record<string, unknown> | undefined)?.[key];
    row[name] = typeof v === 'number' ? v : '';
    if (ci) {
      const c = (o as Record<string, unknown> | undefined)?.[`${key}_ci95`];
      row[name.endsWith('_h') ? `${name.slice(0, -2)}_ci95` : `${name}_ci95`] = typeof c === 'number' ? c : typeof v === 'number' ? 0 : '';
    }
  };
  for (const [t, v] of Object.entries(r.by_tier)) {
    put(`${t}_mean_h`, v.clearance_hours, 'mean');
    put(`${t}_p90_h`, v.clearance_hours, 'p90');
    put(`${t}_inspection_rate`, v, 'inspection_rate');
  }
  for (const g of ['aeo', 'non_aeo'] as const) {
    const v = r.aeo_vs_non_aeo[g];
    put(`${g}_mean_h`, v.clearance_hours, 'mean');
    put(`${g}_p90_h`, v.clearance_hours, 'p90');
  }
  for (const [st, v] of Object.entries(r.stages)) {
    put(`${st}_utilization`, v, 'utilization');
    put(`${st}_wait_mean_h`, v.wait_hours, 'mean');
    put(`${st}_wait_p90_h`, v.wait_hours, 'p90');
  }
  for (const [i, d] of r.disruptions.entries()) {
    put(`disruption${i}_aeo_mean_h`, d.aeo_vs_non_aeo.aeo.clearance_hours, 'mean');
    put(`disruption${i}_aeo_p90_h`, d.aeo_vs_non_aeo.aeo.clearance_hours, 'p90');
    put(`disruption${i}_non_aeo_mean_h`, d.aeo_vs_non_aeo.non_aeo.clearance_hours, 'mean');
    put(`disruption${i}_non_aeo_p90_h`, d.aeo_vs_non_aeo.non_aeo.clearance_hours, 'p90');
    put(`disruption${i}_red_p90_h`, d.by_lane.red.clearance_hours, 'p90');
  }
  return row;
}

/** What `sweep --json` prints: one row of statistics per point (SweepSchema). */
export function sweepJson(sw: Sweep, rows: SweepRow[] = sweepRows(sw)): SweepJson {
  return {
    scenario: sw.scenario,
    replications: sw.replications,
    params: sw.params,
    ...(sw.targets ? { targets: sw.targets } : {}),
    points: rows,
  };
}

/** What `sweep --out <file>.json` writes: each point's parameter values and its row (SweepFileSchema). */
export function sweepFile(sw: Sweep, rows: SweepRow[] = sweepRows(sw)): SweepFile {
  return { ...sweepJson(sw, rows), points: sw.points.map((p, i) => ({ params: p.params, summary: rows[i] })) };
}
