import { availableParallelism } from 'node:os';
import type { Scenario } from '../scenario/types.js';
import { estimateWork } from '../scenario/work-estimate.js';

/**
 * Simulated events a replication needs, and all of them together, for a draw thread to pay. A
 * thread takes ~0.15 s of the other core to start and slows the first replication's warm-up
 * (V8's compiler threads are shared), then saves ~10% of each replication's time. Measured on 2
 * cores: a year of the bundled baseline (2.6 M events) 0.88x; 8 replications of 120 days (0.85 M
 * each) 0.85-0.92x; 8 of 28 days (0.2 M each) 1.0-1.1x; M/M/5 (0.6 M estimated, 0.1 s) 1.3x for one
 * run and 0.9-1.05x warm over six (its shipments are so light to queue that reading one from the
 * ring costs about what drawing it does).
 */
export const DRAW_THREAD_EVENTS = 1_000_000;
export const DRAW_THREAD_EVENTS_EACH = 700_000;

/**
 * Whether replications of these scenarios, run one after another in this thread, get a draw
 * thread (draw-thread.ts): there is a core to spare and enough work to pay for its start.
 */
export function drawThreadPays(tasks: { scenario: Scenario }[]): boolean {
  if (availableParallelism() < 2 || tasks.length === 0) return false;
  // each scenario estimated once: a sweep's tasks are its points' replications
  const each = new Map<Scenario, number>();
  let events = 0;
  for (const t of tasks) {
    let e = each.get(t.scenario);
    if (e === undefined) {
      e = estimateWork(t.scenario).events;
      each.set(t.scenario, e);
    }
    events += e;
  }
  return events >= DRAW_THREAD_EVENTS && events / tasks.length >= DRAW_THREAD_EVENTS_EACH;
}
