/**
 * The one registry of how a run can execute, with the defaults and limits every front end (the
 * CLI's run, compare and sweep, the HTTP API, the experiments) uses: no front end keeps its own.
 * Data only, so that the CLI's help and flag parsing load nothing else; execute.ts runs them.
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
