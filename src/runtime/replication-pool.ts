import { availableParallelism } from 'node:os';
import { RunCancelled } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';

/** The most threads one pool starts (`--jobs`): past the cores of any machine we know of. */
export const MAX_JOBS = 256;

/** The cores this process may use: the most threads `--jobs` picks by itself. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** `--jobs`: a number of threads, or `auto` (the CLI's default): as many as the work pays for. */
export type Jobs = number | 'auto';

/**
 * Simulated events a thread must have to do before it pays for itself. A thread starts in ~0.3 s
 * (modules, the scenario) and its first replication runs ~0.7 s slower than a warm one (the
 * optimizer learns the code again in each thread); at ~1 M events/s that is ~1 M events lost, so
 * a thread is worth starting for ~3 M events (measured on 2 cores: 8 replications of 200,000
 * events ran 1.1x slower on 2 threads, 4 of 850,000 ran 0.84x as long).
 */
export const EVENTS_PER_THREAD = 3_000_000;

/** The threads to use for `tasks` replications of `events` simulated events in all; 1 means here, one after another. */
export function threadsFor(jobs: Jobs | undefined, events: number, tasks: number): number {
  if (jobs === undefined) return 1;
  if (jobs !== 'auto') return Math.max(1, Math.min(jobs, tasks));
  return Math.max(1, Math.min(defaultJobs(), tasks, Math.floor(events / EVENTS_PER_THREAD)));
}

export interface PoolJob {
  scenario: Scenario;
  replication: number;
  /** Sample the stages over simulated time into report.timeline. */
  timeline?: boolean;
}

/**
 * Replications on worker threads in this process, `threads` at a time (ReplicationThreads, closed
 * when they are done). A replication is a pure function of (scenario, seed, r), so where it runs
 * cannot change its report: the reports come back bit for bit those of running them one after
 * another here, in the order asked. The first failure fails them all.
 */
export async function runInThreads(
  jobs: PoolJob[],
  threads: number,
  opts: { onDone?: () => void; signal?: AbortSignal } = {},
): Promise<Report[]> {
  if (opts.signal?.aborted) throw new RunCancelled();
  // loaded here: `--help` and `validate` import this module for its constants
  const { ReplicationThreads } = await import('./replication-threads.js');
  const pool = new ReplicationThreads(Math.max(1, Math.min(threads, jobs.length, MAX_JOBS)));
  let onAbort = () => {};
  try {
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new RunCancelled());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    return await Promise.race([
      aborted,
      Promise.all(
        jobs.map((j) =>
          pool
            .run(j.scenario.source, `replication ${j.replication} of ${j.scenario.name}`, j.replication, j.timeline ?? false)
            .then((r) => {
              opts.onDone?.();
              return r;
            }),
        ),
      ),
    ]);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
}
