import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { spawnWorkers, stopWorkers } from '../runtime/bullmq/index.js';
import { replicateOnWorkers } from '../runtime/bullmq/replication-jobs.js';
import { runReplication } from '../runtime/run.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';

/** Where replications run: here, or as jobs on `clearsim worker` processes sharing a Redis. */
export interface Runner {
  redisUrl?: string;
  /** Local worker processes to start for the experiment (0: use workers started elsewhere). */
  workers?: number;
}

/**
 * Replications 0..n-1 of each scenario, one report each (seeded (seed, r)), locally one after
 * another or all at once on BullMQ workers; the same seeds give the same reports either way.
 */
export async function replicateAll(batches: { scenario: Scenario; replications: number }[], onDone?: () => void, runner: Runner = {}): Promise<Report[][]> {
  if (runner.redisUrl) {
    const procs = spawnWorkers(runner.workers ?? 0, runner.redisUrl);
    try {
      return await replicateOnWorkers(runner.redisUrl, batches, { onDone });
    } finally {
      await stopWorkers(procs);
    }
  }
  const out: Report[][] = [];
  for (const b of batches) {
    const reps: Report[] = [];
    for (let r = 0; r < b.replications; r++) {
      reps.push(runReplication(b.scenario, r).report);
      onDone?.();
      await yieldToLoop();
    }
    out.push(reps);
  }
  return out;
}

export async function replicate(s: Scenario, n: number, onDone?: () => void, runner: Runner = {}): Promise<Report[]> {
  return (await replicateAll([{ scenario: s, replications: n }], onDone, runner))[0];
}
