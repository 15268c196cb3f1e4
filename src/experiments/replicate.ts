import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runReplication } from '../runtime/run.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';

/** Replications 0..n-1 of a scenario on the embedded engine, one report each (seeded (seed, r)). */
export async function replicate(s: Scenario, n: number, onDone?: () => void): Promise<Report[]> {
  const out: Report[] = [];
  for (let r = 0; r < n; r++) {
    out.push(runReplication(s, r).report);
    onDone?.();
    await yieldToLoop();
  }
  return out;
}
