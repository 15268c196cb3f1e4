import { RunTooLargeError } from '../errors.js';
import { offeredLoads } from '../model/offered-load.js';
import { routeShares, twoStepShare } from '../model/risk.js';
import { buildRoutes } from '../model/route.js';
import { DEFAULT_MAX_EVENTS } from './limits.js';
import type { Scenario } from './types.js';
import { formatInteger } from '../format-integer.js';

/** What one replication of a scenario is expected to cost, before it runs. */
export interface WorkEstimate {
  /** Expected shipments: the integral of the arrival rate over the horizon. */
  shipments: number;
  /** Expected simulated events: each shipment's, and the run's own (opening hours, disruptions). */
  events: number;
  /** Of those, events per shipment: drawing, arrival, lodgement, one per stage visited, the guarantee wait. */
  eventsPerShipment: number;
}

const WEEK = 168;

/**
 * The expected work of one replication, from the scenario alone (no random draw):
 *
 * - shipments: per_day / 24 x the hourly and weekly profiles x every disruption's arrival
 *   multiplier over its window, integrated over [0, horizon) exactly as the arrival process
 *   draws them (the rate is constant within each hour and between disruption edges);
 * - events per shipment: 1 for drawing it, 1 for its arrival when shipments are drawn ahead (some
 *   tier pre-lodges), 1 for its lodgement, 1 per stage on its route (intake, its lane's stages by
 *   the tiers' lane shares, release), and the share that waits for a guarantee;
 * - the run's own events: 2 a day per stage with opening hours (over the horizon, or over the
 *   drain of an overloaded stage: horizon x its offered load), the edges of disruptions and of
 *   priority windows.
 *
 * A run's events come within a few percent of it (findings' holds, the drain and the timeline are
 * left out: they are small).
 */
export function estimateWork(s: Scenario): WorkEstimate {
  const horizon = s.horizonDays * 24;
  const shipments = (s.arrivals.perDay / 24) * arrivalMass(s, horizon);

  // every route's stages (intake, handling, the lane's, release), by its share of declarations
  let stages = 0;
  const shares = routeShares(s);
  buildRoutes(s).forEach((r, i) => {
    stages += shares[i] * r.stages.length;
  });
  let guarantee = 0;
  for (const t of s.tiers) if (s.guarantee && !t.guaranteeExempt) guarantee += t.shipmentShare * s.guarantee.share;
  const drawnAhead = s.tiers.some((t) => t.preArrivalShare > 0) || s.flows.some((f) => f.preArrivalShare.some((x) => x > 0)) ? 1 : 0;
  // a complete declaration after a two-step release: its lodgement and its stage
  const completions = 2 * twoStepShare(s, shares);
  const eventsPerShipment = 2 + drawnAhead + stages + guarantee + completions;

  // opening and closing go on until the queues have drained: about horizon x the largest offered load past 1
  let load = 1;
  for (const l of offeredLoads(s)) if (l.utilization !== null && l.utilization > load) load = l.utilization;
  const days = s.horizonDays * load;
  let runEvents = 2 * s.disruptions.length;
  for (const st of s.stages) {
    if (st.hours) runEvents += 2 * days * (st.hours.days.filter(Boolean).length / 7);
    for (const d of s.disruptions) if (d.serverFactors[st.index] !== 1) runEvents += 2;
  }
  if (s.priority.mode === 'disruption') runEvents += 2 * s.disruptions.length;
  return { shipments, events: shipments * eventsPerShipment + runEvents, eventsPerShipment };
}

/** The integral of hourly x weekly x disruption arrival multipliers over [0, horizon), in hours. */
function arrivalMass(s: Scenario, horizon: number): number {
  if (!(horizon > 0)) return 0;
  // the week's rate shape, hour by hour, and its running integral
  const prefix = new Float64Array(WEEK + 1);
  for (let h = 0; h < WEEK; h++) prefix[h + 1] = prefix[h] + s.arrivals.hourly[h % 24] * s.arrivals.weekly[Math.floor(h / 24)];
  const week = prefix[WEEK];
  const F = (t: number) => {
    const weeks = Math.floor(t / WEEK);
    const r = t - weeks * WEEK;
    const k = Math.min(WEEK - 1, Math.floor(r));
    return weeks * week + prefix[k] + (r - k) * (prefix[k + 1] - prefix[k]);
  };
  const ds = s.disruptions.filter((d) => d.arrivals !== 1);
  const cuts = new Set<number>([0, horizon]);
  for (const d of ds) for (const t of [d.start, d.end]) if (t > 0 && t < horizon) cuts.add(t);
  const edges = [...cuts].sort((a, b) => a - b);
  let mass = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i],
      b = edges[i + 1];
    let mult = 1;
    for (const d of ds) if (a >= d.start && a < d.end) mult *= d.arrivals;
    if (mult !== 0) mass += mult * (F(b) - F(a));
  }
  return mass;
}

/** A count as the estimate is shown: about three significant digits ("~33,700", "~2.34e+12" when huge). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'more than 1e+308';
  if (n >= 1e15) return n.toExponential(2);
  if (n < 1000) return String(Math.round(n));
  const digits = Math.floor(Math.log10(n)) + 1;
  const unit = 10 ** (digits - 3);
  return formatInteger(Math.round(n / unit) * unit);
}

/** One line for `clearsim validate`: "~33,700 shipments, ~180,000 events per replication (x 10 replications: ~1,800,000 events)". */
export function describeWork(s: Scenario): string {
  const w = estimateWork(s);
  const per = `~${formatCount(w.shipments)} shipments, ~${formatCount(w.events)} events per replication`;
  return s.replications > 1 ? `${per} (x ${s.replications} replications: ~${formatCount(w.events * s.replications)} events)` : per;
}

export interface WorkItem {
  scenario: Scenario;
  /** Replications it runs (default: the scenario's own). */
  replications?: number;
}

/**
 * The budget check of every command that runs scenarios (run, compare, sweep, POST /runs): the
 * estimated events of all the items' replications together must not exceed `maxEvents`
 * (default DEFAULT_MAX_EVENTS). Throws RunTooLargeError naming the estimate, the budget and
 * `raise` (how to raise it: "--max-events N", the server's option); returns the total otherwise.
 */
export function checkWorkBudget(items: WorkItem[], maxEvents: number = DEFAULT_MAX_EVENTS, raise = 'raise it with --max-events N'): number {
  let total = 0;
  let shipments = 0;
  const per: number[] = [];
  for (const { scenario, replications } of items) {
    const w = estimateWork(scenario);
    const r = replications ?? scenario.replications;
    total += w.events * r;
    shipments += w.shipments * r;
    per.push(w.events);
  }
  if (Number.isFinite(total) && total <= maxEvents) return total;
  const first = items[0];
  const reps = first ? (first.replications ?? first.scenario.replications) : 0;
  const what =
    items.length === 1
      ? `${first.scenario.name}: the run would take ~${formatCount(total)} simulated events (~${formatCount(per[0])} per replication x ${reps} replication${reps === 1 ? '' : 's'}, ~${formatCount(shipments)} shipments)`
      : `${first?.scenario.name ?? 'the scenarios'}: the ${items.length} scenarios would take ~${formatCount(total)} simulated events together (~${formatCount(shipments)} shipments)`;
  const need = Number.isFinite(total) ? ` (this one needs ${Math.ceil(total / 1e6) * 1e6})` : '';
  throw new RunTooLargeError(
    `${what}, above the budget of ${formatInteger(maxEvents)} events. Shorten horizon.days, lower replications or arrivals.per_day, or ${raise}${need}`,
  );
}
