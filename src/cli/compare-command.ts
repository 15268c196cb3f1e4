import { writeFileSync } from 'node:fs';
import { Table } from '../vendor/cli-table3.js';
import { UsageError } from '../errors.js';
import { compare, comparisonJson, type Comparison } from '../experiments/compare.js';
import { renderCompareReport } from '../html-report/html.js';
import { formatHours } from '../scenario/duration.js';
import { loadScenarioFile, parseOverride } from '../scenario/load.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { progressBar } from './progress.js';
import type { ExperimentFlags } from './options.js';
import { runnerOf } from './options.js';
import { checkWritable } from './writable.js';
import { checkFirmsFile, writeFirmsFile } from './firms-file.js';
import { warningLines } from '../stats/overload.js';
import { compareToPrecision, parsePrecision, precisionLine } from '../experiments/precision.js';

export interface CompareFlags extends ExperimentFlags {
  /** --precision PATH:GOAL (repeatable): replicate until the paired half-width of b - a meets each goal. */
  precision?: string[];
  maxReplications?: number;
}

/**
 * `clearsim compare <a> <b>` or `clearsim compare <a> --set ...` (b = a with the overrides):
 * replications paired by seed, differences b - a with 95% intervals.
 */
export async function compareCommand(fileA: string, fileB: string | undefined, flags: CompareFlags): Promise<number> {
  const runner = runnerOf('compare', flags);
  if (!fileB && flags.set.length === 0)
    throw new UsageError('compare: give a second scenario, or --set overrides that make the second from the first');
  if (flags.replications < 2) throw new UsageError('--replications: a comparison needs at least 2 replications for an interval');
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
  ] as const)
    if (f) checkWritable(flag, f);
  const days = flags.days !== undefined ? [{ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` }] : [];
  const a = loadScenarioFile(fileA, days);
  // b gets a's seed: pairing by seed is what makes the comparison sharp
  const b = loadScenarioFile(fileB ?? fileA, [
    ...days,
    ...flags.set.map(parseOverride),
    { path: 'seed', value: a.seed, text: `(seed of ${fileA})` },
  ]);
  const goals = (flags.precision ?? []).map(parsePrecision);
  // with --precision, the budget is that of the largest round it may run
  const budgetReps = goals.length ? (flags.maxReplications ?? 200) : flags.replications;
  checkWorkBudget(
    [
      { scenario: a, replications: budgetReps },
      { scenario: b, replications: budgetReps },
    ],
    flags.maxEvents,
    'raise the budget with --max-events N',
  );
  if (flags.firms) {
    checkFirmsFile(flags.firms, a, b);
    if (a.population!.count !== b.population!.count)
      throw new UsageError(
        `--firms ${flags.firms}: ${a.name} has ${a.population!.count} firms and ${b.name} ${b.population!.count}: only the same firms can be compared firm by firm`,
      );
  }
  const bar = progressBar(`${a.name} vs ${fileB ? b.name : 'overrides'}`);
  let done = 0;
  let c: Comparison;
  try {
    c = goals.length
      ? await compareToPrecision(a, b, goals, { start: flags.replications, max: flags.maxReplications ?? 200, runner })
      : await compare(a, b, flags.replications, () => bar?.update(++done / (2 * flags.replications)), runner);
  } finally {
    bar?.stop();
  }
  if (!fileB) c.b = `${a.name} with ${flags.set.join(' ')}`;
  for (const [who, w] of [
    [`a (${c.a})`, c.warnings?.a],
    [`b (${c.b})`, c.warnings?.b],
  ] as const)
    for (const l of warningLines(who, w, c.replications)) process.stderr.write(`${l}\n`);
  if (flags.firms && c.firmRows) writeFirmsFile(flags.firms, c.firmRows);
  const json = `${JSON.stringify(comparisonJson(c), null, 2)}\n`;
  if (flags.out) writeFileSync(flags.out, json);
  if (flags.report) writeFileSync(flags.report, renderCompareReport(c));
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(`${formatComparison(c)}\n${c.precision ? `${precisionLine(c.precision)}\n` : ''}`);
  return 0;
}

export function formatComparison(c: Comparison): string {
  const out = [`${c.b}  vs  ${c.a}: ${c.replications} replications paired by seed (${c.seed}); differences are b - a, 95% intervals`, ''];
  const t = new Table({
    head: ['group', 'mean a', 'mean b', 'mean diff', 'p50 diff', 'p90 diff', 'inspection rate diff', 'unpaired ±'],
    style: { head: [], border: [] },
  });
  const h = (x: number) => `${x >= 0 ? '+' : '-'}${formatHours(Math.abs(x))}`;
  const iv = (x: { diff: number; half_width: number }) => `${h(x.diff)} ±${formatHours(x.half_width)}`;
  for (const g of Object.values(c.groups)) {
    t.push([
      g.label,
      formatHours(g.mean.mean_a),
      formatHours(g.mean.mean_b),
      iv(g.mean),
      iv(g.p50),
      iv(g.p90),
      Number.isFinite(g.inspection_rate.diff)
        ? `${(g.inspection_rate.diff * 100).toFixed(2)} ±${(g.inspection_rate.half_width * 100).toFixed(2)} pts`
        : '-',
      `±${formatHours(g.mean.unpaired_half_width)}`,
    ]);
  }
  // the answer first: all shipments, and what the firms gain; then the table and each group's sentence
  const keys = Object.keys(c.groups);
  const lead = [
    ...['all', 'import', 'export'].filter((k) => keys.includes(k)).map((k) => c.lines[keys.indexOf(k)]),
    ...(c.firms ? c.lines.slice(keys.length) : []),
  ];
  out.push(...lead, '', t.toString(), '', ...c.lines.filter((l) => !lead.includes(l)));
  for (const w of c.disruptions ?? []) {
    const day = (h: number) => `day ${+(h / 24).toFixed(2)}`;
    const wt = new Table({ head: ['group', 'mean a', 'mean b', 'mean diff', 'p50 diff', 'p90 diff'], style: { head: [], border: [] } });
    const maybe = (x: { diff: number; half_width: number }) => (Number.isFinite(x.diff) ? iv(x) : '-');
    for (const g of Object.values(w.groups))
      wt.push([g.label, formatHours(g.mean.mean_a), formatHours(g.mean.mean_b), maybe(g.mean), maybe(g.p50), maybe(g.p90)]);
    out.push(
      '',
      `During ${w.name}: the shipments arriving from ${day(w.start_hours)} to ${day(w.window_end_hours)} (the disruption and its recovery)`,
      ...w.lines.map((l) => l.replace(`During ${w.name}: `, '')),
      wt.toString(),
    );
  }
  out.push('', `Pairing by seed makes the intervals ${(c.pairing_narrows_by * 100).toFixed(0)}% narrower than independent runs would.`);
  return out.join('\n');
}
