import { offeredLoads } from '../model/offered-load.js';
import type { Scenario } from '../scenario/types.js';
import type { OverloadWarning, StageReport } from './report-schema.js';

export type { OverloadWarning };

/**
 * A queue is taken to be still growing at the end of the horizon when the shipments observed at a
 * stage waited at least this many times the queue-hours the stage held in the observation window...
 */
export const GROWING_WAIT_RATIO = 1.1;
/** ...and its servers were busy at least this share of their available hours (a saturated stage). */
export const GROWING_UTILIZATION = 0.9;

/**
 * The overload warnings of one replication (docs/report.md, `warnings`):
 * - stage_overloaded: the stage's mean offered load over the horizon (src/model/offered-load.ts,
 *   what `validate` prints) is at least 1: its queue grows without bound, and every figure that
 *   involves it depends on the horizon;
 * - queue_growing: by Little's law the queue-hours a stage holds inside the observation window
 *   equal the hours waited there inside it. The shipments observed (arrived after warm-up) also wait
 *   after the horizon, while the warm-up's shipments wait inside the window; for a stable queue the
 *   two balance and the ratio of hours waited to queue-hours is about 1. A queue still long at the
 *   end of the horizon drains after it, so the ratio rises above 1: at GROWING_WAIT_RATIO or more,
 *   with the servers saturated (utilization >= GROWING_UTILIZATION), the queue is called growing.
 * Unlimited stages never warn. Empty when nothing is overloaded.
 */
export function overloadWarnings(s: Scenario, stages: Record<string, StageReport>): OverloadWarning[] {
  const out: OverloadWarning[] = [];
  const windowHours = (s.horizonDays - s.warmupDays) * 24;
  for (const { stage, utilization } of offeredLoads(s)) {
    if (utilization === null || !(utilization >= 1)) continue;
    out.push({
      code: 'stage_overloaded',
      stage,
      message: `stages.${stage} is offered ${(utilization * 100).toFixed(0)}% of its capacity over the horizon: its queue grows without bound and its waits depend on the horizon`,
      offered_load: utilization,
    });
  }
  for (const [stage, st] of Object.entries(stages)) {
    if (st.utilization === null || st.utilization === undefined) continue;
    const queueHours = st.queue.mean * windowHours;
    const waited = st.wait_hours.mean * st.count;
    if (!(queueHours > 0)) continue;
    const ratio = waited / queueHours;
    if (ratio >= GROWING_WAIT_RATIO && st.utilization >= GROWING_UTILIZATION)
      out.push({
        code: 'queue_growing',
        stage,
        message: `stages.${stage}: its queue is still growing at the end of the horizon (servers busy ${(st.utilization * 100).toFixed(0)}% of the time; the shipments observed waited ${ratio.toFixed(2)} times the queue-hours it held in the window, the rest after the horizon)`,
        wait_ratio: ratio,
        utilization: st.utilization,
      });
  }
  return out;
}

/**
 * The warnings of merged replications: each (code, stage) once, as the first replication that
 * raised it worded it, with how many replications raised it. Undefined when none did.
 */
export function mergeWarnings(lists: (OverloadWarning[] | undefined)[]): OverloadWarning[] | undefined {
  const byKey = new Map<string, OverloadWarning>();
  for (const list of lists)
    for (const w of list ?? []) {
      const key = `${w.code}\u0000${w.stage}`;
      const seen = byKey.get(key);
      if (seen) seen.replications = (seen.replications ?? 1) + 1;
      else byKey.set(key, { ...w, replications: 1 });
    }
  return byKey.size ? [...byKey.values()] : undefined;
}

/** The warnings of a report (or of several, e.g. both sides of a comparison) as stderr lines: `clearsim: warning: <who>: <message>`. */
export function warningLines(who: string, warnings: OverloadWarning[] | undefined, replications?: number): string[] {
  return (warnings ?? []).map((w) => {
    const some =
      replications !== undefined && w.replications !== undefined && w.replications < replications
        ? ` (in ${w.replications} of ${replications} replications)`
        : '';
    return `clearsim: warning: ${who}: ${w.message}${some}`;
  });
}
