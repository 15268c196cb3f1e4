import { RunTooLargeError, UsageError } from '../errors.js';
import { formatInteger } from '../format-integer.js';
import { offeredLoads } from '../model/offered-load.js';
import { parseDuration } from '../scenario/duration.js';
import { DEFAULT_MAX_EVENTS } from '../scenario/limits.js';
import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { estimateWork, formatCount } from '../scenario/work-estimate.js';
import { publicReport, type Report } from '../stats/report.js';
import { replicate, type Runner } from './replicate.js';
import { checkTargetPath, evaluateOnReports, type Target, type TargetResult } from './target.js';

/** One `--vary PATH=LO..HI[:COST]`: a parameter, its range, what a unit of it costs, and the values the search may try. */
export interface VaryParam {
  text: string;
  path: string;
  lo: number;
  hi: number;
  cost: number;
  /** Whole numbers only (servers): LO and HI written as integers. */
  integer: boolean;
  /** Written with a unit (20m..2h): values are hours, given to the scenario as "<x>h". */
  duration: boolean;
  /** The values tried, cheapest first: every integer, or LO..HI in `steps` equal steps. */
  ladder: number[];
  /** The spacing of the ladder (1 for integers): the answer's resolution. */
  resolution: number;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Parses `--vary stages.inspection.servers=8..20:1` (integers), `arrivals.per_day=800.0..1200.0`, `stages.x.service.mean=10m..30m:-2`. */
export function parseVary(text: string, steps = 32): VaryParam {
  const usage = `--vary ${text}: must be PATH=LO..HI[:COST], e.g. --vary stages.inspection.servers=8..20 or --vary stages.declaration.servers=30..60:0.5`;
  const m = /^\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*=\s*([^.:\s][^:]*?)\s*\.\.\s*([^:]+?)\s*(?::\s*(.+?)\s*)?$/.exec(text);
  if (!m) throw new UsageError(usage);
  const [, path, loText, hiText, costText] = m;
  const read = (s: string): { v: number; duration: boolean } => {
    if (NUMBER.test(s)) return { v: Number(s), duration: false };
    const h = parseDuration(s);
    if (!Number.isFinite(h))
      throw new UsageError(`--vary ${text}: ${JSON.stringify(s)} is not a number or a duration (90s, 20m, 1.5h, 2d)`);
    return { v: h, duration: true };
  };
  const lo = read(loText),
    hi = read(hiText);
  if (lo.duration !== hi.duration) throw new UsageError(`--vary ${text}: write LO and HI alike, both numbers or both durations`);
  if (!(hi.v > lo.v)) throw new UsageError(`--vary ${text}: HI must be above LO`);
  const cost = costText === undefined ? 1 : Number(costText);
  if (costText !== undefined && (!NUMBER.test(costText) || cost === 0))
    throw new UsageError(`--vary ${text}: COST must be a number other than 0 (negative: lower values cost more)`);
  const integer = !lo.duration && INTEGER.test(loText) && INTEGER.test(hiText);
  let values: number[];
  if (integer) {
    if (hi.v - lo.v > 10_000) throw new UsageError(`--vary ${text}: at most 10,000 whole values`);
    values = Array.from({ length: hi.v - lo.v + 1 }, (_, i) => lo.v + i);
  } else values = Array.from({ length: steps + 1 }, (_, i) => lo.v + ((hi.v - lo.v) * i) / steps);
  // cheapest first: ascending when a unit costs, descending when lower values cost more
  const ladder = cost > 0 ? values : [...values].reverse();
  return { text, path, lo: lo.v, hi: hi.v, cost, integer, duration: lo.duration, ladder, resolution: integer ? 1 : (hi.v - lo.v) / steps };
}

export interface OptimizeOptions {
  /** Confidence of each target's one-sided test. */
  confidence: number;
  /** Replications every simulated candidate starts with. */
  replications: number;
  /** Replications a candidate whose interval straddles a target may grow to (doubling). */
  maxReplications: number;
  /** Work budget of the whole search: estimated simulated events of every replication run. */
  maxEvents?: number;
  /** Fixed overrides (--set, --days) under every candidate. */
  base?: Override[];
  runner?: Runner;
  /** After each replication, each candidate, or each candidate skipped as overloaded. */
  onProgress?: (candidates: number) => void;
}

export type CandidateVerdict = 'holds' | 'fails' | 'unsure' | 'overloaded';

/** One configuration the search looked at, and the evidence on it. */
export interface Candidate {
  values: Record<string, number>;
  cost: number;
  verdict: CandidateVerdict;
  /** Every target holds with the stated confidence. */
  feasible: boolean;
  replications: number;
  targets: TargetResult[];
  /** Stages whose offered load is 1 or more (then nothing was simulated). */
  overloaded: { stage: string; load: number }[];
}

export interface Optimization {
  scenario: string;
  seed: number;
  confidence: number;
  /** bisection (one parameter) or cost-ordered (several: every combination in order of cost, pruned by dominance). */
  search: 'bisection' | 'cost-ordered';
  params: { path: string; lo: number; hi: number; cost: number; integer: boolean; resolution: number; unit: 'h' | null }[];
  targets: string[];
  replications: { initial: number; max: number };
  /** The cheapest configuration whose targets all hold, or null (say why in `note`). */
  best: { values: Record<string, number>; cost: number; replications: number; targets: TargetResult[] } | null;
  /** The configurations one step cheaper than the best in each parameter, all rejected (evaluated, or implied by a rejected one that dominates them). */
  rejected_neighbours: (Candidate & { implied_by?: Record<string, number> })[];
  /** Every candidate evaluated, in the order the search met them. */
  candidates: Candidate[];
  /** Estimated simulated events the search ran (re-runs included). */
  events_estimated: number;
  note: string;
}

const key = (idx: number[]) => idx.join(',');

/**
 * The cheapest configuration of `params` whose targets all hold with `confidence`, assuming
 * each target improves (or stays) as any parameter moves towards its expensive end.
 *
 * - One parameter: bisection over its values (integers, or LO..HI in steps) once the most
 *   expensive value is shown to meet the targets.
 * - Several: every combination in order of cost; a combination is skipped when it is no better
 *   equipped than one already rejected (dominance), and the first whose targets hold is the
 *   answer: under the assumption, the cheapest of all.
 *
 * Every candidate runs the same replications (seed, r) (common random numbers), starting with
 * `replications` and doubling, up to `maxReplications`, only while some target's interval
 * straddles its threshold; still unsure then counts as not shown to hold. A candidate with a
 * stage at offered load >= 1 fails at once, unsimulated. The budget covers the whole search.
 */
export async function optimize(file: string, params: VaryParam[], targets: Target[], o: OptimizeOptions): Promise<Optimization> {
  if (params.length === 0) throw new UsageError('optimize: give at least one --vary PATH=LO..HI[:COST]');
  if (targets.length === 0) throw new UsageError("optimize: give at least one --target 'PATH OP VALUE'");
  const dup = params.find((p, i) => params.findIndex((q) => q.path === p.path) !== i);
  if (dup) throw new UsageError(`--vary ${dup.text}: ${dup.path} is varied twice`);
  const maxEvents = o.maxEvents ?? DEFAULT_MAX_EVENTS;
  const base = o.base ?? [];
  const scenarioOf = (idx: number[]): Scenario =>
    loadScenarioFile(file, [
      ...base,
      ...params.map((p, i) => {
        const v = p.ladder[idx[i]];
        return { ...parseOverride(`${p.path}=${p.duration ? `${v}h` : v}`), text: `--vary ${p.path}=${p.duration ? `${v}h` : v}` };
      }),
    ]);
  // every candidate checked before the search spends anything: a value the scenario refuses is bad input
  for (const corner of [params.map(() => 0), params.map((p) => p.ladder.length - 1)]) scenarioOf(corner);
  const first = scenarioOf(params.map(() => 0));
  let spent = 0;
  let pathsChecked = false;
  const cache = new Map<string, Candidate>();
  const candidates: Candidate[] = [];
  const valuesOf = (idx: number[]) => Object.fromEntries(params.map((p, i) => [p.path, p.ladder[idx[i]]]));
  const costOf = (idx: number[]) => params.reduce((a, p, i) => a + p.ladder[idx[i]] * p.cost, 0);

  const evaluate = async (idx: number[]): Promise<Candidate> => {
    const k = key(idx);
    const seen = cache.get(k);
    if (seen) return seen;
    const s = scenarioOf(idx);
    const c: Candidate = {
      values: valuesOf(idx),
      cost: costOf(idx),
      verdict: 'fails',
      feasible: false,
      replications: 0,
      targets: [],
      overloaded: [],
    };
    for (const l of offeredLoads(s))
      if (l.utilization !== null && l.utilization >= 1) c.overloaded.push({ stage: l.stage, load: l.utilization });
    if (c.overloaded.length) c.verdict = 'overloaded';
    else {
      const per = estimateWork(s).events;
      // a round adds replications to the candidate's earlier ones (the same seeds), never reruns them
      const reports: Report[] = [];
      for (let n = Math.min(o.replications, o.maxReplications); ; n = Math.min(o.maxReplications, 2 * n)) {
        const added = n - reports.length;
        if (spent + per * added > maxEvents)
          throw new RunTooLargeError(
            `${s.name}: the search would pass its budget of ${formatInteger(maxEvents)} simulated events (~${formatCount(spent)} spent on ${candidates.length} candidates; the next, ${describe(c.values)}, needs ~${formatCount(per * added)} for ${added} more replications). Narrow the --vary ranges, lower --max-replications or horizon.days, or raise --max-events N`,
          );
        spent += per * added;
        const more = await replicate(s, added, () => o.onProgress?.(candidates.length), o.runner ?? {}, reports.length);
        reports.push(...(more.map((r) => publicReport(r)) as Report[]));
        if (!pathsChecked) {
          for (const t of targets) checkTargetPath(t, reports[0]);
          pathsChecked = true;
        }
        c.replications = n;
        c.targets = targets.map((t) => evaluateOnReports(t, reports, o.confidence));
        c.verdict = c.targets.some((t) => t.verdict === 'fails')
          ? 'fails'
          : c.targets.every((t) => t.verdict === 'holds')
            ? 'holds'
            : 'unsure';
        if (c.verdict !== 'unsure' || n >= o.maxReplications) break;
      }
    }
    c.feasible = c.verdict === 'holds';
    cache.set(k, c);
    candidates.push(c);
    o.onProgress?.(candidates.length);
    return c;
  };

  const top = params.map((p) => p.ladder.length - 1);
  let bestIdx: number[] | null = null;
  const rejected: Optimization['rejected_neighbours'] = [];
  let note = '';
  const search = params.length === 1 ? 'bisection' : 'cost-ordered';
  const topC = await evaluate(top);
  if (!topC.feasible) {
    note = `even the most expensive configuration (${describe(topC.values)}) does not meet every target with ${pct(o.confidence)} confidence: no configuration in the ranges does`;
  } else if (params.length === 1) {
    // the cheapest index known to hold, and the most expensive known (or assumed, -1) not to
    let good = top[0],
      bad = -1;
    while (good - bad > 1) {
      const mid = Math.floor((good + bad) / 2);
      if ((await evaluate([mid])).feasible) good = mid;
      else bad = mid;
    }
    bestIdx = [good];
  } else {
    const all = allCombinations(params.map((p) => p.ladder.length));
    if (all === null)
      throw new UsageError(
        `optimize: ${params.map((p) => p.ladder.length).join(' x ')} combinations are too many to order by cost (at most 200,000): narrow the ranges or lower --steps`,
      );
    all.sort((a, b) => costOf(a) - costOf(b) || key(a).localeCompare(key(b)));
    const failed: number[][] = [];
    for (const idx of all) {
      if (failed.some((f) => f.every((x, i) => idx[i] <= x))) continue;
      const c = await evaluate(idx);
      if (c.feasible) {
        bestIdx = idx;
        break;
      }
      failed.push(idx);
    }
  }
  if (bestIdx) {
    const b = cache.get(key(bestIdx))!;
    for (let i = 0; i < params.length; i++) {
      if (bestIdx[i] === 0) continue;
      const down = bestIdx.map((x, j) => (j === i ? x - 1 : x));
      const seen = cache.get(key(down));
      if (seen) rejected.push(seen);
      else {
        // not simulated: a rejected candidate at least as well equipped rules it out
        const by = candidates.find((c) => !c.feasible && params.every((p, j) => p.ladder.indexOf(c.values[p.path]) >= down[j]));
        rejected.push({
          values: valuesOf(down),
          cost: costOf(down),
          verdict: 'fails',
          feasible: false,
          replications: 0,
          targets: [],
          overloaded: [],
          ...(by ? { implied_by: by.values } : {}),
        });
      }
    }
    note =
      rejected.length === 0
        ? 'the cheapest value of every range meets the targets: widen the ranges downwards to find the limit'
        : `every configuration one step cheaper in one parameter was rejected`;
    return result(b);
  }
  return result(null);

  function result(b: Candidate | null): Optimization {
    return {
      scenario: first.name,
      seed: first.seed,
      confidence: o.confidence,
      search,
      params: params.map((p) => ({
        path: p.path,
        lo: p.lo,
        hi: p.hi,
        cost: p.cost,
        integer: p.integer,
        resolution: p.resolution,
        unit: p.duration ? 'h' : null,
      })),
      targets: targets.map((t) => t.text),
      replications: { initial: o.replications, max: o.maxReplications },
      best: b ? { values: b.values, cost: b.cost, replications: b.replications, targets: b.targets } : null,
      rejected_neighbours: rejected,
      candidates,
      events_estimated: spent,
      note,
    };
  }
}

/** Every index combination of ladders of these lengths, or null past 200,000. */
function allCombinations(lengths: number[]): number[][] | null {
  if (lengths.reduce((a, b) => a * b, 1) > 200_000) return null;
  return lengths.reduce<number[][]>((acc, n) => acc.flatMap((c) => Array.from({ length: n }, (_, i) => [...c, i])), [[]]);
}

const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;

/** "stages.inspection.servers=14, stages.documentary.servers=20" */
export function describe(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${+v.toPrecision(6)}`)
    .join(', ');
}
