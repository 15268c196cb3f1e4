import { writeFileSync } from 'node:fs';
import { Table } from '../vendor/cli-table3.js';
import { UsageError } from '../errors.js';
import { grid, parseParam, replicationRows, sweep, sweepFile, sweepJson, sweepRows, type Sweep } from '../experiments/sweep.js';
import { parseTarget, type TargetResult } from '../experiments/target.js';
import { toCsv } from '../csv.js';
import { renderSweepReport } from '../html-report/html.js';
import { formatHours } from '../scenario/duration.js';
import { loadScenarioFile, parseOverride } from '../scenario/load.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { ci95Of, type HoursStats } from '../stats/report-schema.js';
import { progressBar } from './progress.js';
import type { ExperimentFlags } from './options.js';
import { runnerOf } from './options.js';
import { checkWritable } from './writable.js';
import { warningLines } from '../stats/overload.js';

export interface SweepFlags extends ExperimentFlags {
  param: string[];
  /** --target 'PATH OP VALUE' (repeatable): mark the points that meet it. */
  target?: string[];
  confidence?: number;
  /** --replication-rows FILE.csv: one row per point and replication. */
  replicationRows?: string;
}

/** `clearsim sweep <scenario> --param path=v1,v2 ...`: a full grid, replications per point. */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<number> {
  const runner = runnerOf('sweep', flags);
  if (flags.param.length === 0) throw new UsageError('sweep: give at least one --param path=v1,v2,...');
  if (flags.out && !/\.(csv|json)$/i.test(flags.out)) throw new UsageError(`--out ${flags.out}: the file must end in .csv or .json`);
  if (flags.replicationRows && !/\.csv$/i.test(flags.replicationRows))
    throw new UsageError(`--replication-rows ${flags.replicationRows}: the file must end in .csv`);
  const confidence = flags.confidence ?? 0.95;
  if (!(confidence > 0.5 && confidence < 1)) throw new UsageError(`--confidence ${confidence}: must be between 0.5 and 1, e.g. 0.95`);
  const targets = (flags.target ?? []).map(parseTarget);
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
    ['--replication-rows', flags.replicationRows],
  ] as const)
    if (f) checkWritable(flag, f);
  const params = flags.param.map(parseParam);
  const base = [
    ...flags.set.map(parseOverride),
    ...(flags.days !== undefined ? [{ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` }] : []),
  ];
  const total = grid(params).length * flags.replications;
  // every point as sweep() will load it, for the budget of the whole grid
  const points = grid(params).map((point) => ({
    scenario: loadScenarioFile(file, [
      ...base,
      ...Object.entries(point).map(([path, v]) => ({ ...parseOverride(`${path}=${v}`), text: `--param ${path}=${v}` })),
    ]),
    replications: flags.replications,
  }));
  checkWorkBudget(points, flags.maxEvents, 'raise the budget with --max-events N');
  const bar = progressBar(`sweep ${file}`);
  let done = 0;
  let sw: Sweep;
  try {
    sw = await sweep(file, params, flags.replications, base, () => bar?.update(++done / total), runner, {
      targets,
      confidence,
      keepReplications: !!flags.replicationRows,
    });
  } finally {
    bar?.stop();
  }
  const rows = sweepRows(sw);
  for (const p of sw.points) {
    const at = Object.entries(p.params)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    for (const l of warningLines(`sweep point ${at}`, p.report.warnings, p.report.replications)) process.stderr.write(`${l}\n`);
  }
  if (flags.out) writeFileSync(flags.out, /\.csv$/i.test(flags.out) ? toCsv(rows) : `${JSON.stringify(sweepFile(sw, rows), null, 2)}\n`);
  if (flags.report) writeFileSync(flags.report, renderSweepReport(sw));
  if (flags.replicationRows) writeFileSync(flags.replicationRows, toCsv(replicationRows(sw)));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(sweepJson(sw, rows), null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${formatSweep(sw, confidence)}\n`);
  if (flags.out) process.stdout.write(`every point's statistics written to ${flags.out}\n`);
  return 0;
}

/** A target's cell: whether the estimate meets it, then the estimate ± its 95% half-width and the verdict. */
function targetCell(t: TargetResult): string {
  const f = (x: number) => (/hours/.test(t.path) ? formatHours(x) : Number.isFinite(x) ? `${+x.toPrecision(4)}` : '-');
  return `${t.meets ? 'yes' : 'no'}: ${f(t.estimate)} ±${f(t.half_width)} (${t.verdict})`;
}

/**
 * The sweep as a table, every column titled uniquely: the parameters, AEO and non-AEO over the
 * run, the first disruption's window (named), the tiers (one parameter, no disruption), then
 * one column per --target: whether the point's estimate meets it.
 */
export function formatSweep(sw: Sweep, confidence = 0.95): string {
  const params = sw.params;
  const first = sw.points[0].report;
  const d0 = first.disruptions[0];
  const disrupted = d0 !== undefined;
  const tiers = params.length > 1 || disrupted ? [] : Object.keys(first.by_tier);
  const during = 'disruption 0';
  const t = new Table({
    head: [
      ...params.map((p) => p.path),
      'AEO mean',
      'non-AEO mean',
      'non-AEO p90',
      ...(disrupted ? [`${during}: AEO p90`, `${during}: non-AEO p90`, `${during}: red lane p90`] : []),
      ...tiers.map((x) => `${x} mean`),
      ...(sw.targets ?? []).map((_, i) => `meets target ${i + 1}`),
    ],
    style: { head: [], border: [] },
  });
  const ci = (o: HoursStats, k: 'mean' | 'p90') => `${formatHours(o[k])} ±${formatHours(ci95Of(o, k) ?? 0)}`;
  for (const p of sw.points) {
    const r = p.report;
    t.push([
      ...params.map((q) => {
        const v = p.params[q.path];
        return typeof v === 'string' ? v : JSON.stringify(v);
      }),
      ci(r.aeo_vs_non_aeo.aeo.clearance_hours, 'mean'),
      ci(r.aeo_vs_non_aeo.non_aeo.clearance_hours, 'mean'),
      ci(r.aeo_vs_non_aeo.non_aeo.clearance_hours, 'p90'),
      ...(disrupted
        ? [
            ci(r.disruptions[0].aeo_vs_non_aeo.aeo.clearance_hours, 'p90'),
            ci(r.disruptions[0].aeo_vs_non_aeo.non_aeo.clearance_hours, 'p90'),
            ci(r.disruptions[0].by_lane.red.clearance_hours, 'p90'),
          ]
        : []),
      ...tiers.map((x) => ci(r.by_tier[x].clearance_hours, 'mean')),
      ...(p.targets ?? []).map(targetCell),
    ]);
  }
  const out = [
    `${sw.scenario}: ${sw.points.length} points x ${sw.replications} replications (same seeds at every point); means ± 95% half-widths`,
    t.toString(),
  ];
  if (disrupted) out.push(`disruption 0: ${d0.name} (the shipments arriving in its window and its recovery)`);
  for (const [i, x] of (sw.targets ?? []).entries()) {
    const meets = sw.points.filter((p) => p.targets?.[i].meets);
    const holds = sw.points.filter((p) => p.targets?.[i].verdict === 'holds');
    out.push(
      `target ${i + 1}, ${x}: ${meets.length} of ${sw.points.length} points meet it by their estimate, ${holds.length} with ${+(confidence * 100).toFixed(2)}% confidence (one-sided)${
        meets.length ? `: ${meets.map((p) => describePoint(p.params)).join('; ')}` : ''
      }`,
    );
  }
  return out.join('\n');
}

const describePoint = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
