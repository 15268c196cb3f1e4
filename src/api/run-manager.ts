import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { ClearsimError } from '../errors.js';
import { comparisonJson } from '../experiments/compare.js';
import { compare as compareOn } from '../experiments/compare.js';
import type { Optimization } from '../experiments/optimize.js';
import { replicateAll } from '../experiments/replicate.js';
import { sweepJson, type Sweep } from '../experiments/sweep.js';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import { FlowRecorder, type FlowSnapshot, type FlowTimeline } from '../runtime/flow-recorder.js';
import { RunCancelled } from '../runtime/run.js';
import { DEFAULT_RUN_MEMORY_MB, settingsOf, type RuntimeName } from '../runtime/runtimes.js';
import { execute } from '../runtime/execute.js';
import { runJobInThread, type ThreadComparison, type ThreadJob, type ThreadResult } from '../runtime/threaded-run.js';
import type { Scenario } from '../scenario/types.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import { firmFileRows } from '../stats/firm-report.js';
import { mergeReplications } from '../stats/replications.js';
import { publicReport, type Report } from '../stats/report.js';
import { ApiError } from './errors.js';
import {
  DEFAULT_MAX_RUNS,
  FINAL_STATUSES,
  MAX_BLOB_BYTES,
  markInterrupted,
  orderNow,
  pruneRuns,
  RUN_STATUSES,
  type BlobName,
  type RunKind,
  type RunRecord,
  type RunStatus,
  type RunStore,
} from './store/run-store.js';
import { MemoryStore } from './store/memory-store.js';

export type { RunKind, RunStatus, RuntimeName };

export interface RunSpec {
  scenario: Scenario;
  /** The registry's runtime (src/runtime/runtimes.ts); what is not given takes its defaults. */
  runtime: RuntimeName;
  /** Simulated seconds per wall second; embedded: undefined = as fast as the CPU allows. */
  timeScale?: number;
  workers?: number;
  /** The overrides as the body gave them (shown with the run). */
  overrides?: unknown;
}

/** A comparison: a and b paired by seed (compare.ts), on this server or on workers. */
export interface CompareSpec {
  a: Scenario;
  b: Scenario;
  replications: number;
  distribute: boolean;
  workers?: number;
  overrides?: unknown;
}

/** A sweep: every point of the grid, each a validated scenario, with the same replications. */
export interface SweepSpec {
  scenario: string;
  params: { path: string; values: string[] }[];
  points: { params: Record<string, unknown>; scenario: Scenario }[];
  replications: number;
  distribute: boolean;
  workers?: number;
  overrides?: unknown;
}

/** An optimisation (`clearsim optimize`): the scenario with its fixed overrides, the --vary and --target texts (checked). */
export interface OptimizeSpec {
  scenario: Scenario;
  vary: string[];
  target: string[];
  steps: number;
  confidence: number;
  replications: number;
  maxReplications: number;
  overrides?: unknown;
}

type Job =
  | { kind: 'run'; spec: RunSpec }
  | { kind: 'compare'; spec: CompareSpec }
  | { kind: 'sweep'; spec: SweepSpec }
  | { kind: 'optimize'; spec: OptimizeSpec };

/** What GET /runs/:id answers: the record, its links, and its report or result once done. */
export type RunView = Omit<RunRecord, 'order' | 'blobs'> & {
  report?: Report;
  result?: unknown;
  links: Record<string, string>;
};

/** What a compare run keeps: the comparison, and its firm rows (for firms.csv). */
export type StoredComparison = ThreadComparison;

/** What GET /runs/:id/events streams to its listeners. */
export type RunEvent =
  | { event: 'status'; data: { id: string; kind: RunKind; status: RunStatus; progress: number } }
  | { event: 'progress'; data: { progress: number; replication: number } }
  | { event: 'flow'; data: FlowSnapshot }
  | { event: 'end'; data: { id: string; status: RunStatus; error?: string; links: Record<string, string> } };

interface Active {
  rec: RunRecord;
  job: Job;
  controller: AbortController;
  settled?: Promise<void>;
  events: EventEmitter;
  lastFlow?: FlowSnapshot;
  lastSaved: number;
}

export interface RunManagerOptions {
  metrics: SimMetrics;
  redisUrl?: string;
  log: FastifyBaseLogger;
  /** Where runs are kept (default: in memory, gone with the process). */
  store?: RunStore;
  /** Runs going at once (queued, running, or cancelled but not yet stopped); more are refused with 429. */
  maxActive?: number;
  /** Finished runs kept (the oldest are dropped): the store stays bounded. */
  maxFinished?: number;
  /** Work budget of a run (estimated events over its replications); default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
  /** Heap of each embedded run's worker thread, MiB (default DEFAULT_RUN_MEMORY_MB). */
  runMemoryMb?: number;
}

const now = () => new Date().toISOString();
/** How often a running run's progress is written to the store. */
const SAVE_EVERY_MS = 1000;
/** How often a BullMQ run's flow snapshot is sent. */
const FLOW_EVERY_MS = 250;

/** The downloads and streams of a record, as links. */
export function linksOf(r: Pick<RunRecord, 'id' | 'kind' | 'status' | 'blobs'>): Record<string, string> {
  const self = `/runs/${r.id}`;
  const links: Record<string, string> = { self, events: `${self}/events`, metrics: '/metrics' };
  if (r.status === 'done') {
    links.report_html = `${self}/report.html`;
    links.report_json = `${self}/report.json`;
    if (r.kind === 'run') {
      links.trace = `${self}/trace.csv`;
      if (r.blobs.includes('timeline')) links.timeline = `${self}/timeline`;
    }
    if (r.kind === 'run' || r.kind === 'compare') links.firms = `${self}/firms.csv`;
  }
  return links;
}

const viewOf = (r: RunRecord): RunView => {
  const { order: _o, blobs: _b, ...v } = r;
  return { ...v, links: linksOf(r) };
};

/**
 * Holds the runs of one server: starts them (runs, comparisons, sweeps, optimisations), follows their progress
 * and live flow, cancels them (AbortSignal), and keeps every record in its store, so that they
 * outlive the process: a run the server was running when it stopped is `interrupted`.
 */
export class RunManager {
  readonly maxActive: number;
  readonly maxFinished: number;
  readonly store: RunStore;
  private readonly active = new Map<string, Active>();
  private closing = false;
  private opened?: Promise<void>;

  constructor(private readonly opts: RunManagerOptions) {
    this.maxActive = opts.maxActive ?? 4;
    this.maxFinished = opts.maxFinished ?? DEFAULT_MAX_RUNS;
    this.store = opts.store ?? new MemoryStore();
  }

  get redisUrl(): string | undefined {
    return this.opts.redisUrl;
  }

  /** Opens the store; runs it says are queued or running were cut by a stop of the server: interrupted. */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await this.store.open();
      const cut = await markInterrupted(this.store, now());
      if (cut.length) this.opts.log.warn({ runs: cut }, `${cut.length} run(s) interrupted by the last stop of the server`);
      await pruneRuns(this.store, this.maxFinished);
    })();
    return this.opened;
  }

  private admit(budget: Parameters<typeof checkWorkBudget>[0]): void {
    // a run too large to finish in reasonable time is bad input (400), whether or not the server has room
    checkWorkBudget(budget, this.opts.maxEvents, "raise it with this server's maxEvents option");
    if (this.closing) throw new ApiError('TOO_MANY_RUNS', 'the server is shutting down: no new runs', undefined, { 'retry-after': '30' });
    if (this.active.size >= this.maxActive) {
      throw new ApiError(
        'TOO_MANY_RUNS',
        `${this.maxActive} runs are going already (the most at once): wait for one to finish or cancel one with DELETE /runs/:id`,
        undefined,
        { 'retry-after': '5' },
      );
    }
  }

  async start(spec: RunSpec): Promise<RunView> {
    this.admit([{ scenario: spec.scenario }]);
    // the registry's defaults, resolved once: the view shows what the run uses
    const set = settingsOf(spec.runtime, { redisUrl: this.opts.redisUrl, timeScale: spec.timeScale, workers: spec.workers });
    spec = { ...spec, timeScale: set.timeScale, workers: set.workers };
    const s = spec.scenario;
    return this.begin({ kind: 'run', spec }, s, {
      scenario: s.name,
      runtime: spec.runtime === 'bullmq' ? 'bullmq' : 'embedded',
      distribute: spec.runtime === 'distributed',
      replications: s.replications,
      time_scale: spec.timeScale ?? null,
      workers: spec.workers ?? null,
      overrides: spec.overrides ?? null,
    });
  }

  async startCompare(spec: CompareSpec): Promise<RunView> {
    this.admit([
      { scenario: spec.a, replications: spec.replications },
      { scenario: spec.b, replications: spec.replications },
    ]);
    return this.begin({ kind: 'compare', spec }, spec.a, {
      scenario: `${spec.a.name} vs ${spec.b.name}`,
      runtime: 'embedded',
      distribute: spec.distribute,
      replications: spec.replications,
      time_scale: null,
      workers: spec.distribute ? (spec.workers ?? null) : null,
      overrides: spec.overrides ?? null,
    });
  }

  async startSweep(spec: SweepSpec): Promise<RunView> {
    this.admit(spec.points.map((p) => ({ scenario: p.scenario, replications: spec.replications })));
    return this.begin({ kind: 'sweep', spec }, spec.points[0].scenario, {
      scenario: spec.scenario,
      runtime: 'embedded',
      distribute: spec.distribute,
      replications: spec.replications,
      time_scale: null,
      workers: spec.distribute ? (spec.workers ?? null) : null,
      overrides: spec.overrides ?? null,
    });
  }

  /**
   * An optimisation: admitted on its first candidate's replications (the whole search keeps to the
   * server's budget as it goes: past it, the run fails with CLEARSIM_RUN_TOO_LARGE's message).
   */
  async startOptimize(spec: OptimizeSpec): Promise<RunView> {
    this.admit([{ scenario: spec.scenario, replications: spec.replications }]);
    return this.begin({ kind: 'optimize', spec }, spec.scenario, {
      scenario: spec.scenario.name,
      runtime: 'embedded',
      distribute: false,
      replications: spec.replications,
      time_scale: null,
      workers: null,
      overrides: spec.overrides ?? null,
    });
  }

  /** A quick report of a scenario's shape (report-probe.ts), made in a thread: to check a statistic's path before a run starts. */
  async probeReport(s: Scenario): Promise<Report> {
    const r = await runJobInThread(
      { kind: 'probe', source: s.source, label: s.name },
      { memoryMb: this.opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB },
    );
    return r.report!;
  }

  private async begin(
    job: Job,
    s: Scenario,
    fields: Pick<RunRecord, 'scenario' | 'runtime' | 'distribute' | 'replications' | 'time_scale' | 'workers' | 'overrides'>,
  ): Promise<RunView> {
    const id = randomUUID();
    const rec: RunRecord = {
      id,
      kind: job.kind,
      status: 'queued',
      progress: 0,
      ...fields,
      seed: s.seed,
      horizon_days: s.horizonDays,
      created_at: now(),
      started_at: null,
      finished_at: null,
      order: orderNow(),
      blobs: [],
    };
    const a: Active = { rec, job, controller: new AbortController(), events: new EventEmitter(), lastSaved: 0 };
    a.events.setMaxListeners(1000);
    this.active.set(id, a);
    try {
      // what it was asked, for the downloads made from it later (a trace is the run again)
      if (job.kind === 'run') {
        await this.store.putBlob(id, 'input', { source: job.spec.scenario.source });
        rec.blobs.push('input');
      }
      await this.store.save(rec);
    } catch (err) {
      this.active.delete(id);
      throw err;
    }
    // Answer the POST first; the run starts on the next turn of the event loop.
    a.settled = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.execute(a))
      .catch((err) => this.opts.log.error({ run: id, err }, 'run bookkeeping failed'))
      .finally(() => {
        this.active.delete(id);
        a.events.removeAllListeners();
      });
    return viewOf(rec);
  }

  private emit(a: Active, e: RunEvent): void {
    a.events.emit('event', e);
  }

  private statusEvent(a: Active): RunEvent {
    const { id, kind, status, progress } = a.rec;
    return { event: 'status', data: { id, kind, status, progress } };
  }

  private save(a: Active): Promise<void> {
    a.lastSaved = Date.now();
    return this.store.save(a.rec).catch((err) => this.opts.log.warn({ run: a.rec.id, err }, 'could not save the run'));
  }

  private async execute(a: Active): Promise<void> {
    const { rec, job, controller } = a;
    if (controller.signal.aborted) return;
    rec.status = 'running';
    rec.started_at = now();
    this.emit(a, this.statusEvent(a));
    await this.save(a);
    this.opts.log.info({ run: rec.id, kind: rec.kind, scenario: rec.scenario }, 'run started');
    let replication = 0;
    const onProgress = (x: number) => {
      if (rec.status !== 'running') return;
      rec.progress = Math.min(1, Math.max(0, x));
      this.emit(a, { event: 'progress', data: { progress: rec.progress, replication } });
      if (Date.now() - a.lastSaved >= SAVE_EVERY_MS) void this.save(a);
    };
    const onFlow = (snap: FlowSnapshot) => {
      replication = snap.replication;
      a.lastFlow = snap;
      this.emit(a, { event: 'flow', data: snap });
    };
    try {
      const blobs: [BlobName, unknown][] = [];
      if (job.kind === 'run') {
        const { report, timeline } = await this.executeRun(
          job.spec,
          controller.signal,
          onProgress,
          onFlow,
          (msg) => this.opts.log.info({ run: rec.id }, msg),
          rec.id,
        );
        if (controller.signal.aborted) return; // cancelled as it finished: the cancel stands
        const lag = report.bullmq?.lag;
        if (lag && lag.keeping_up === false) {
          rec.warnings = [
            `the workers fell behind the simulated clock (p95 lag ${Number(lag.p95_wall_seconds).toFixed(2)} s of wall time): time scale ${job.spec.timeScale} is more than they keep up with, so the results are distorted; use a lower time_scale or more workers`,
          ];
        }
        // the engine's samples (report.timeline) are for the HTML report's charts: the report JSON stays as the CLI's
        const { timeline: samples, ...plain } = publicReport(report);
        blobs.push(['report', plain]);
        if (samples) blobs.push(['samples', samples]);
        // the firm rows leave the public report: kept for firms.csv
        if (job.spec.scenario.population && report.firm_rows) blobs.push(['firms', firmFileRows(job.spec.scenario, report)]);
        if (timeline) blobs.push(['timeline', timeline]);
      } else {
        const result = await this.executeExperiment(job, controller.signal, onProgress);
        if (controller.signal.aborted) return;
        blobs.push(['result', result]);
      }
      // the blobs first: a record that says done always has them
      for (const [name, value] of blobs) {
        const text = JSON.stringify(value);
        if (text.length > MAX_BLOB_BYTES)
          throw new Error(
            `its ${name} is ${Math.round(text.length / 2 ** 20)} MiB, more than the store keeps (${MAX_BLOB_BYTES / 2 ** 20} MiB)`,
          );
        await this.store.putBlob(rec.id, name, value);
        rec.blobs.push(name);
      }
      rec.progress = 1;
      await this.finish(a, 'done');
    } catch (err) {
      if (controller.signal.aborted || err instanceof RunCancelled) {
        if (!FINAL_STATUSES.has(rec.status)) await this.finish(a, 'cancelled');
        return;
      }
      // Bad input names what to fix by itself; a run that could not go (Redis, workers) or broke says it failed.
      rec.error = err instanceof ClearsimError && err.exit === 2 ? err.message : `run failed: ${(err as Error)?.message ?? String(err)}`;
      this.opts.log.warn({ run: rec.id, err }, 'run failed');
      await this.finish(a, 'failed');
    }
  }

  private async executeRun(
    spec: RunSpec,
    signal: AbortSignal,
    onProgress: (x: number) => void,
    onFlow: (s: FlowSnapshot) => void,
    log: (msg: string) => void,
    /** The run id: the `run` label of its metrics, so a dashboard can pick the run the API lists. */
    runLabel: string,
  ): Promise<{ report: Report; timeline?: FlowTimeline }> {
    if (spec.runtime === 'embedded') {
      // CPU-bound: in a thread of its own, so the server keeps answering
      const r = await runJobInThread(
        { kind: 'run', source: spec.scenario.source, label: `run of ${spec.scenario.name}` },
        {
          timeScale: spec.timeScale,
          signal,
          onProgress,
          onFlow,
          metrics: this.opts.metrics,
          memoryMb: this.opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB,
          runLabel,
        },
      );
      return { report: r.report!, timeline: r.timeline };
    }
    // BullMQ: the coordinator here sees the stages' queues; distributed: replications on workers, no flow
    const flow = spec.runtime === 'bullmq' ? new FlowRecorder(spec.scenario, false) : null;
    const timer = flow
      ? setInterval(() => {
          onFlow(flow.snapshot());
        }, FLOW_EVERY_MS)
      : undefined;
    try {
      const report = await execute(spec.runtime, spec.scenario, {
        redisUrl: this.opts.redisUrl,
        timeScale: spec.timeScale,
        workers: spec.workers,
        onProgress: (x) => {
          if (flow) flow.progress = x;
          onProgress(x);
        },
        signal,
        log,
        metrics: this.opts.metrics,
        runLabel,
        ...(flow ? { observer: flow, onReplication: (r: number) => flow.startReplication(r) } : {}),
      });
      if (flow) {
        flow.progress = 1;
        onFlow(flow.snapshot());
      }
      return { report, timeline: flow?.timeline() };
    } finally {
      clearInterval(timer);
    }
  }

  private async executeExperiment(
    job: Extract<Job, { kind: 'compare' | 'sweep' | 'optimize' }>,
    signal: AbortSignal,
    onProgress: (x: number) => void,
  ): Promise<StoredComparison | Sweep | Optimization> {
    const memoryMb = this.opts.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB;
    if (job.kind === 'optimize') {
      // the search and every candidate's replications: in a thread, as an embedded run
      const o = job.spec;
      const r = await runJobInThread(
        {
          kind: 'optimize',
          scenario: { source: o.scenario.source, label: o.scenario.name },
          vary: o.vary,
          target: o.target,
          steps: o.steps,
          confidence: o.confidence,
          replications: o.replications,
          maxReplications: o.maxReplications,
          maxEvents: this.opts.maxEvents,
        },
        { signal, onProgress, memoryMb },
      );
      return r.optimization!;
    }
    const spec = job.spec;
    if (!spec.distribute) {
      // replications on this machine: in a thread, as an embedded run
      const threadJob: ThreadJob =
        job.kind === 'compare'
          ? {
              kind: 'compare',
              a: { source: job.spec.a.source, label: job.spec.a.name },
              b: { source: job.spec.b.source, label: job.spec.b.name },
              replications: spec.replications,
            }
          : {
              kind: 'sweep',
              scenario: job.spec.scenario,
              replications: spec.replications,
              params: job.spec.params,
              points: job.spec.points.map((p) => ({ params: p.params, scenario: { source: p.scenario.source, label: p.scenario.name } })),
            };
      const r: ThreadResult = await runJobInThread(threadJob, { signal, onProgress, memoryMb });
      return (r.comparison ?? r.sweep)!;
    }
    // distributed: the replications are jobs on `clearsim worker` processes; here only waiting
    const runner = { distribute: true, redisUrl: this.opts.redisUrl, workers: spec.workers };
    let done = 0;
    if (job.kind === 'compare') {
      const total = 2 * spec.replications;
      const tick = () => {
        onProgress(++done / total);
        if (signal.aborted) throw new RunCancelled();
      };
      const { reports: _r, ...c } = await compareOn(job.spec.a, job.spec.b, spec.replications, tick, runner);
      return c;
    }
    const total = job.spec.points.length * spec.replications;
    const all = await replicateAll(
      job.spec.points.map((p) => ({ scenario: p.scenario, replications: spec.replications })),
      () => {
        onProgress(++done / total);
        if (signal.aborted) throw new RunCancelled();
      },
      runner,
    );
    return {
      scenario: job.spec.scenario,
      replications: spec.replications,
      params: job.spec.params,
      points: job.spec.points.map((p, i) => ({ params: p.params, report: publicReport(mergeReplications(all[i], p.scenario)) })),
    };
  }

  private async finish(a: Active, status: RunStatus): Promise<void> {
    if (FINAL_STATUSES.has(a.rec.status)) return;
    a.rec.status = status;
    a.rec.finished_at = now();
    this.opts.log.info({ run: a.rec.id, status }, 'run finished');
    await this.save(a);
    this.emit(a, this.statusEvent(a));
    const { id, error } = a.rec;
    this.emit(a, { event: 'end', data: { id, status, ...(error ? { error } : {}), links: linksOf(a.rec) } });
    const dropped = await pruneRuns(this.store, this.maxFinished).catch(() => []);
    if (dropped.length) this.opts.log.info({ runs: dropped }, 'oldest runs dropped from the store');
  }

  private notFound(id: string): ApiError {
    return new ApiError('RUN_NOT_FOUND', `params.id: no run ${id} (finished runs are kept ${this.maxFinished} at most)`, [
      { source: 'params', path: 'id', message: 'no such run' },
    ]);
  }

  /** The record (without blobs); 404 when there is none. */
  async record(id: string): Promise<RunRecord> {
    const a = this.active.get(id);
    if (a) return a.rec;
    const r = await this.store.get(id);
    if (!r) throw this.notFound(id);
    return r;
  }

  /** A blob of a run (null when it has none). */
  blob<T>(id: string, name: BlobName): Promise<T | null> {
    return this.store.getBlob<T>(id, name);
  }

  /** A run's view, with its report (run) or result (compare: as `compare --json`; sweep: as `sweep --json`; optimize: as `optimize --json`) once done. */
  async get(id: string): Promise<RunView> {
    const r = await this.record(id);
    const v = viewOf(r);
    if (r.blobs.includes('report')) v.report = (await this.store.getBlob<Report>(id, 'report')) ?? undefined;
    if (r.blobs.includes('result')) {
      const result = await this.store.getBlob<StoredComparison | Sweep | Optimization>(id, 'result');
      if (result)
        v.result =
          r.kind === 'compare'
            ? comparisonJson(result as Parameters<typeof comparisonJson>[0])
            : r.kind === 'sweep'
              ? sweepJson(result as Sweep)
              : result;
    }
    return v;
  }

  /** Newest first, without reports. */
  async list(filter: { status?: RunStatus; kind?: RunKind; limit?: number } = {}): Promise<{ runs: RunView[]; total: number }> {
    const { runs, total } = await this.store.list(filter);
    // a going run's progress is fresher here than in the store
    return { runs: runs.map((r) => viewOf(this.active.get(r.id)?.rec ?? r)), total };
  }

  /**
   * Cancels a queued or running run: it is cancelled from now on, and its runtime stops within
   * moments. `changed` is false when it was already cancelled; a finished run cannot be cancelled (409).
   */
  async cancel(id: string): Promise<{ view: RunView; changed: boolean }> {
    const a = this.active.get(id);
    const r = a?.rec ?? (await this.record(id));
    if (r.status === 'cancelled') return { view: viewOf(r), changed: false };
    if (FINAL_STATUSES.has(r.status) || !a) throw new ApiError('RUN_FINISHED', `run ${id} is already ${r.status}: nothing to cancel`);
    a.controller.abort();
    await this.finish(a, 'cancelled');
    return { view: viewOf(a.rec), changed: true };
  }

  /** Deletes a run's record and blobs (cancelling it first if it is going). */
  async remove(id: string): Promise<void> {
    const a = this.active.get(id);
    if (a && !FINAL_STATUSES.has(a.rec.status)) await this.cancel(id);
    if (a) await a.settled;
    if (!(await this.store.remove(id))) throw this.notFound(id);
  }

  /** Listens to a going run's events; undefined when it is not going (its record says how it ended). */
  subscribe(id: string, listener: (e: RunEvent) => void): { unsubscribe: () => void; lastFlow?: FlowSnapshot } | undefined {
    const a = this.active.get(id);
    if (!a || FINAL_STATUSES.has(a.rec.status)) return undefined;
    a.events.on('event', listener);
    return { unsubscribe: () => a.events.off('event', listener), lastFlow: a.lastFlow };
  }

  async counts(): Promise<Record<RunStatus | 'active' | 'max_active', number>> {
    const c = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    for (const r of (await this.store.list()).runs) c[this.active.get(r.id)?.rec.status ?? r.status]++;
    return { ...c, active: this.active.size, max_active: this.maxActive };
  }

  /** Runs going (queued, running, or stopping). */
  get going(): number {
    return this.active.size;
  }

  /** Waits until no runtime is going (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active.values()].map((r) => r.settled));
  }

  /**
   * On server close: no new runs; those going are stopped and marked `interrupted` (the server
   * stopped them, nobody cancelled them); wait (bounded) until they have let go; close the store.
   */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closing = true;
    for (const a of this.active.values()) {
      if (FINAL_STATUSES.has(a.rec.status)) continue;
      a.rec.error = 'the server stopped before the run finished; start it again';
      a.controller.abort();
      await this.finish(a, 'interrupted');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.opened) await this.opened.catch(() => {});
    await this.store.close();
  }
}
