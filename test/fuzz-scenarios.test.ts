import { readFileSync, writeFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ScenarioError } from '../src/errors.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioObject, loadScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { estimateWork } from '../src/scenario/work-estimate.js';
import { incompleteFields } from './helpers/report-complete.js';

/*
 * Every accepted scenario finishes. A seeded mutator turns the bundled scenarios into thousands
 * of attacker's inputs (numbers moved by orders of magnitude, negated, NaN and Infinity, keys
 * dropped, given twice or unknown, types swapped, huge strings, deep nesting, lines cut or
 * doubled), and each goes through the loader: either it is refused with a ScenarioError that
 * names something, or it is accepted and then runs to a complete report (a short run: the
 * horizon cut to 1.5 days and arrivals scaled to a few thousand events). Anything else thrown is
 * a failure, reported with the case's seed and mutations, to be replayed with FUZZ_CASE=n
 * (FUZZ_DUMP=file writes the accepted scenario there, FUZZ_VERBOSE=1 prints counts and the
 * slowest cases).
 */

const CASES = 2400;
const EVENTS_PER_RUN = 3000;
const BASES = ['chongqing-2023', 'aeo-expansion', 'flood-disruption'].map((name) => {
  const text = readFileSync(`scenarios/${name}.yaml`, 'utf8');
  return { name, text, doc: parse(text) as Record<string, unknown> };
});

type Rng = () => number;
type Path = (string | number)[];
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;

/** Every path in a document, the root's children first. */
function pathsOf(v: unknown, p: Path = [], out: Path[] = []): Path[] {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v)) {
      out.push([...p, k]);
      pathsOf(x, [...p, k], out);
    }
  }
  return out;
}

function parentOf(doc: any, path: Path): [any, string | number] | undefined {
  let x = doc;
  for (const k of path.slice(0, -1)) {
    if (x === null || typeof x !== 'object') return undefined;
    x = x[k];
  }
  return x !== null && typeof x === 'object' ? [x, path[path.length - 1]] : undefined;
}

const EXTREMES: unknown[] = [
  NaN,
  Infinity,
  -Infinity,
  'NaN',
  'Infinity',
  '.nan',
  1e308,
  -1e308,
  5e-324,
  -0,
  0,
  2 ** 53,
  2 ** 53 + 2,
  1e15,
  -1,
  0.5,
  1,
  1e6,
  1e6 + 1,
];
const DURATIONS = [
  '0',
  0,
  '1s',
  '0.000000001s',
  '999999999s',
  '3650d',
  '3651d',
  '87600h',
  '1e5h',
  '-2h',
  '2 h',
  '2H',
  `${'9'.repeat(400)}h`,
  '1.5d',
  '30d',
  '30.1d',
];
const DISTS = (rng: Rng) => {
  const d = () => pick(rng, DURATIONS);
  const x = () => pick(rng, [0.001, 0.01, 0.5, 1, 2.9, 3, 3.1, 10, 10.1, 1e-9, 1e200, -1, NaN]);
  return pick(rng, [
    { dist: 'exponential', mean: d() },
    { dist: 'lognormal', median: d(), sigma: x() },
    { dist: 'lognormal', mean: d(), cv: x() },
    { dist: 'lognormal', mean: d(), cv: x(), median: d(), sigma: x() },
    { dist: 'gamma', mean: d(), cv: x() },
    { dist: 'triangular', min: d(), mode: d(), max: d() },
    { dist: 'uniform', min: d(), max: d() },
    { dist: 'constant', value: d() },
    { dist: pick(rng, ['weibull', '', 7, null]) },
  ]);
};

function deep(v: unknown, depth: number, rng: Rng): unknown {
  let x = v;
  for (let i = 0; i < depth; i++) x = rng() < 0.5 ? [x] : { k: x };
  return x;
}

/** One mutation of the document in place; returns what it did. */
function mutate(doc: any, rng: Rng): string {
  const paths = pathsOf(doc);
  const path = pick(rng, paths);
  const at = parentOf(doc, path);
  if (!at) return 'nothing';
  const [parent, key] = at;
  const v = parent[key];
  const where = path.join('.');
  const set = (x: unknown, what: string) => {
    parent[key] = x;
    return `${what} at ${where}`;
  };
  switch (int(rng, 0, 11)) {
    case 0: {
      // orders of magnitude
      const k = pick(rng, [-300, -12, -6, -3, -1, 1, 2, 3, 6, 9, 12, 300]);
      if (typeof v === 'number') return set(v * 10 ** k, `x 1e${k}`);
      const m = typeof v === 'string' ? DURATION.exec(v) : null;
      if (m) return set(`${Number(m[1]) * 10 ** k}${m[2]}`, `duration x 1e${k}`);
      return set(k, 'number');
    }
    case 1:
      if (typeof v === 'number') return set(-v, 'negated');
      return set(typeof v === 'string' ? `-${v}` : -1, 'negated');
    case 2:
      return set(pick(rng, EXTREMES), 'extreme');
    case 3:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return `dropped ${where}`;
    case 4:
      return set(
        pick(rng, [
          'x',
          42,
          true,
          false,
          null,
          {},
          [],
          [1, 2],
          { a: 1 },
          JSON.stringify(v) ?? 'undefined',
          typeof v === 'number' ? String(v) : v,
        ]),
        'type swapped',
      );
    case 5:
      return set(
        rng() < 0.5 ? 'x'.repeat(int(rng, 1000, 200_000)) : '9'.repeat(int(rng, 20, 2000)) + pick(rng, ['h', 'd', '']),
        'huge string',
      );
    case 6:
      return set(deep(v, int(rng, 2, 60), rng), 'deep nesting');
    case 7: {
      // an unknown key, or a few thousand
      const target = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : parent;
      if (Array.isArray(target)) return 'nothing';
      const n = rng() < 0.1 ? int(rng, 100, 3000) : 1;
      for (let i = 0; i < n; i++) target[`zz${i}_${int(rng, 0, 1e6)}`] = pick(rng, [1, 'x', null]);
      return `${n} unknown keys near ${where}`;
    }
    case 8: {
      // a distribution replaced
      const dists = paths.filter((p) => p[p.length - 1] === 'dist');
      if (!dists.length) return 'nothing';
      const dp = pick(rng, dists).slice(0, -1);
      const [o, k] = parentOf(doc, dp)!;
      o[k] = DISTS(rng);
      return `distribution ${JSON.stringify(o[k]).slice(0, 120)} at ${dp.join('.')}`;
    }
    case 9: // a list grown or emptied
      if (Array.isArray(v))
        return set(rng() < 0.5 ? [] : Array.from({ length: int(rng, 2, 300) }, () => pick(rng, v.length ? v : [1])), 'list resized');
      return set([v, v], 'listed');
    case 10: {
      // a disruption, often extreme
      doc.disruptions = [
        ...(Array.isArray(doc.disruptions) ? doc.disruptions : []),
        {
          name: 'fuzz',
          start: pick(rng, DURATIONS),
          duration: pick(rng, DURATIONS),
          capacity: { [pick(rng, ['declaration', 'inspection', 'payment', 'xray'])]: pick(rng, [0, 0.5, 1000, 1001, -1, 1e308]) },
          arrivals: pick(rng, [0, 1, 1000, 1001, 1e308, NaN]),
        },
      ];
      return 'disruption added';
    }
    default: {
      // a profile weight
      const prof = pick(rng, ['hourly_profile', 'weekly_profile']);
      const arr = doc.arrivals?.[prof];
      if (!Array.isArray(arr) || !arr.length) return 'nothing';
      if (rng() < 0.3) arr.fill(pick(rng, [0, 1e308, 1e6, 1e-300]));
      else arr[int(rng, 0, arr.length - 1)] = pick(rng, [1e308, 1e6, 1e6 + 1, 0, -1, NaN, 'x']);
      return `${prof} changed`;
    }
  }
}

/**
 * One change within the limits, at an edge: the inputs that validation accepts and the engine
 * must still take to the end (the widest tails, an hour-long opening, a stage closed for years).
 */
function edge(doc: any, rng: Rng): string {
  const stages = Object.keys(doc.stages ?? {});
  const stage = pick(rng, stages.length ? stages : ['declaration']);
  const tiers = Object.keys(doc.tiers ?? {});
  const tier = pick(rng, tiers.length ? tiers : ['aeo']);
  const wide = () =>
    pick(rng, [
      { dist: 'lognormal', median: '1m', sigma: 3 },
      { dist: 'lognormal', mean: '1h', cv: 10 },
      { dist: 'gamma', mean: '2h', cv: 0.01 },
      { dist: 'gamma', mean: '1h', cv: 10 },
      { dist: 'exponential', mean: '1s' },
      { dist: 'exponential', mean: '200d' },
      { dist: 'constant', value: 0 },
      { dist: 'uniform', min: 0, max: '3650d' },
      { dist: 'triangular', min: 0, mode: 0, max: '1d' },
      { dist: 'constant', value: '0.000000001s' },
    ]);
  const where = (path: string[]) => path.reduce((o: any, k) => (o[k] ??= {}), doc);
  switch (int(rng, 0, 11)) {
    case 0: {
      const spots = [
        ['findings', 'hold'],
        ['lodgement', 'delay'],
        ['lodgement', 'lead'],
        ['stages', stage, 'service'],
        ['guarantee', 'delay'],
      ];
      const at = pick(rng, spots);
      where(at.slice(0, -1))[at[at.length - 1]] = wide();
      return `${at.join('.')} at the edge`;
    }
    case 1:
      doc.arrivals.per_day = pick(rng, [1e-6, 0.5, 1e6]);
      return `per_day ${doc.arrivals.per_day}`;
    case 2:
      where(['stages', stage]).servers = pick(rng, [1, 2, 1e6, 'unlimited']);
      return `${stage} servers`;
    case 3: {
      const w = Array.from({ length: 24 }, () => 0);
      w[int(rng, 0, 23)] = pick(rng, [1e6, 1e-300, 1]);
      doc.arrivals.hourly_profile = w;
      doc.arrivals.weekly_profile = rng() < 0.5 ? [0, 0, 0, 0, 0, 0, 1e6] : Array.from({ length: 7 }, () => 1e6);
      return 'one hour of one day';
    }
    case 4:
      doc.horizon = { days: pick(rng, [0.01, 0.5, 1, 36500]), warmup_days: 0 };
      return `horizon ${doc.horizon.days}d`;
    case 5:
      doc.disruptions = [
        {
          name: 'edge',
          start: pick(rng, [0, '1h', '1d']),
          duration: pick(rng, ['1s', '30d', '400d']),
          capacity: { [stage]: pick(rng, [0, 1000, 0.001]) },
          arrivals: pick(rng, [0, 1000, 1]),
        },
      ];
      return `disruption on ${stage}`;
    case 6: {
      const t = where(['tiers', tier]);
      t.lanes = pick(rng, [
        { red: 1, yellow: 0 },
        { red: 0, yellow: 1 },
        { red: 0, yellow: 0 },
      ]);
      t.noncompliance = pick(rng, [0, 1]);
      t.pre_arrival_share = pick(rng, [0, 1]);
      return `${tier} lanes at the edge`;
    }
    case 7:
      doc.priority = { mode: pick(rng, ['always', 'never', 'disruption']), recovery: pick(rng, [0, '3650d']) };
      return 'priority';
    case 8:
      doc.risk = { targeting_lift: pick(rng, [1, 1e6, 1e308]), detection: { [stage]: pick(rng, [0, 1]) } };
      return 'risk';
    case 9:
      doc.guarantee = { share: pick(rng, [0, 1]), delay: wide(), amount_rate: pick(rng, [0, 10]) };
      return 'guarantee';
    case 10:
      where(['stages', stage]).hours = pick(rng, [
        { open: '00:00', close: '00:01', days: ['sun'] },
        { open: '23:59', close: '24:00' },
        { open: '00:00', close: '24:00', days: ['mon'] },
      ]);
      return `${stage} hours`;
    default:
      doc.replications = pick(rng, [1, 10000]);
      doc.seed = pick(rng, [0, 2 ** 53 - 1]);
      return 'seed and replications';
  }
}

/** Line-level damage of the YAML text itself: a line doubled (a duplicate key), cut, indented or truncated. */
function damageText(text: string, rng: Rng): { text: string; what: string } {
  const lines = text.split('\n');
  const i = int(rng, 0, lines.length - 1);
  switch (int(rng, 0, 4)) {
    case 0:
      lines.splice(i, 0, lines[i]);
      return { text: lines.join('\n'), what: `line ${i + 1} doubled` };
    case 1:
      lines.splice(i, 1);
      return { text: lines.join('\n'), what: `line ${i + 1} dropped` };
    case 2:
      lines[i] = ` ${lines[i]}`;
      return { text: lines.join('\n'), what: `line ${i + 1} indented` };
    case 3:
      return { text: text.slice(0, int(rng, 0, text.length)), what: 'truncated' };
    default: {
      const d = int(rng, 20, 5000);
      lines.splice(i, 0, `deep${i}: ${'['.repeat(d)}${']'.repeat(d)}`);
      return { text: lines.join('\n'), what: `${d} brackets deep at line ${i + 1}` };
    }
  }
}

/** The accepted scenario as a short run: at most 1.5 days, arrivals scaled to about EVENTS_PER_RUN events. */
function shortRun(s: Scenario): Scenario {
  const horizonDays = Math.min(s.horizonDays, 1.5);
  let out: Scenario = { ...s, horizonDays, warmupDays: s.warmupDays < horizonDays ? s.warmupDays : 0, replications: 1 };
  const w = estimateWork(out);
  if (w.events > EVENTS_PER_RUN) out = { ...out, arrivals: { ...out.arrivals, perDay: (out.arrivals.perDay * EVENTS_PER_RUN) / w.events } };
  return out;
}

interface Outcome {
  kind: 'rejected' | 'finished' | 'failed';
  detail?: string;
}

function runCase(n: number): { what: string[]; outcome: Outcome } {
  const rng = seedrandom(`clearsim-fuzz-${n}`);
  const base = BASES[n % BASES.length];
  const what: string[] = [base.name];
  const form = rng();
  let load: () => Scenario;
  if (form < 0.2) {
    const t = damageText(base.text, rng);
    what.push(t.what);
    load = () => loadScenarioText(t.text, `fuzz-${n}.yaml`);
  } else {
    const doc = structuredClone(base.doc);
    // half of them at the edges of what is valid, to be accepted and run; the rest anything
    if (rng() < 0.5) for (let k = int(rng, 1, 3); k > 0; k--) what.push(edge(doc, rng));
    else for (let k = int(rng, 1, 3); k > 0; k--) what.push(mutate(doc, rng));
    if (form < 0.4) {
      what.push('as an object (the API path)');
      load = () => loadScenarioObject(doc, 'scenario');
    } else {
      const text = stringify(doc);
      load = () => loadScenarioText(text, `fuzz-${n}.yaml`);
    }
  }
  let s: Scenario;
  try {
    s = load();
  } catch (err) {
    if (!(err instanceof ScenarioError)) return { what, outcome: { kind: 'failed', detail: `threw ${(err as Error)?.stack ?? err}` } };
    const named = err.issues.length > 0 && err.issues.every((i) => i.message.trim() !== '' || i.path !== '');
    return {
      what,
      outcome: named ? { kind: 'rejected' } : { kind: 'failed', detail: `a ScenarioError naming nothing: ${JSON.stringify(err.issues)}` },
    };
  }
  try {
    const w = estimateWork(s);
    if (!Number.isFinite(w.events) || !Number.isFinite(w.shipments))
      return { what, outcome: { kind: 'failed', detail: `estimate not finite: ${JSON.stringify(w)}` } };
    const short = shortRun(s);
    if (process.env.FUZZ_DUMP)
      writeFileSync(
        process.env.FUZZ_DUMP,
        JSON.stringify({ ...short, source: undefined, perDay: short.arrivals.perDay, src: s.source }, null, 1),
      );
    const { report } = runReplication(short);
    const problems = incompleteFields(
      JSON.parse(JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `${v}` : v))),
      short,
    );
    return {
      what,
      outcome: problems.length ? { kind: 'failed', detail: `incomplete report: ${problems.join('; ')}` } : { kind: 'finished' },
    };
  } catch (err) {
    return { what, outcome: { kind: 'failed', detail: `accepted, then threw ${(err as Error)?.stack ?? err}` } };
  }
}

describe('fuzzed scenarios: refused with a named problem, or run to a complete report', () => {
  it(`${CASES} seeded mutations of the bundled scenarios`, () => {
    const only = process.env.FUZZ_CASE;
    const cases = only !== undefined ? [Number(only)] : Array.from({ length: CASES }, (_, n) => n);
    const counts = { rejected: 0, finished: 0, failed: 0 };
    const failures: string[] = [];
    const slow: [number, number, string][] = [];
    for (const n of cases) {
      const t0 = performance.now();
      const { what, outcome } = runCase(n);
      if (process.env.FUZZ_VERBOSE) slow.push([performance.now() - t0, n, what.join('; ').slice(0, 200)]);
      counts[outcome.kind]++;
      if (outcome.kind === 'failed' && failures.length < 10)
        failures.push(`case ${n} (FUZZ_CASE=${n}): ${what.join('; ').slice(0, 400)}: ${outcome.detail?.slice(0, 800)}`);
    }
    if (process.env.FUZZ_VERBOSE)
      console.log(
        counts,
        slow
          .sort((a, b) => b[0] - a[0])
          .slice(0, 25)
          .map((x) => `${x[0].toFixed(0)}ms #${x[1]} ${x[2]}`)
          .join('\n'),
      );
    expect(failures).toEqual([]);
    if (only === undefined) {
      // both outcomes are exercised, not one of them by accident
      expect(counts.rejected).toBeGreaterThan(CASES / 4);
      expect(counts.finished).toBeGreaterThan(CASES / 20);
    }
  });
});
