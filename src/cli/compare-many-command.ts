import { writeFileSync } from 'node:fs';
import { Table } from '../vendor/cli-table3.js';
import { UsageError } from '../errors.js';
import {
  compareMany,
  DEFAULT_RANK_BY,
  manyComparisonJson,
  statFormatter,
  type AdjustedInterval,
  type ManyComparison,
} from '../experiments/compare-many.js';
import { checkStatPath } from '../experiments/report-probe.js';
import { formatHours } from '../scenario/duration.js';
import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { warningLines } from '../stats/overload.js';
import type { CompareFlags } from './compare-command.js';
import type { ManyFlags } from './compare-many-flags.js';
import { runnerOf } from './options.js';
import { progressBar } from './progress.js';
import { checkWritable } from './writable.js';

/** `--variant 'name:--set path=value --set ...'` (or `name:path=value ...`): a name and the overrides that make it from the base. */
export function parseVariant(text: string): { name: string; overrides: Override[] } {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const tokens =
    colon > 0
      ? text
          .slice(colon + 1)
          .trim()
          .split(/\s+/)
          .filter(Boolean)
      : [];
  const sets = tokens.filter((t) => t !== '--set');
  if (!name || sets.length === 0)
    throw new UsageError(
      `--variant ${text}: must be name:--set path=value [--set ...], e.g. --variant 'more-teams:--set stages.inspection.servers=24'`,
    );
  return {
    name,
    overrides: sets.map((s) => {
      if (!s.includes('=')) throw new UsageError(`--variant ${text}: ${s} is not path=value`);
      return { ...parseOverride(s), text: `--variant ${name}: ${s}` };
    }),
  };
}

/**
 * `clearsim compare <base> <a> <b> ...` and/or `--variant name:--set ...`: every scenario on the
 * same replications as the base, differences from it with Bonferroni intervals, ranked on
 * --rank-by with the probability of being best.
 */
export async function compareManyCommand(fileBase: string, files: string[], flags: CompareFlags & ManyFlags): Promise<number> {
  const runner = runnerOf('compare', flags);
  if (flags.set.length > 0)
    throw new UsageError("--set: with several scenarios, give each variant its own overrides: --variant 'name:--set path=value'");
  if (flags.firms) throw new UsageError('--firms: only when comparing two scenarios');
  const precision = (flags as { precision?: string[] }).precision;
  if (precision && precision.length > 0) throw new UsageError('--precision: only when comparing two scenarios');
  if (flags.replications < 2) throw new UsageError('--replications: a comparison needs at least 2 replications for an interval');
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new UsageError(`--report ${flags.report}: the file must end in .html`);
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
  ] as const)
    if (f) checkWritable(flag, f);
  const variants = flags.variant.map(parseVariant);
  const days: Override[] = flags.days !== undefined ? [{ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` }] : [];
  const base = loadScenarioFile(fileBase, days);
  const seed: Override = { path: 'seed', value: base.seed, text: `(seed of ${fileBase})` };
  // every scenario gets the base's seed: the same shipments in each, paired by replication
  const others: { name: string; s: Scenario }[] = [
    ...files.map((f) => {
      const s = loadScenarioFile(f, [...days, seed]);
      return { name: s.name, s };
    }),
    ...variants.map((v) => ({ name: v.name, s: loadScenarioFile(fileBase, [...days, ...v.overrides, seed]) })),
  ];
  // names are how the ranking and the JSON tell the scenarios apart: make them unique
  const names = [base.name];
  for (const o of others) {
    let n = o.name;
    for (let i = 2; names.includes(n); i++) n = `${o.name}#${i}`;
    names.push(n);
  }
  const rankBy = flags.rankBy ?? DEFAULT_RANK_BY;
  checkStatPath('--rank-by', rankBy, base);
  checkWorkBudget(
    [base, ...others.map((o) => o.s)].map((scenario) => ({ scenario, replications: flags.replications })),
    flags.maxEvents,
    'raise the budget with --max-events N',
  );
  const total = (others.length + 1) * flags.replications;
  const bar = progressBar(`${base.name} vs ${others.length} scenarios`);
  let done = 0;
  let c: ManyComparison;
  try {
    c = await compareMany(
      base,
      others.map((o) => o.s),
      flags.replications,
      { rankBy, better: flags.higherIsBetter ? 'higher' : 'lower', names, onDone: () => bar?.update(++done / total), runner },
    );
  } finally {
    bar?.stop();
  }
  for (const [who, w] of Object.entries(c.warnings ?? {}))
    for (const l of warningLines(who, w, c.replications)) process.stderr.write(`${l}\n`);
  const json = `${JSON.stringify(manyComparisonJson(c), null, 2)}\n`;
  if (flags.out) writeFileSync(flags.out, json);
  if (flags.report) writeFileSync(flags.report, (await import('../html-report/compare-many-report.js')).renderCompareManyReport(c));
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(`${formatManyComparison(c)}\n`);
  return 0;
}

export function formatManyComparison(c: ManyComparison): string {
  const pct = `${+(c.confidence * 100).toFixed(2)}%`;
  const f = statFormatter(c.rank_by);
  const signed = (x: number, g = f) => (!Number.isFinite(x) ? '-' : `${x >= 0 ? '+' : '-'}${g(Math.abs(x))}`);
  const iv = (x: AdjustedInterval, g = f) => (Number.isFinite(x.diff) ? `${signed(x.diff, g)} ±${g(x.half_width)}` : '-');
  const out = [
    `${c.variants.length} scenarios vs ${c.base}: ${c.replications} replications each, paired by seed (${c.seed}); differences are scenario - base with simultaneous ${pct} intervals (Bonferroni over ${c.family_size} comparisons: each at ${+((1 - (1 - c.confidence) / c.family_size) * 100).toFixed(2)}%)`,
    `ranked on ${c.rank_by} (${c.better} is better); probability of being best from ${c.bootstrap.resamples} bootstrap resamples of the paired replications (seed '${c.bootstrap.seed}')`,
    '',
  ];
  const byName = new Map(c.comparisons.map((x) => [x.name, x]));
  const t = new Table({
    head: ['rank', 'scenario', c.rank_by, 'vs base', 'P(best)', 'AEO mean vs base', 'non-AEO mean vs base', 'all mean vs base'],
    style: { head: [], border: [] },
  });
  const h = formatHours;
  for (const r of c.ranking) {
    const x = byName.get(r.name);
    t.push([
      String(r.rank),
      r.name === c.base ? `${r.name} (base)` : r.name,
      f(r.mean),
      x ? iv(x.rank_stat) : '-',
      `${(r.probability_best * 100).toFixed(1)}%`,
      x ? iv(x.groups.aeo.mean, h) : '-',
      x ? iv(x.groups.non_aeo.mean, h) : '-',
      x ? iv(x.groups.all.mean, h) : '-',
    ]);
  }
  out.push(c.lines[0], '', t.toString(), '', ...c.lines.slice(1));
  return out.join('\n');
}
