import { availableParallelism } from 'node:os';
import type { Scenario } from '../scenario/types.js';
import { estimateWork } from '../scenario/work-estimate.js';

/**
 * Simulated events below which a draw thread is not worth starting. A thread and its copy of the
 * scenario take ~0.15 s of the other core to start, while the run draws its own shipments, and
 * the start slows the run's own warm-up (V8's compiler threads are shared): measured on 2 cores,
 * a run of 400,000 events (M/M/5, 0.1 s) ran ~1.3x as long with a thread, one of the bundled
 * baseline's year (2.6 M events) ~0.88x.
 */
export const DRAW_THREAD_EVENTS = 1_000_000;

/**
 * Whether replications of these scenarios, run one after another in this thread, get a draw
 * thread (draw-thread.ts): there is a core to spare and enough work to pay for its start.
 */
export function drawThreadPays(tasks: { scenario: Scenario }[]): boolean {
  if (availableParallelism() < 2 || tasks.length === 0) return false;
  let events = 0;
  for (const t of tasks) events += estimateWork(t.scenario).events;
  return events >= DRAW_THREAD_EVENTS;
}
