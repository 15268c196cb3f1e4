import { writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import { UsageError } from '../errors.js';
import { grid, parseParam, sweep, sweepFile, sweepJson, sweepRows, type Sweep } from '../experiments/sweep.js';
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

export interface SweepFlags extends ExperimentFlags {
  param: string[];
}

/** `clearsim sweep <scenario> --param path=v1,v2 ...`: a full grid, replications per point. */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<number> {
  const runner = runnerOf('sweep', flags);
  if (flags.param.length === 0) throw new UsageError('sweep: give at least one --param path=v1,v2,...');
  if (flags.out && !/\.(csv|json)$/i.test(flags.out)) throw new UsageError(`--out ${flags.out}: the file must end in .csv or .json`);
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
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
    sw = await sweep(file, params, flags.replications, base, () => bar?.update(++done / total), runner);
  } finally {
    bar?.stop();
  }
  const rows = sweepRows(sw);
  if (flags.out) writeFileSync(flags.out, /\.csv$/i.test(flags.out) ? toCsv(rows) : `${JSON.stringify(sweepFile(sw, rows), null, 2)}\n`);
  if (flags.report) writeFileSync(flags.report, renderSweepReport(sw));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(sweepJson(sw, rows), null, 2)}\n`);
    return 0;
  }
  const disrupted = sw.points[0].report.disruptions.length > 0;
  const tiers = flags.param.length > 1 || disrupted ? [] : Object.keys(sw.points[0].report.by_tier);
  const t = new Table({
    head: [
      ...params.map((p) => p.path),
      'AEO mean',
      'non-AEO mean',
      'non-AEO p90',
      ...(disrupted ? ['during disruption: AEO p90', 'non-AEO p90', 'red lane p90'] : []),
      ...tiers.map((x) => `${x} mean`),
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
    ]);
  }
  process.stdout.write(
    `${sw.scenario}: ${sw.points.length} points x ${sw.replications} replications (same seeds at every point); means ± 95% half-widths\n${t.toString()}\n`,
  );
  if (flags.out) process.stdout.write(`every point's statistics written to ${flags.out}\n`);
  return 0;
}
