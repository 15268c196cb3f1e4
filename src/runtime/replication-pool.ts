import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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

/** From the pool to a thread. `source` travels the first time the thread sees scenario `key`. */
export interface PoolTask {
  id: number;
  key: number;
  source?: Record<string, unknown>;
  label: string;
  replication: number;
  timeline: boolean;
}

/** From a thread to the pool. */
export type PoolReply = { id: number; report: Report } | { id: number; error: string; stack?: string };

export interface PoolJob {
  scenario: Scenario;
  replication: number;
  /** Sample the stages over simulated time into report.timeline. */
  timeline?: boolean;
}

const THREAD_ENTRY = new URL('../../dist/runtime/replication-thread.js', import.meta.url);

/**
 * Replications on worker threads in this process, `jobs` at a time. A replication is a pure
 * function of (scenario, seed, r), so where it runs cannot change its report: the reports come
 * back bit for bit those of running them one after another here, in the order asked. Each
 * thread loads a scenario once (from its source) and keeps it for the replications that follow.
 */
export async function runInThreads(
  jobs: PoolJob[],
  threads: number,
  opts: { onDone?: () => void; signal?: AbortSignal } = {},
): Promise<Report[]> {
  if (opts.signal?.aborted) throw new RunCancelled();
  const n = Math.max(1, Math.min(threads, jobs.length, MAX_JOBS));
  const keys = new Map<Scenario, number>();
  for (const j of jobs) if (!keys.has(j.scenario)) keys.set(j.scenario, keys.size);
  const out: Report[] = new Array(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const onAbort = () => fail(new RunCancelled());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      for (let w = 0; w < n; w++) {
        const worker = new Worker(THREAD_ENTRY);
        workers.push(worker);
        const seen = new Set<number>();
        const feed = () => {
          if (failed || next >= jobs.length) return;
          const id = next++;
          const job = jobs[id];
          const key = keys.get(job.scenario)!;
          const task: PoolTask = {
            id,
            key,
            label: `replication ${job.replication} of ${job.scenario.name}`,
            replication: job.replication,
            timeline: job.timeline ?? false,
          };
          if (!seen.has(key)) {
            task.source = job.scenario.source;
            seen.add(key);
          }
          worker.postMessage(task);
        };
        worker.on('message', (m: PoolReply) => {
          if ('error' in m) {
            fail(new Error(`replication ${jobs[m.id].replication} failed in its thread: ${m.error}`));
            return;
          }
          out[m.id] = m.report;
          finished++;
          opts.onDone?.();
          if (finished === jobs.length) settle();
          else feed();
        });
        // a thread that dies (out of memory, a crash) fails the run rather than leaving it waiting
        worker.on('error', (err) => fail(err));
        worker.on('exit', (code) => {
          if (finished < jobs.length) fail(new Error(`a replication thread exited (code ${code}) before its work was done`));
        });
        feed();
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
