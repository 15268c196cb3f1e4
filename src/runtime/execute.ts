import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { combineObservers, type RunObserver } from '../model/run-observer.js';
import { drawThreadFor, RunCancelled, runEmbedded, runReplication } from './run.js';
import { RUNTIMES, settingsOf, type RuntimeName, type RuntimeSettings } from './runtimes.js';
import { threadsFor, type Jobs } from './replication-pool.js';
import { estimateWork } from '../scenario/work-estimate.js';

// BullMQ (with ioredis) and the worker-thread runner are imported by the branches that use them:
// an embedded run never loads them.

/** The options every front end gives a run, whatever the runtime. */
export interface ExecuteOptions extends RuntimeSettings {
  /** Overall progress in [0, 1]. */
  onProgress?: (done: number) => void;
  /** Cancels the run (it rejects with RunCancelled once the runtime has let go). */
  signal?: AbortSignal;
  /** Live metrics, bound to the scenario as the runtime can feed them (nothing for distributed). */
  metrics?: SimMetrics;
  log?: (msg: string) => void;
  /**
   * embedded: run in a worker thread with this heap limit, off the caller's event loop (what the
   * API server does, so that no run can stall or crash it).
   */
  isolate?: { memoryMb: number };
  /** embedded and bullmq: another observer of the run (a trace writer). */
  observer?: RunObserver;
  /** embedded and bullmq: sample the stages over simulated time into report.timeline. */
  timeline?: boolean;
  /** embedded and bullmq: called as each replication starts. */
  onReplication?: (r: number) => void;
  /** embedded and bullmq: awaited between slices (lets a streaming sink drain). */
  flush?: () => Promise<void>;
  /** embedded: replications on this many worker threads at once, or `auto` (same reports); see RunOptions.jobs. */
  jobs?: Jobs;
  /** The `run` label of the run's metrics (the API's run id); unless given, SimMetrics draws one. */
  runLabel?: string;
}

/** Executes every replication of a scenario on the named runtime: one merged report. */
export async function execute(name: RuntimeName, scenario: Scenario, opts: ExecuteOptions = {}): Promise<Report> {
  const rt = RUNTIMES[name];
  if (rt.observes === 'none' && (opts.observer || opts.timeline || opts.onReplication || opts.flush)) {
    throw new Error(`${name} runtime: observer, timeline, onReplication and flush need a runtime that runs here`);
  }
  const set = settingsOf(name, opts);
  switch (name) {
    case 'embedded': {
      if (opts.isolate) {
        if (opts.observer || opts.timeline || opts.onReplication || opts.flush)
          throw new Error('embedded runtime: an isolated run takes no observer, timeline, onReplication or flush');
        const { runEmbeddedInThread } = await import('./threaded-run.js');
        return runEmbeddedInThread(scenario, {
          timeScale: set.timeScale,
          signal: opts.signal,
          onProgress: opts.onProgress,
          metrics: opts.metrics,
          memoryMb: opts.isolate.memoryMb,
        });
      }
      const observer = combineObservers([opts.metrics?.bind(scenario, 'all', opts.runLabel), opts.observer]);
      return runEmbedded(scenario, {
        onProgress: opts.onProgress,
        signal: opts.signal,
        timeScale: set.timeScale,
        observer,
        timeline: opts.timeline,
        onReplication: opts.onReplication,
        flush: opts.flush,
        jobs: opts.jobs,
      });
    }
    case 'bullmq': {
      const { runBullmq } = await import('./bullmq/index.js');
      return runBullmq(scenario, {
        redisUrl: set.redisUrl!,
        timeScale: set.timeScale!,
        workers: set.workers!,
        onProgress: opts.onProgress,
        signal: opts.signal,
        log: opts.log,
        timeline: opts.timeline,
        onReplication: opts.onReplication,
        flush: opts.flush,
        observer: combineObservers([opts.metrics?.bind(scenario, 'coordinator', opts.runLabel), opts.observer]),
      });
    }
    case 'distributed': {
      const t0 = performance.now();
      let done = 0;
      const [reports] = await replicate('distributed', [{ scenario, replications: scenario.replications }], {
        ...set,
        signal: opts.signal,
        onDone: opts.onProgress ? () => opts.onProgress!(++done / scenario.replications) : undefined,
      });
      const merged = mergeReplications(reports, scenario);
      merged.wall_seconds = (performance.now() - t0) / 1000;
      return merged;
    }
  }
}

/** Runtimes that give each replication's own report, for experiments: here one after another, or on workers. */
export type ReplicationRuntime = 'embedded' | 'distributed';

export interface ReplicateOptions extends Omit<RuntimeSettings, 'timeScale'> {
  /** Called as each replication is done. */
  onDone?: () => void;
  /**
   * Distributed: a cancel is heard as the next replication finishes; jobs already queued are left
   * to the workers. Embedded: between replications.
   */
  signal?: AbortSignal;
  /** Embedded: replications on this many worker threads at once, or `auto`; the same reports as one after another. */
  jobs?: Jobs;
}

/**
 * Replications first..first+n-1 (first 0 unless given) of each scenario, one report each (seeded (seed, r)), in the order asked:
 * locally one after another, or all at once as jobs on `clearsim worker` processes (with
 * `workers` of them started here for the while). The same seeds give the same reports either way.
 */
export async function replicate(
  name: ReplicationRuntime,
  batches: { scenario: Scenario; replications: number; first?: number }[],
  opts: ReplicateOptions = {},
): Promise<Report[][]> {
  const { onDone, signal } = opts;
  if (signal?.aborted) throw new RunCancelled();
  if (name === 'distributed') {
    const set = settingsOf('distributed', opts);
    const [{ spawnWorkers, stopWorkers }, { replicateOnWorkers }] = await Promise.all([
      import('./bullmq/index.js'),
      import('./bullmq/replication-jobs.js'),
    ]);
    const procs = spawnWorkers(set.workers!, set.redisUrl!);
    try {
      return await replicateOnWorkers(set.redisUrl!, batches, { onDone, signal });
    } finally {
      await stopWorkers(procs);
    }
  }
  const events = batches.reduce((n, b) => n + estimateWork(b.scenario).events * b.replications, 0);
  const threads = threadsFor(
    opts.jobs,
    events,
    batches.reduce((n, b) => n + b.replications, 0),
  );
  if (threads > 1) {
    const { runInThreads } = await import('./replication-pool.js');
    const flat = batches.flatMap((b) =>
      Array.from({ length: b.replications }, (_, k) => ({ scenario: b.scenario, replication: (b.first ?? 0) + k })),
    );
    const reports = await runInThreads(flat, threads, { onDone, signal });
    let i = 0;
    return batches.map((b) => {
      const from = i;
      i += b.replications;
      return reports.slice(from, i);
    });
  }
  const out: Report[][] = [];
  // one replication at a time here: a core to spare may draw their shipments ahead
  const tasks = batches.flatMap((b) =>
    Array.from({ length: b.replications }, (_, k) => ({ scenario: b.scenario, replication: (b.first ?? 0) + k })),
  );
  const drawing = await drawThreadFor(opts.jobs, tasks);
  try {
    let task = 0;
    for (const b of batches) {
      const reps: Report[] = [];
      const first = b.first ?? 0;
      for (let r = first; r < first + b.replications; r++) {
        reps.push(runReplication(b.scenario, r, undefined, false, drawing?.source(task++)).report);
        onDone?.();
        await yieldToLoop();
        if (signal?.aborted) throw new RunCancelled();
      }
      out.push(reps);
    }
  } finally {
    await drawing?.close();
  }
  return out;
}
