import { Distribution } from './distributions.js';
import { parseClock, parseDuration } from './duration.js';
import { LANES, type Disruption, type OpeningHours, type Scenario, type StageSpec, type Tier } from './types.js';
import { show } from './schema.js';

type Raw = Record<string, any>;
export interface CompileIssue { path: string[]; message: string }

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SHARE_TOLERANCE = 1e-6;

/**
 * Turns a schema-valid document into a Scenario (durations in hours, names resolved to indices),
 * checking what a schema cannot say: shares that must sum to 1, stage names that must exist,
 * distribution parameters that must agree. Every problem is listed; nothing is compiled if any.
 */
export function compileScenario(doc: Raw): { scenario?: Scenario; issues: CompileIssue[] } {
  const issues: CompileIssue[] = [];
  const fail = (path: (string | number)[], message: string) => issues.push({ path: path.map(String), message });

  const dist = (spec: Raw, path: (string | number)[], isDuration: boolean): Distribution => {
    const v = (k: string) => (isDuration ? parseDuration(spec[k]) : Number(spec[k]));
    switch (spec.dist) {
      case 'constant': return Distribution.constant(v('value'));
      case 'exponential': return Distribution.exponential(v('mean'));
      case 'gamma':
        if (!(v('mean') > 0)) fail([...path, 'mean'], 'must be > 0 for a gamma distribution');
        return Distribution.gamma(v('mean'), spec.cv);
      case 'uniform':
        if (v('min') > v('max')) fail(path, `min must not exceed max (got min ${show(spec.min)}, max ${show(spec.max)})`);
        return Distribution.uniform(v('min'), v('max'));
      case 'triangular':
        if (!(v('min') <= v('mode') && v('mode') <= v('max'))) fail(path, `needs min <= mode <= max (got ${show(spec.min)}, ${show(spec.mode)}, ${show(spec.max)})`);
        return Distribution.triangular(v('min'), v('mode'), v('max'));
      case 'lognormal': {
        const byMean = spec.mean !== undefined || spec.cv !== undefined;
        const byMedian = spec.median !== undefined || spec.sigma !== undefined;
        if (byMean === byMedian || (byMean && (spec.mean === undefined || spec.cv === undefined)) || (byMedian && (spec.median === undefined || spec.sigma === undefined))) {
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

  const horizonDays: number = doc.horizon.days;
  const warmupDays: number = doc.horizon.warmup_days ?? 0;
  if (warmupDays >= horizonDays) fail(['horizon', 'warmup_days'], `must be less than horizon.days (got ${warmupDays} >= ${horizonDays})`);

  const profile = (values: number[] | undefined, n: number, path: string[]): number[] => {
    if (!values) return new Array(n).fill(1);
    const sum = values.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) { fail(path, 'needs at least one weight above 0'); return new Array(n).fill(1); }
    return values.map((w) => (w * n) / sum);
  };
  const arrivals = {
    perDay: doc.arrivals.per_day as number,
    hourly: profile(doc.arrivals.hourly_profile, 24, ['arrivals', 'hourly_profile']),
    weekly: profile(doc.arrivals.weekly_profile, 7, ['arrivals', 'weekly_profile']),
  };

  const tierEntries = Object.entries(doc.tiers as Record<string, Raw>);
  const tiers: Tier[] = tierEntries.map(([name, t], rank) => {
    const red = t.lanes.red, yellow = t.lanes.yellow, blue = t.lanes.blue ?? 0;
    if (red + yellow + blue > 1 + SHARE_TOLERANCE) fail(['tiers', name, 'lanes'], `red + yellow${t.lanes.blue !== undefined ? ' + blue' : ''} must not exceed 1 (got ${+(red + yellow + blue).toFixed(6)})`);
    return {
      name, rank,
      label: t.label ?? name,
      aeo: t.aeo,
      traderShare: t.trader_share ?? null,
      shipmentShare: t.shipment_share,
      value: t.value ? dist(t.value, ['tiers', name, 'value'], false) : null,
      noncompliance: t.noncompliance,
      red, yellow, blue,
      preArrivalShare: t.pre_arrival_share,
      guaranteeExempt: t.guarantee_exempt,
    };
  });
  const shipmentSum = tiers.reduce((a, t) => a + t.shipmentShare, 0);
  if (Math.abs(shipmentSum - 1) > SHARE_TOLERANCE) fail(['tiers'], `shipment_share must sum to 1 over the tiers (got ${+shipmentSum.toFixed(6)})`);
  const withTraderShare = tiers.filter((t) => t.traderShare !== null);
  if (withTraderShare.length > 0) {
    if (withTraderShare.length < tiers.length) {
      for (const t of tiers) if (t.traderShare === null) fail(['tiers', t.name, 'trader_share'], 'is required when another tier gives trader_share');
    } else {
      const s = withTraderShare.reduce((a, t) => a + (t.traderShare ?? 0), 0);
      if (Math.abs(s - 1) > SHARE_TOLERANCE) fail(['tiers'], `trader_share must sum to 1 over the tiers (got ${+s.toFixed(6)})`);
    }
  }

  const stageNames = Object.keys(doc.stages);
  const stageIndex = new Map(stageNames.map((n, i) => [n, i]));
  const detection: Record<string, number> = doc.risk.detection ?? {};
  for (const k of Object.keys(detection)) {
    if (!stageIndex.has(k)) fail(['risk', 'detection', k], `unknown stage (stages: ${stageNames.join(', ')})`);
  }
  const stages: StageSpec[] = stageNames.map((name, index) => {
    const s = doc.stages[name] as Raw;
    let hours: OpeningHours | null = null;
    if (s.hours) {
      const open = parseClock(s.hours.open), close = parseClock(s.hours.close);
      if (!(open < close)) fail(['stages', name, 'hours'], `open must be before close (got ${s.hours.open}-${s.hours.close}; overnight hours are not supported)`);
      const days: string[] = s.hours.days ?? DAYS;
      hours = { open, close, days: DAYS.map((d) => days.includes(d)) };
    }
    return {
      name, index,
      servers: s.servers === 'unlimited' ? Infinity : s.servers,
      service: dist(s.service, ['stages', name, 'service'], true),
      needsGoods: s.needs_goods ?? false,
      hours,
      // hasOwn: a stage named `constructor` must not pick up Object.prototype's.
      detection: Object.hasOwn(detection, name) ? detection[name] : 0,
    };
  });

  const route = (list: string[], path: string[]): number[] =>
    list.map((n, i) => {
      const idx = stageIndex.get(n);
      if (idx === undefined) fail([...path, String(i)], `unknown stage ${show(n)} (stages: ${stageNames.join(', ')})`);
      return idx ?? 0;
    });
  const flow = {
    intake: route(doc.flow.intake, ['flow', 'intake']),
    lanes: LANES.map((l) => route(doc.flow.lanes[l] ?? [], ['flow', 'lanes', l])),
    release: route(doc.flow.release, ['flow', 'release']),
  };
  if (doc.flow.lanes.blue === undefined) {
    tiers.forEach((t) => { if (t.blue > 0) fail(['tiers', t.name, 'lanes', 'blue'], 'needs flow.lanes.blue'); });
  }

  const horizonHours = horizonDays * 24;
  const disruptions: Disruption[] = (doc.disruptions ?? []).map((d: Raw, i: number) => {
    const start = parseDuration(d.start), duration = parseDuration(d.duration);
    if (!(duration > 0)) fail(['disruptions', i, 'duration'], 'must be longer than 0');
    if (start >= horizonHours) fail(['disruptions', i, 'start'], `starts after the horizon (${d.start} >= ${horizonDays}d)`);
    const capacity = stageNames.map(() => 1);
    for (const [k, m] of Object.entries((d.capacity ?? {}) as Record<string, number>)) {
      const idx = stageIndex.get(k);
      if (idx === undefined) fail(['disruptions', i, 'capacity', k], `unknown stage (stages: ${stageNames.join(', ')})`);
      else capacity[idx] = m;
    }
    return { name: d.name, start, end: start + duration, capacity, arrivals: d.arrivals ?? 1 };
  });

  const guarantee = doc.guarantee
    ? { share: doc.guarantee.share, delay: dist(doc.guarantee.delay, ['guarantee', 'delay'], true), amountRate: doc.guarantee.amount_rate ?? 0 }
    : null;

  const scenario: Scenario = {
    name: doc.name,
    description: doc.description ?? '',
    seed: doc.seed,
    replications: doc.replications ?? 1,
    horizonDays, warmupDays,
    arrivals,
    tiers,
    lodgement: { lead: dist(doc.lodgement.lead, ['lodgement', 'lead'], true), delay: dist(doc.lodgement.delay, ['lodgement', 'delay'], true) },
    stages, flow,
    targetingLift: doc.risk.targeting_lift,
    hold: dist(doc.findings.hold, ['findings', 'hold'], true),
    guarantee,
    priority: { mode: doc.priority.mode, recovery: doc.priority.recovery === undefined ? 0 : parseDuration(doc.priority.recovery) },
    disruptions,
    source: doc,
  };
  return issues.length ? { issues } : { scenario, issues };
}
