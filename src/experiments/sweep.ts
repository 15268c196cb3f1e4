import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { ci95Of, type SweepFile, type SweepJson, type SweepRow } from '../stats/report-schema.js';
import { publicReport, type Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { UsageError } from '../errors.js';
import { replicateAll, type Runner } from './replicate.js';

export interface SweepParam {
  path: string;
  values: string[];
}

export interface Sweep {
  scenario: string;
  replications: number;
  params: SweepParam[];
  /** Each point's parameter values (as read) and its replications' merged report. */
  points: { params: Record<string, unknown>; report: Report }[];
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
  for (const [i, { point, s }] of scenarios.entries()) {
    const merged = publicReport(mergeReplications(all[i], s));
    const shown = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, parseOverride(`${k}=${v}`).value]));
    out.points.push({ params: shown, report: merged });
  }
  return out;
}

/** One row per point: the parameters, then per tier and group mean/p90 clearance with 95% half-widths, then stages (SweepRowSchema). */
export function sweepRows(sw: Sweep): SweepRow[] {
  return sw.points.map(({ params, report: r }) => {
    const row: SweepRow = {};
    for (const [k, v] of Object.entries(params)) row[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
    for (const [t, v] of Object.entries(r.by_tier)) {
      row[`${t}_mean_h`] = v.clearance_hours.mean;
      row[`${t}_mean_ci95`] = ci95Of(v.clearance_hours, 'mean') ?? 0;
      row[`${t}_p90_h`] = v.clearance_hours.p90;
      row[`${t}_p90_ci95`] = ci95Of(v.clearance_hours, 'p90') ?? 0;
      row[`${t}_inspection_rate`] = v.inspection_rate;
    }
    for (const g of ['aeo', 'non_aeo'] as const) {
      const v = r.aeo_vs_non_aeo[g];
      row[`${g}_mean_h`] = v.clearance_hours.mean;
      row[`${g}_mean_ci95`] = ci95Of(v.clearance_hours, 'mean') ?? 0;
      row[`${g}_p90_h`] = v.clearance_hours.p90;
      row[`${g}_p90_ci95`] = ci95Of(v.clearance_hours, 'p90') ?? 0;
    }
    for (const [st, v] of Object.entries(r.stages)) {
      row[`${st}_utilization`] = v.utilization ?? '';
      row[`${st}_wait_mean_h`] = v.wait_hours.mean;
      row[`${st}_wait_p90_h`] = v.wait_hours.p90;
    }
    for (const [i, d] of r.disruptions.entries()) {
      row[`disruption${i}_aeo_mean_h`] = d.aeo_vs_non_aeo.aeo.clearance_hours.mean;
      row[`disruption${i}_non_aeo_mean_h`] = d.aeo_vs_non_aeo.non_aeo.clearance_hours.mean;
      row[`disruption${i}_non_aeo_p90_h`] = d.aeo_vs_non_aeo.non_aeo.clearance_hours.p90;
      row[`disruption${i}_red_p90_h`] = d.by_lane.red.clearance_hours.p90;
    }
    return row;
  });
}

/** What `sweep --json` prints: one row of statistics per point (SweepSchema). */
export function sweepJson(sw: Sweep, rows: SweepRow[] = sweepRows(sw)): SweepJson {
  return { scenario: sw.scenario, replications: sw.replications, params: sw.params, points: rows };
}

/** What `sweep --out <file>.json` writes: each point's parameter values and its row (SweepFileSchema). */
export function sweepFile(sw: Sweep, rows: SweepRow[] = sweepRows(sw)): SweepFile {
  return { ...sw, points: sw.points.map((p, i) => ({ params: p.params, summary: rows[i] })) };
}
