import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { ClearsimError } from '../errors.js';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import { RunCancelled } from '../runtime/run.js';
import { DEFAULT_RUN_MEMORY_MB, settingsOf, type RuntimeName } from '../runtime/runtimes.js';
import { execute } from '../runtime/execute.js';
import type { Scenario } from '../scenario/types.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { publicReport, type Report } from '../stats/report.js';
import { ApiError } from './errors.js';
import type { RUN_STATUSES } from './schemas.js';

export type RunStatus = (typeof RUN_STATUSES)[number];
export type { RuntimeName };

export interface RunSpec {
  scenario: Scenario;
  /** The registry's runtime (src/runtime/runtimes.ts); what is not given takes its defaults. */
  runtime: RuntimeName;
  /** Simulated seconds per wall second; embedded: undefined = as fast as the CPU allows. */
  timeScale?: number;
  workers?: number;
}

/** A run as the API shows it. */
export interface RunView {
  id: string;
  status: RunStatus;
  progress: number;
  scenario: string;
  /** Where each replication is simulated (a distributed run's are embedded). */
  runtime: 'embedded' | 'bullmq';
  /** The replications run as jobs on `clearsim worker` processes. */
  distribute: boolean;
  seed: number;
  replications: number;
  horizon_days: number;
  time_scale: number | null;
  workers: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: string;
  /** e.g. BullMQ workers that fell behind the simulated clock (the results are distorted). */
  warnings?: string[];
  report?: Report;
  links: { self: string; metrics: string };
}

interface RunRecord {
  view: RunView;
  spec: RunSpec;
  controller: AbortController;
  /** Settles when the runtime has stopped (done, failed, or after a cancel, once it has let go). */
  settled?: Promise<void>;
}

export interface RunManagerOptions {
  metrics: SimMetrics;
  redisUrl?: string;
  log: FastifyBaseLogger;
  /** Runs going at once (queued, running, or cancelled but not yet stopped); more are refused with 429. */
  maxActive?: number;
  /** Finished runs kept for GET (the oldest are dropped): memory stays bounded. */
  maxFinished?: number;
  /** Work budget of a run (estimated events over its replications); default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
  /** Heap of each embedded run's worker thread, MiB (default DEFAULT_RUN_MEMORY_MB). */
  runMemoryMb?: number;
}

const FINISHED: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);
const now = () => new Date().toISOString();

/**
 * Holds the runs of one server: starts them on a runtime, follows their progress, cancels them
 * (AbortSignal) and forgets the oldest finished ones.
 */
export class RunManager {
  readonly maxActive: number;
  readonly maxFinished: number;
  private readonly runs = new Map<string, RunRecord>();
  private readonly finishedOrder: string[] = [];
  private readonly active = new Set<RunRecord>();
  private closing = false;

  constructor(private readonly opts: RunManagerOptions) {
    this.maxActive = opts.maxActive ?? 4;
    this.maxFinished = opts.maxFinished ?? 100;
  }

  get redisUrl(): string | undefined {
    return this.opts.redisUrl;
  }

  start(spec: RunSpec): RunView {
    // a run too large to finish in reasonable time is bad input (400), whether or not the server has room
    checkWorkBudget([{ scenario: spec.scenario }], this.opts.maxEvents, "raise it with this server's maxEvents option");
    if (this.closing) throw new ApiError('TOO_MANY_RUNS', 'the server is shutting down: no new runs', undefined, { 'retry-after': '30' });
    if (this.active.size >= this.maxActive) {
      throw new ApiError(
        'TOO_MANY_RUNS',
        `${this.maxActive} runs are going already (the most at once): wait for one to finish or cancel one with DELETE /runs/:id`,
        undefined,
        { 'retry-after': '5' },
      );
    }
    const id = randomUUID();
    const s = spec.scenario;
    // the registry's defaults, resolved once: the view shows what the run uses
    const set = settingsOf(spec.runtime, { redisUrl: this.opts.redisUrl, timeScale: spec.timeScale, workers: spec.workers });
    spec = { ...spec, timeScale: set.timeScale, workers: set.workers };
    const rec: RunRecord = {
      spec,
      controller: new AbortController(),
      view: {
        id,
        status: 'queued',
        progress: 0,
        scenario: s.name,
        runtime: spec.runtime === 'bullmq' ? 'bullmq' : 'embedded',
        distribute: spec.runtime === 'distributed',
        seed: s.seed,
        replications: s.replications,
        horizon_days: s.horizonDays,
        time_scale: spec.timeScale ?? null,
        workers: spec.workers ?? null,
        created_at: now(),
        started_at: null,
        finished_at: null,
        links: { self: `/runs/${id}`, metrics: '/metrics' },
      },
    };
    this.runs.set(id, rec);
    this.active.add(rec);
    // Answer the POST first; the run starts on the next turn of the event loop.
    rec.settled = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.execute(rec))
      .finally(() => this.active.delete(rec));
    return rec.view;
  }

  private async execute(rec: RunRecord): Promise<void> {
    const { view, spec, controller } = rec;
    if (controller.signal.aborted) return;
    view.status = 'running';
    view.started_at = now();
    this.opts.log.info({ run: view.id, scenario: view.scenario, runtime: spec.runtime }, 'run started');
    const onProgress = (x: number) => {
      if (view.status === 'running') view.progress = Math.min(1, Math.max(0, x));
    };
    try {
      const report = await execute(spec.runtime, spec.scenario, {
        redisUrl: this.opts.redisUrl,
        timeScale: spec.timeScale,
        workers: spec.workers,
        onProgress,
        signal: controller.signal,
        log: (msg) => this.opts.log.info({ run: view.id }, msg),
        metrics: this.opts.metrics,
        // embedded runs are CPU-bound: each in a thread of its own, so the server keeps answering
        ...(spec.runtime === 'embedded' ? { isolate: { memoryMb: this.opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB } } : {}),
      });
      if (controller.signal.aborted) return; // cancelled as it finished: the cancel stands
      view.report = publicReport(report);
      view.progress = 1;
      const lag = report.bullmq?.lag;
      if (lag && lag.keeping_up === false) {
        view.warnings = [
          `the workers fell behind the simulated clock (p95 lag ${Number(lag.p95_wall_seconds).toFixed(2)} s of wall time): time scale ${spec.timeScale} is more than they keep up with, so the results are distorted; use a lower time_scale or more workers`,
        ];
      }
      this.finish(rec, 'done');
    } catch (err) {
      if (controller.signal.aborted || err instanceof RunCancelled) {
        if ((view.status as RunStatus) !== 'cancelled') this.finish(rec, 'cancelled');
        return;
      }
      // Bad input names what to fix by itself; a run that could not go (Redis, workers) or broke says it failed.
      view.error = err instanceof ClearsimError && err.exit === 2 ? err.message : `run failed: ${(err as Error)?.message ?? String(err)}`;
      this.opts.log.warn({ run: view.id, err }, 'run failed');
      this.finish(rec, 'failed');
    }
  }

  private finish(rec: RunRecord, status: 'done' | 'failed' | 'cancelled'): void {
    rec.view.status = status;
    rec.view.finished_at = now();
    this.opts.log.info({ run: rec.view.id, status }, 'run finished');
    this.finishedOrder.push(rec.view.id);
    while (this.finishedOrder.length > this.maxFinished) this.runs.delete(this.finishedOrder.shift()!);
  }

  get(id: string): RunView {
    const rec = this.runs.get(id);
    if (!rec)
      throw new ApiError('RUN_NOT_FOUND', `params.id: no run ${id} (finished runs are kept ${this.maxFinished} at most)`, [
        { source: 'params', path: 'id', message: 'no such run' },
      ]);
    return rec.view;
  }

  /** Newest first, without reports. */
  list(filter: { status?: RunStatus; limit?: number } = {}): { runs: RunView[]; total: number } {
    const all = [...this.runs.values()]
      .map((r) => r.view)
      .filter((v) => !filter.status || v.status === filter.status)
      .reverse();
    return { runs: all.slice(0, filter.limit ?? all.length).map(({ report: _r, ...v }) => v), total: all.length };
  }

  /**
   * Cancels a queued or running run: it is cancelled from now on, and its runtime stops within
   * moments (an embedded run at its next slice, a BullMQ run once its queues are cleaned up).
   * `changed` is false when it was already cancelled; a finished run cannot be cancelled (409).
   */
  cancel(id: string): { view: RunView; changed: boolean } {
    const view = this.get(id);
    const rec = this.runs.get(id)!;
    if (view.status === 'cancelled') return { view, changed: false };
    if (FINISHED.has(view.status)) throw new ApiError('RUN_FINISHED', `run ${id} is already ${view.status}: nothing to cancel`);
    rec.controller.abort();
    this.finish(rec, 'cancelled');
    return { view, changed: true };
  }

  counts(): Record<RunStatus | 'active' | 'max_active', number> {
    const c = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, active: this.active.size, max_active: this.maxActive };
    for (const r of this.runs.values()) c[r.view.status]++;
    return c;
  }

  /** Waits until no runtime is going (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active].map((r) => r.settled));
  }

  /** On server close: no new runs, cancel those going, wait (bounded) until they have let go. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closing = true;
    for (const rec of this.active) if (!FINISHED.has(rec.view.status)) this.cancel(rec.view.id);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
