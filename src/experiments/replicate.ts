import { replicate as replicateOn } from '../runtime/execute.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';
import type { Jobs } from '../runtime/replication-pool.js';

/**
 * Where an experiment's replications run: here (embedded), or with `distribute` (or, as before,
 * a redisUrl alone) as jobs on `clearsim worker` processes sharing that Redis (the registry's
 * `distributed` runtime; its defaults fill in what is not given).
 */
export interface Runner {
  distribute?: boolean;
  redisUrl?: string;
  /** Local worker processes to start for the experiment (0: use workers started elsewhere). */
  workers?: number;
  /** Embedded: replications on this many worker threads at once, or `auto` (--jobs); the same reports either way. */
  jobs?: Jobs;
}

/**
 * Replications first..first+n-1 (first 0 unless given) of each scenario, one report each (seeded (seed, r)), locally one after
 * another or all at once on BullMQ workers; the same seeds give the same reports either way.
 */
export async function replicateAll(
  batches: { scenario: Scenario; replications: number; first?: number }[],
  onDone?: () => void,
  runner: Runner = {},
): Promise<Report[][]> {
  const distributed = runner.distribute || runner.redisUrl !== undefined;
  return distributed
    ? replicateOn('distributed', batches, { onDone, redisUrl: runner.redisUrl, workers: runner.workers })
    : replicateOn('embedded', batches, { onDone, jobs: runner.jobs });
}

/** Replications first..first+n-1 of one scenario: a later round of a sequential experiment runs only the new ones. */
export async function replicate(s: Scenario, n: number, onDone?: () => void, runner: Runner = {}, first = 0): Promise<Report[]> {
  return (await replicateAll([{ scenario: s, replications: n, first }], onDone, runner))[0];
}
