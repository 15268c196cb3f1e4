import { isOpen, nextOpeningChange } from './opening-hours.js';
import type { Scenario } from '../scenario/types.js';

/** Servers a stage has at time t: its servers when open, times every active disruption's multiplier. */
export function capacityAt(s: Scenario, stage: number, t: number): number {
  const spec = s.stages[stage];
  if (spec.hours && !isOpen(spec.hours, t)) return 0;
  let mult = 1;
  for (const d of s.disruptions) if (t >= d.start && t < d.end) mult *= d.serverFactors[stage];
  if (spec.servers === Infinity) return mult > 0 ? Infinity : 0;
  return Math.round(spec.servers * mult);
}

/** The next time after t at which a stage's capacity may change (Infinity if never). */
export function nextCapacityChange(s: Scenario, stage: number, t: number): number {
  const spec = s.stages[stage];
  let next = spec.hours ? nextOpeningChange(spec.hours, t) : Infinity;
  for (const d of s.disruptions) {
    if (d.serverFactors[stage] === 1) continue;
    if (d.start > t && d.start < next) next = d.start;
    if (d.end > t && d.end < next) next = d.end;
  }
  return next;
}

export function hasCapacitySchedule(s: Scenario, stage: number): boolean {
  return s.stages[stage].hours !== null || s.disruptions.some((d) => d.serverFactors[stage] !== 1);
}

/** Windows in which tier priority applies, merged and sorted. */
export function priorityWindows(s: Scenario): { from: number; to: number }[] {
  if (s.priority.mode === 'always') return [{ from: -Infinity, to: Infinity }];
  if (s.priority.mode === 'never') return [];
  const w = s.disruptions.map((d) => ({ from: d.start, to: d.end + s.priority.recovery })).sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const x of w) {
    const last = merged[merged.length - 1];
    if (last && x.from <= last.to) last.to = Math.max(last.to, x.to);
    else merged.push({ ...x });
  }
  return merged;
}

/** The first time from t on at which a stage has a server (pure-delay stages still keep hours). */
export function openAt(s: Scenario, stage: number, t: number): number {
  // After the last disruption the schedule repeats every week: closed for a week from then on is
  // closed for ever (Infinity). Before it, capacity changes only at opening boundaries and edges.
  let lastEdge = -Infinity;
  for (const d of s.disruptions) if (d.end > lastEdge) lastEdge = d.end;
  const never = Math.max(t, lastEdge) + 8 * 24;
  while (capacityAt(s, stage, t) === 0) {
    t = nextCapacityChange(s, stage, t);
    if (t > never) return Infinity;
  }
  return t;
}
