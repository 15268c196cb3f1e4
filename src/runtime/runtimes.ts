import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { runBullmq, spawnWorkers, stopWorkers } from './bullmq/index.js';
import { replicateOnWorkers } from './bullmq/replication-jobs.js';
import { combineObservers, type RunObserver } from '../model/run-observer.js';
import { RunCancelled, runEmbedded, runReplication } from './run.js';
import { runEmbeddedInThread } from './threaded-run.js';

/**
 * The one registry of how a run can execute, with the defaults and limits every front end (the
 * CLI's run, compare and sweep, the HTTP API, the experiments) uses: no front end keeps its own.
 */

/** Where BullMQ runs, workers and distributed replications find Redis unless told. */
export const DEFAULT_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** bullmq: simulated seconds per wall second unless told (a simulated hour a wall second). */
export const DEFAULT_TIME_SCALE = 3600;
/** bullmq and distributed: worker processes started on this machine for the run unless told. */
export const DEFAULT_WORKERS = 2;
/** The heap an API server gives each embedded run (its worker thread), unless told: MiB. */
export const DEFAULT_RUN_MEMORY_MB = 1024;
/** The most worker processes one run may start on this machine (CLI --workers, API workers). */
export const MAX_WORKERS = 64;

export type RuntimeName = 'embedded' | 'bullmq' | 'distributed';

export interface Runtime {
  name: RuntimeName;
  /** One line, for help texts and docs. */
  description: string;
  needsRedis: boolean;
  /** Worker processes it starts here (0 = use `clearsim worker` processes started elsewhere); null: none. */
  workers: { default: number; max: number } | null;
  /**
   * Whether it takes a time scale (simulated seconds per wall second) and its default; null: it
   * takes none. A default of undefined: as fast as the CPU allows unless paced.
   */
  timeScale: { default: number | undefined } | null;
  /**
   * What this process sees of the run's events: every event (live metrics, a trace, a timeline),
   * the coordinator's part (arrivals, releases with each shipment's whole record, queue lengths
   * sampled from Redis, the clock: live metrics, a trace, a sampled timeline; stage waits and busy
   * servers are on the workers' /metrics), or nothing (the replications run inside the workers).
   */
  observes: 'all' | 'coordinator' | 'none';
}

export const RUNTIMES: Readonly<Record<RuntimeName, Runtime>> = {
  embedded: {
    name: 'embedded',
    description: 'virtual time on this machine; optionally paced by a time scale',
    needsRedis: false,
    workers: null,
    timeScale: { default: undefined },
    observes: 'all',
  },
  bullmq: {
    name: 'bullmq',
    description: 'real time: stage queues on Redis served by worker processes',
    needsRedis: true,
    workers: { default: DEFAULT_WORKERS, max: MAX_WORKERS },
    timeScale: { default: DEFAULT_TIME_SCALE },
    observes: 'coordinator',
  },
  distributed: {
    name: 'distributed',
    description: 'replications as jobs on `clearsim worker` processes, each run on the embedded engine',
    needsRedis: true,
    workers: { default: DEFAULT_WORKERS, max: MAX_WORKERS },
    timeScale: null,
    observes: 'none',
  },
};

export const RUNTIME_NAMES = Object.keys(RUNTIMES) as RuntimeName[];

/** What a runtime needs and may be given, resolved: the defaults filled in, the limits checked. */
export interface RuntimeSettings {
  redisUrl?: string;
  workers?: number;
  timeScale?: number;
}

/**
 * A runtime's settings with its defaults filled in (and only those it takes). Throws on a value
 * out of its limits: front ends check their flags and fields first, with their own messages.
 */
export function settingsOf(name: RuntimeName, given: RuntimeSettings = {}): RuntimeSettings {
  const rt = RUNTIMES[name];
  const out: RuntimeSettings = {};
  if (rt.needsRedis) out.redisUrl = given.redisUrl ?? DEFAULT_REDIS_URL;
  if (rt.workers) {
    const n = given.workers ?? rt.workers.default;
    if (!Number.isInteger(n) || n < 0 || n > rt.workers.max)
      throw new RangeError(`${name} runtime: workers must be a whole number from 0 to ${rt.workers.max} (got ${n})`);
    out.workers = n;
  }
  if (rt.timeScale) {
    const x = given.timeScale ?? rt.timeScale.default;
    if (x !== undefined && !(Number.isFinite(x) && x > 0))
      throw new RangeError(`${name} runtime: the time scale must be a number > 0 (got ${x})`);
    out.timeScale = x;
  }
  return out;
}

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
        return runEmbeddedInThread(scenario, {
          timeScale: set.timeScale,
          signal: opts.signal,
          onProgress: opts.onProgress,
          metrics: opts.metrics,
          memoryMb: opts.isolate.memoryMb,
        });
      }
      const observer = combineObservers([opts.metrics?.bind(scenario), opts.observer]);
      return runEmbedded(scenario, {
        onProgress: opts.onProgress,
        signal: opts.signal,
        timeScale: set.timeScale,
        observer,
        timeline: opts.timeline,
        onReplication: opts.onReplication,
        flush: opts.flush,
      });
    }
    case 'bullmq':
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
        observer: combineObservers([opts.metrics?.bind(scenario, 'coordinator'), opts.observer]),
      });
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
}

/**
 * Replications 0..n-1 of each scenario, one report each (seeded (seed, r)), in the order asked:
 * locally one after another, or all at once as jobs on `clearsim worker` processes (with
 * `workers` of them started here for the while). The same seeds give the same reports either way.
 */
export async function replicate(
  name: ReplicationRuntime,
  batches: { scenario: Scenario; replications: number }[],
  opts: ReplicateOptions = {},
): Promise<Report[][]> {
  const { onDone, signal } = opts;
  if (signal?.aborted) throw new RunCancelled();
  if (name === 'distributed') {
    const set = settingsOf('distributed', opts);
    const procs = spawnWorkers(set.workers!, set.redisUrl!);
    try {
      return await replicateOnWorkers(set.redisUrl!, batches, { onDone, signal });
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
      if (signal?.aborted) throw new RunCancelled();
    }
    out.push(reps);
  }
  return out;
}
