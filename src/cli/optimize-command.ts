import { writeFileSync } from 'node:fs';
import { Table } from '../vendor/cli-table3.js';
import { UsageError } from '../errors.js';
import { describe, optimize, parseVary, type Candidate, type Optimization } from '../experiments/optimize.js';
import { parseTarget, type TargetResult } from '../experiments/target.js';
import { formatHours } from '../scenario/duration.js';
import { parseOverride } from '../scenario/load.js';
import { progressBar } from './progress.js';
import { runnerOf, type ExperimentFlags } from './options.js';
import { checkWritable } from './writable.js';

export interface OptimizeFlags extends ExperimentFlags {
  vary: string[];
  target: string[];
  confidence: number;
  maxReplications: number;
  steps: number;
}

/** `clearsim optimize <scenario> --vary PATH=LO..HI[:COST] ... --target 'EXPR' ...`: the cheapest configuration meeting every target. */
export async function optimizeCommand(file: string, flags: OptimizeFlags): Promise<number> {
  // runtimeFromFlags words its messages with the command's name; it is typed for compare and sweep
  const runner = runnerOf('optimize', flags);
  if (!(flags.confidence > 0.5 && flags.confidence < 1))
    throw new UsageError(`--confidence ${flags.confidence}: must be between 0.5 and 1, e.g. 0.95`);
  if (flags.maxReplications < flags.replications)
    throw new UsageError(`--max-replications ${flags.maxReplications}: must be at least --replications (${flags.replications})`);
  if (flags.out && !/\.json$/i.test(flags.out)) throw new UsageError(`--out ${flags.out}: the file must end in .json`);
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new UsageError(`--report ${flags.report}: the file must end in .html`);
  for (const [flag, f] of [
    ['--out', flags.out],
    ['--report', flags.report],
  ] as const)
    if (f) checkWritable(flag, f);
  const params = flags.vary.map((v) => parseVary(v, flags.steps));
  const targets = flags.target.map(parseTarget);
  const base = [
    ...flags.set.map(parseOverride),
    ...(flags.days !== undefined ? [{ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` }] : []),
  ];
  const bar = progressBar(`optimize ${file}`);
  // the search's length is not known ahead: the bar creeps towards the end, candidate by candidate
  const guess = Math.max(2, params.reduce((a, p) => a + Math.ceil(Math.log2(p.ladder.length)) + 1, 0) * params.length);
  let opt: Optimization;
  try {
    opt = await optimize(file, params, targets, {
      confidence: flags.confidence,
      replications: flags.replications,
      maxReplications: flags.maxReplications,
      maxEvents: flags.maxEvents,
      base,
      runner,
      onProgress: (n) => bar?.update(Math.min(0.99, n / guess)),
    });
  } finally {
    bar?.stop();
  }
  const json = `${JSON.stringify(opt, null, 2)}\n`;
  if (flags.out) writeFileSync(flags.out, json);
  if (flags.report) writeFileSync(flags.report, (await import('../html-report/optimize-report.js')).renderOptimizeReport(opt));
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(`${formatOptimization(opt)}\n`);
  return 0;
}

/** A target's figure: hours for a path of hours, else the bare number. */
function fmt(path: string, x: number): string {
  if (!Number.isFinite(x)) return '-';
  return /_hours\b|hours$/.test(path) ? formatHours(x, 'precise') : `${+x.toPrecision(4)}`;
}

const opSym = (t: TargetResult) => t.op;

export function formatTargetResult(t: TargetResult): string {
  const est = `${fmt(t.path, t.estimate)} ±${fmt(t.path, t.half_width)}`;
  return `${t.path} ${opSym(t)} ${fmt(t.path, t.threshold)}: ${est} (${t.replications} rep${t.replications === 1 ? '' : 's'}) ${t.verdict}`;
}

function candidateLine(c: Candidate): string {
  if (c.verdict === 'overloaded')
    return `overloaded (${c.overloaded.map((o) => `${o.stage} load ${o.load.toFixed(2)}`).join(', ')}): fails without simulating`;
  return c.targets.map(formatTargetResult).join('; ');
}

/** The answer first (values, cost), then the cheaper neighbours rejected, then every candidate. */
export function formatOptimization(o: Optimization): string {
  const out: string[] = [];
  const conf = `${+(o.confidence * 100).toFixed(2)}%`;
  if (o.best) {
    out.push(`${o.scenario}: cheapest configuration meeting every target with ${conf} confidence:`);
    for (const [k, v] of Object.entries(o.best.values)) out.push(`  ${k} = ${+v.toPrecision(6)}`);
    out.push(`  cost ${+o.best.cost.toPrecision(6)}`);
    for (const t of o.best.targets) out.push(`  ${formatTargetResult(t)}`);
  } else {
    out.push(`${o.scenario}: no configuration found: ${o.note}`);
  }
  if (o.best && o.rejected_neighbours.length) {
    out.push('', `cheaper neighbour${o.rejected_neighbours.length > 1 ? 's' : ''} rejected:`);
    for (const n of o.rejected_neighbours) {
      const why = n.implied_by
        ? `not simulated: no better equipped than the rejected ${describe(n.implied_by)}`
        : n.verdict === 'unsure'
          ? `${candidateLine(n)} (not shown to hold in ${n.replications} replications)`
          : candidateLine(n);
      out.push(`  ${describe(n.values)} (cost ${+n.cost.toPrecision(6)}): ${why}`);
    }
  } else if (o.best) out.push('', o.note);
  const t = new Table({
    head: [...o.params.map((p) => p.path), 'cost', 'replications', ...o.targets, 'verdict'],
    style: { head: [], border: [] },
  });
  for (const c of o.candidates)
    t.push([
      ...o.params.map((p) => String(+c.values[p.path].toPrecision(6))),
      String(+c.cost.toPrecision(6)),
      c.verdict === 'overloaded' ? '0' : String(c.replications),
      ...o.targets.map((_, i) => {
        const r = c.targets[i];
        return r ? `${fmt(r.path, r.estimate)} ±${fmt(r.path, r.half_width)} ${r.verdict}` : '-';
      }),
      c.verdict === 'overloaded' ? `overloaded (${c.overloaded.map((x) => x.stage).join(', ')})` : c.feasible ? 'accepted' : 'rejected',
    ]);
  const ranges = o.params
    .map(
      (p) =>
        `${p.path} ${p.lo}..${p.hi}${p.unit ? ' h' : ''} (cost ${p.cost}/unit${p.integer ? '' : `, resolution ${+p.resolution.toPrecision(4)}`})`,
    )
    .join('; ');
  out.push(
    '',
    `evidence: ${o.candidates.length} candidates by ${o.search} search over ${ranges}; the same replications (seed ${o.seed}, r) for each, ${o.replications.initial} doubling up to ${o.replications.max} while an interval straddles its target; ± is the 95% half-width`,
    t.toString(),
  );
  return out.join('\n');
}
