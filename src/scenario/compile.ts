import { Distribution } from './distributions.js';
import { formatHours, parseClock, parseDuration } from './duration.js';
import { MAX_DURATION_HOURS, MAX_LOOKAHEAD_HOURS, MAX_OFFERED_LOAD, MAX_SPAN_DAYS, TAIL_QUANTILE } from './limits.js';
import { offeredLoads } from '../model/offered-load.js';
import { LANES, type Disruption, type OpeningHours, type Scenario, type StageSpec, type Tier } from './types.js';
import { show } from './schema.js';
import { compileFirms } from './compile-firms.js';
import { compileFlows } from './compile-flows.js';
import { type CompileContext, isObj, type Raw, SHARE_TOLERANCE } from './compile-context.js';

export interface CompileIssue {
  path: string[];
  message: string;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
const SEP = '\u0000';

/**
 * Which fields the schema found wrong, for the checks across fields: `ok(path)` when nothing at,
 * above or below the field is wrong (its value can be read whole), `shape(path)` when the field
 * itself and those above it are right (its keys can be read; something inside may be wrong).
 */
export function validity(invalid: string[][]): {
  ok: (path: (string | number)[]) => boolean;
  shape: (path: (string | number)[]) => boolean;
} {
  const at = new Set<string>(),
    below = new Set<string>();
  for (const p of invalid) {
    at.add(p.join(SEP));
    for (let i = 0; i < p.length; i++) below.add(p.slice(0, i).join(SEP));
  }
  const shape = (path: (string | number)[]) => {
    if (at.size === 0) return true;
    let key = '';
    for (let i = 0; i <= path.length; i++) {
      if (at.has(key)) return false;
      if (i < path.length) key = i === 0 ? String(path[0]) : key + SEP + String(path[i]);
    }
    return true;
  };
  return { shape, ok: (path) => shape(path) && !below.has(path.map(String).join(SEP)) };
}

/**
 * Turns a document into a Scenario (durations in hours, names resolved to indices), checking
 * what a schema cannot say: shares that must sum to 1, stage names that must exist, distribution
 * parameters that must agree, and the limits of src/scenario/limits.ts (durations, tails, the
 * lookahead). It runs on any document, also one the schema rejects (`invalid`: the schema's
 * faulty paths), so that every problem is listed in one pass: a check is skipped only when a
 * field it reads is itself wrong. Nothing is compiled if there is any problem.
 */
export function compileScenario(doc: Raw, invalid: string[][] = []): { scenario?: Scenario; issues: CompileIssue[] } {
  const issues: CompileIssue[] = [];
  const fail = (path: (string | number)[], message: string) => issues.push({ path: path.map(String), message });
  const { ok, shape } = validity(invalid);
  // biome-ignore lint/suspicious/noExplicitAny: the value at a path, of whatever type the document has there
  const get = (path: (string | number)[]): any => {
    // biome-ignore lint/suspicious/noExplicitAny: walked down key by key, checked at each step
    let x: any = doc;
    for (const k of path) {
      if (x === null || typeof x !== 'object' || !Object.hasOwn(x, k)) return undefined;
      x = x[k];
    }
    return x;
  };

  /** A duration field in hours (NaN when absent or wrong), within MAX_DURATION_HOURS. */
  const duration = (path: (string | number)[]): number => {
    const raw = get(path);
    if (raw === undefined || !ok(path)) return NaN;
    const h = parseDuration(raw);
    if (h > MAX_DURATION_HOURS) fail(path, `must be at most 10 years (3650d) (got ${show(raw)})`);
    return h;
  };

  const build = (spec: Raw, path: (string | number)[], isDuration: boolean): Distribution => {
    const v = (k: string) => (isDuration ? duration([...path, k]) : Number(spec[k]));
    switch (spec.dist) {
      case 'constant':
        return Distribution.constant(v('value'));
      case 'exponential':
        return Distribution.exponential(v('mean'));
      case 'gamma':
        if (!(v('mean') > 0)) fail([...path, 'mean'], 'must be > 0 for a gamma distribution');
        return Distribution.gamma(v('mean'), spec.cv);
      case 'uniform':
        if (v('min') > v('max')) fail(path, `min must not exceed max (got min ${show(spec.min)}, max ${show(spec.max)})`);
        return Distribution.uniform(v('min'), v('max'));
      case 'triangular':
        if (!(v('min') <= v('mode') && v('mode') <= v('max')))
          fail(path, `needs min <= mode <= max (got ${show(spec.min)}, ${show(spec.mode)}, ${show(spec.max)})`);
        return Distribution.triangular(v('min'), v('mode'), v('max'));
      case 'lognormal': {
        const byMean = spec.mean !== undefined || spec.cv !== undefined;
        const byMedian = spec.median !== undefined || spec.sigma !== undefined;
        if (
          byMean === byMedian ||
          (byMean && (spec.mean === undefined || spec.cv === undefined)) ||
          (byMedian && (spec.median === undefined || spec.sigma === undefined))
        ) {
          fail(path, 'lognormal takes either {mean, cv} or {median, sigma}');
          return Distribution.constant(0);
        }
        if (byMean) {
          if (!(v('mean') > 0)) fail([...path, 'mean'], 'must be > 0 for a lognormal distribution');
          return Distribution.lognormalMean(v('mean'), spec.cv);
        }
        if (!(v('median') > 0)) fail([...path, 'median'], 'must be > 0 for a lognormal distribution');
        return Distribution.lognormalMedian(v('median'), spec.sigma);
      }
    }
    fail([...path, 'dist'], `unknown distribution ${show(spec.dist)}`);
    return Distribution.constant(0);
  };

  /**
   * A distribution, when its field is right; its mean and its 1 - 1e-6 quantile must be finite,
   * and for a duration at most 10 years (`tailHours` for a tighter limit): a tail past that is
   * one no run drains.
   */
  const dist = (path: (string | number)[], isDuration: boolean, tailHours = MAX_DURATION_HOURS, tailWhy = ''): Distribution => {
    const spec = get(path);
    if (!isObj(spec) || !ok(path)) return Distribution.constant(0);
    const before = issues.length;
    const d = build(spec, path, isDuration);
    if (issues.length > before) return d;
    const tail = d.quantile(TAIL_QUANTILE);
    if (!Number.isFinite(d.mean) || !Number.isFinite(tail)) {
      fail(
        path,
        `has no finite ${Number.isFinite(d.mean) ? '1 - 1e-6 quantile' : 'mean'}: its parameters are out of reach (got ${show(spec)})`,
      );
    } else if (isDuration && (tail > tailHours || d.mean > tailHours)) {
      const lower =
        spec.dist === 'lognormal'
          ? spec.sigma !== undefined
            ? 'its sigma or median'
            : 'its cv or mean'
          : spec.dist === 'gamma'
            ? 'its cv or mean'
            : spec.dist === 'exponential'
              ? 'its mean'
              : 'it';
      fail(
        path,
        `one draw in a million is above ${formatHours(tail, 'precise')} (its 1 - 1e-6 quantile), past the limit of ${formatHours(tailHours, 'precise')}${tailWhy}; lower ${lower}`,
      );
    }
    return d;
  };

  const horizonDays = num(get(['horizon', 'days']), NaN);
  const warmupDays = num(get(['horizon', 'warmup_days']));
  if (ok(['horizon', 'days']) && ok(['horizon', 'warmup_days']) && warmupDays >= horizonDays)
    fail(['horizon', 'warmup_days'], `must be less than horizon.days (got ${warmupDays} >= ${horizonDays})`);

  const profile = (path: string[], n: number): number[] => {
    const values = get(path);
    if (!Array.isArray(values) || !ok(path)) return new Array(n).fill(1);
    const sum = values.reduce((a: number, b: number) => a + b, 0);
    if (!(sum > 0)) {
      fail(path, 'needs at least one weight above 0');
      return new Array(n).fill(1);
    }
    return values.map((w: number) => (w * n) / sum);
  };
  const arrivals = {
    perDay: num(get(['arrivals', 'per_day'])),
    hourly: profile(['arrivals', 'hourly_profile'], 24),
    weekly: profile(['arrivals', 'weekly_profile'], 7),
  };

  const rawTiers = shape(['tiers']) && isObj(doc.tiers) ? (doc.tiers as Record<string, unknown>) : {};
  const tierEntries = Object.entries(rawTiers);
  const tiers: Tier[] = tierEntries.map(([name, raw], rank) => {
    const t = isObj(raw) ? raw : {};
    const lanes = isObj(t.lanes) ? t.lanes : {};
    const red = num(lanes.red),
      yellow = num(lanes.yellow),
      blue = num(lanes.blue);
    if (ok(['tiers', name, 'lanes']) && red + yellow + blue > 1 + SHARE_TOLERANCE)
      fail(
        ['tiers', name, 'lanes'],
        `red + yellow${lanes.blue !== undefined ? ' + blue' : ''} must not exceed 1 (got ${+(red + yellow + blue).toFixed(6)})`,
      );
    return {
      name,
      rank,
      label: t.label ?? name,
      aeo: t.aeo,
      traderShare: t.trader_share ?? null,
      shipmentShare: num(t.shipment_share),
      value: t.value !== undefined ? dist(['tiers', name, 'value'], false) : null,
      noncompliance: num(t.noncompliance),
      red,
      yellow,
      blue,
      preArrivalShare: num(t.pre_arrival_share),
      guaranteeExempt: t.guarantee_exempt,
    };
  });
  const withFirms = get(['firms']) !== undefined;
  if (
    !withFirms &&
    tiers.length > 0 &&
    tierEntries.every(
      ([name]) => ok(['tiers', name, 'shipment_share']) && isObj(rawTiers[name]) && (rawTiers[name] as Raw).shipment_share !== undefined,
    )
  ) {
    const shipmentSum = tiers.reduce((a, t) => a + t.shipmentShare, 0);
    if (Math.abs(shipmentSum - 1) > SHARE_TOLERANCE)
      fail(['tiers'], `shipment_share must sum to 1 over the tiers (got ${+shipmentSum.toFixed(6)})`);
  }
  if (!withFirms && tierEntries.every(([name]) => ok(['tiers', name, 'trader_share']))) {
    const withTraderShare = tiers.filter((t) => t.traderShare !== null);
    if (withTraderShare.length > 0) {
      if (withTraderShare.length < tiers.length) {
        for (const t of tiers)
          if (t.traderShare === null) fail(['tiers', t.name, 'trader_share'], 'is required when another tier gives trader_share');
      } else {
        const s = withTraderShare.reduce((a, t) => a + (t.traderShare ?? 0), 0);
        if (Math.abs(s - 1) > SHARE_TOLERANCE) fail(['tiers'], `trader_share must sum to 1 over the tiers (got ${+s.toFixed(6)})`);
      }
    }
  }

  // Stage names are known when `stages` is a mapping, whatever is wrong inside a stage.
  const haveStages = shape(['stages']) && isObj(doc.stages);
  const rawStages = haveStages ? (doc.stages as Record<string, unknown>) : {};
  const stageNames = Object.keys(rawStages);
  const stageIndex = new Map(stageNames.map((n, i) => [n, i]));
  const unknownStage = () => `unknown stage (stages: ${stageNames.join(', ')})`;
  const rawDetection = get(['risk', 'detection']);
  const detection: Record<string, number> = isObj(rawDetection) && shape(['risk', 'detection']) ? rawDetection : {};
  if (haveStages) for (const k of Object.keys(detection)) if (!stageIndex.has(k)) fail(['risk', 'detection', k], unknownStage());
  const stages: StageSpec[] = stageNames.map((name, index) => {
    const s: Raw = isObj(rawStages[name]) ? (rawStages[name] as Raw) : {};
    let hours: OpeningHours | null = null;
    if (isObj(s.hours) && ok(['stages', name, 'hours'])) {
      const open = parseClock(s.hours.open),
        close = parseClock(s.hours.close);
      if (!(open < close))
        fail(
          ['stages', name, 'hours'],
          `open must be before close (got ${s.hours.open}-${s.hours.close}; overnight hours are not supported)`,
        );
      const days: string[] = s.hours.days ?? DAYS;
      hours = { open, close, days: DAYS.map((d) => days.includes(d)) };
    }
    return {
      name,
      index,
      servers: s.servers === 'unlimited' ? Infinity : num(s.servers, 1),
      service: dist(['stages', name, 'service'], true),
      needsGoods: s.needs_goods ?? false,
      hours,
      // hasOwn: a stage named `constructor` must not pick up Object.prototype's.
      detection: Object.hasOwn(detection, name) ? num(detection[name]) : 0,
    };
  });

  const route = (path: string[]): number[] => {
    const list = get(path);
    if (!Array.isArray(list) || !shape(path)) return [];
    return list.map((n, i) => {
      const idx = typeof n === 'string' ? stageIndex.get(n) : undefined;
      if (idx === undefined && haveStages && ok([...path, i]))
        fail([...path, String(i)], `unknown stage ${show(n)} (stages: ${stageNames.join(', ')})`);
      return idx ?? 0;
    });
  };
  const flow = {
    intake: route(['flow', 'intake']),
    lanes: LANES.map((l) => route(['flow', 'lanes', l])),
    release: route(['flow', 'release']),
  };
  if (shape(['flow', 'lanes']) && isObj(get(['flow', 'lanes'])) && get(['flow', 'lanes', 'blue']) === undefined) {
    tiers.forEach((t) => {
      if (t.blue > 0 && ok(['tiers', t.name, 'lanes', 'blue'])) fail(['tiers', t.name, 'lanes', 'blue'], 'needs flow.lanes.blue');
    });
  }

  const horizonHours = horizonDays * 24;
  const rawDisruptions = get(['disruptions']);
  const disruptions: Disruption[] = (Array.isArray(rawDisruptions) && shape(['disruptions']) ? rawDisruptions : []).map(
    (raw: unknown, i: number) => {
      const d: Raw = isObj(raw) ? raw : {};
      const start = duration(['disruptions', i, 'start']),
        length = duration(['disruptions', i, 'duration']);
      if (ok(['disruptions', i, 'duration']) && !(length > 0)) fail(['disruptions', i, 'duration'], 'must be longer than 0');
      if (ok(['disruptions', i, 'start']) && ok(['horizon', 'days']) && start >= horizonHours)
        fail(['disruptions', i, 'start'], `starts after the horizon (${d.start} >= ${horizonDays}d)`);
      const serverFactors = stageNames.map(() => 1);
      const capacity = isObj(d.capacity) && shape(['disruptions', i, 'capacity']) ? (d.capacity as Record<string, unknown>) : {};
      for (const [k, m] of Object.entries(capacity)) {
        const idx = stageIndex.get(k);
        if (idx === undefined) {
          if (haveStages) fail(['disruptions', i, 'capacity', k], unknownStage());
        } else serverFactors[idx] = num(m, 1);
      }
      return { name: d.name, start, end: start + length, serverFactors, arrivals: num(d.arrivals, 1) };
    },
  );

  const guarantee = isObj(doc.guarantee)
    ? { share: num(doc.guarantee.share), delay: dist(['guarantee', 'delay'], true), amountRate: num(doc.guarantee.amount_rate) }
    : null;

  const cx: CompileContext = {
    get,
    ok,
    shape,
    fail,
    dist,
    problems: () => issues.length + invalid.length,
    stageIndex: haveStages ? stageIndex : null,
  };
  const { flows, destination, twoStep } = compileFlows(doc, tiers, cx);
  const { firms, costs, population } = compileFirms(doc, tiers, guarantee?.share ?? 0, cx);

  const recovery = get(['priority', 'recovery']);
  const scenario: Scenario = {
    name: doc.name,
    description: doc.description ?? '',
    seed: doc.seed,
    replications: doc.replications ?? 1,
    horizonDays,
    warmupDays,
    arrivals,
    tiers,
    lodgement: {
      // the lead's tail is how far ahead of its arrival each shipment is drawn
      lead: dist(['lodgement', 'lead'], true, MAX_LOOKAHEAD_HOURS, ': how far ahead of their arrival shipments are drawn'),
      delay: dist(['lodgement', 'delay'], true),
    },
    stages,
    flow,
    targetingLift: num(get(['risk', 'targeting_lift']), 1),
    hold: dist(['findings', 'hold'], true),
    guarantee,
    priority: { mode: get(['priority', 'mode']), recovery: recovery === undefined ? 0 : duration(['priority', 'recovery']) },
    disruptions,
    flows,
    destination,
    twoStep,
    firms,
    costs,
    population,
    source: doc,
  };
  // A grossly overloaded stage: its queue takes about horizon x load to drain after the horizon.
  if (issues.length === 0 && invalid.length === 0) {
    for (const { stage, utilization } of offeredLoads(scenario)) {
      if (utilization === null || !(utilization > 1)) continue;
      const span = horizonDays * utilization;
      if (utilization > MAX_OFFERED_LOAD || span > MAX_SPAN_DAYS || !Number.isFinite(span)) {
        fail(
          ['stages', stage],
          `is offered ${+utilization.toPrecision(3)} times its capacity on average: its queue would take about ${+(span / 365).toPrecision(3)} years to drain, past the limits of a ${MAX_OFFERED_LOAD}-fold overload and ${MAX_SPAN_DAYS / 365} years of simulated time; add servers, shorten its service or lower the arrivals`,
        );
      }
    }
  }
  return issues.length ? { issues } : { scenario, issues };
}
