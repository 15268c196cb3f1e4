import { runReplication } from '../../src/runtime/run.js';
import type { Scenario } from '../../src/scenario/types.js';
import type { Report } from '../../src/stats/report.js';

/**
 * Runs replications 0..n-1 of a scenario (independent streams per replication) and returns, per
 * named metric, the n per-replication values picked from each report.
 */
export function replicate<K extends string>(s: Scenario, n: number, pick: (r: Report) => Record<K, number>): Record<K, number[]> {
  const out = {} as Record<K, number[]>;
  for (let r = 0; r < n; r++) {
    const { report } = runReplication(s, r);
    const row = pick(report);
    for (const k of Object.keys(row) as K[]) (out[k] ??= []).push(row[k]);
  }
  return out;
}

/** Prints observed-vs-theory figures when CLEARSIM_ORACLE_LOG is set (quiet otherwise). */
export function note(...parts: unknown[]): void {
  if (process.env.CLEARSIM_ORACLE_LOG) console.log('[oracle]', ...parts);
}
