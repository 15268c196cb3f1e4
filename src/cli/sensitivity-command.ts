import { writeFileSync } from 'node:fs';
import { Table } from '../vendor/cli-table3.js';
import { UsageError } from '../errors.js';
import { checkStatPath } from '../experiments/report-probe.js';
import { DEFAULT_RANK_BY } from '../experiments/compare-many.js';
import {
  hoursPath,
  paramValues,
  parseSensitivityParam,
  sensitivity,
  sensitivityJson,
  showValue,
  type SensitivityResult,
} from '../experiments/sensitivity.js';
import type { Interval } from '../experiments/paired.js';
import { formatHours } from '../scenario/duration.js';
import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { warningLines } from '../stats/overload.js';
import type { ExperimentFlags } from './options.js';
import { runnerOf } from './options.js';
import { progressBar } from './progress.js';
import { checkWritable } from './writable.js';

export interface SensitivityFlags extends ExperimentFlags {
  param: string[];
  stat: string[];
}

/** `clearsim sensitivity <scenario> --param PATH=±20% ...`: one parameter at a time, low and high, paired with the base. */
export async function sensitivityCommand(file: string, flags: SensitivityFlags): Promise<number> {
  const runner = runnerOf('sensitivity', flags);
  if (flags.param.length === 0) throw new UsageError('sensitivity: give at least one --param path=±20% (or path=low,high)');
  if (flags.replications < 2) throw new UsageError('--replications: sensitivity needs at least 2 replications for an interval');
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new UsageError(`--report ${flags.report}: the file must end in .html`);
  if (flags.out && !/\.json$/i.test(flags.out)) throw new UsageError(`--out ${flags.out}: the file must end in .json`);
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
  ] as const)
    if (f) checkWritable(flag, f);
  const params = flags.param.map(parseSensitivityParam);
  const base: Override[] = [
    ...flags.set.map(parseOverride),
    ...(flags.days !== undefined ? [{ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` }] : []),
  ];
  const s0 = loadScenarioFile(file, base);
  const stats = flags.stat.length ? flags.stat : [DEFAULT_RANK_BY];
  for (const st of stats) checkStatPath('--stat', st, s0);
  // every run as sensitivity() will load it, for the budget
  const values = params.map((p) => paramValues(s0, p));
  checkWorkBudget(
    [s0, ...values.flatMap(() => [s0, s0])].map((scenario) => ({ scenario, replications: flags.replications })),
    flags.maxEvents,
    'raise the budget with --max-events N',
  );
  const total = (1 + 2 * params.length) * flags.replications;
  const bar = progressBar(`sensitivity ${file}`);
  let done = 0;
  let r: SensitivityResult;
  try {
    r = await sensitivity(file, params, stats, flags.replications, base, { onDone: () => bar?.update(++done / total), runner });
  } finally {
    bar?.stop();
  }
  for (const [who, w] of Object.entries(r.warnings ?? {}))
    for (const l of warningLines(who, w, r.replications)) process.stderr.write(`${l}\n`);
  const json = `${JSON.stringify(sensitivityJson(r), null, 2)}\n`;
  if (flags.out) writeFileSync(flags.out, json);
  if (flags.report) writeFileSync(flags.report, (await import('../html-report/sensitivity-report.js')).renderSensitivityReport(r));
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(`${formatSensitivity(r)}\n`);
  return 0;
}

export function formatSensitivity(r: SensitivityResult): string {
  const out = [
    `${r.scenario}: one parameter at a time at its low and high value, ${r.replications} replications each paired by seed (${r.seed}) with the base; changes from the base with 95% intervals, largest swing first`,
  ];
  for (const st of r.stats) {
    const f = hoursPath(st) ? (x: number) => formatHours(x) : (x: number) => String(+x.toPrecision(4));
    const iv = (x: Interval) => `${x.diff >= 0 ? '+' : '-'}${f(Math.abs(x.diff))} ±${f(x.half_width)}`;
    const t = new Table({
      head: ['parameter', 'base', 'low', 'high', 'change at low', 'change at high', 'swing'],
      style: { head: [], border: [] },
    });
    for (const path of r.order[st]) {
      const p = r.params.find((x) => x.path === path)!;
      const e = p.effects[st];
      t.push([path, showValue(p, p.base), showValue(p, p.low), showValue(p, p.high), iv(e.low), iv(e.high), f(e.swing)]);
    }
    out.push('', `${st}: base ${f(r.base[st])}`, t.toString());
  }
  out.push('', ...r.lines);
  return out.join('\n');
}
