import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { RunCancelled } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { buildReport, type Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { EmbeddedRun } from './embedded.js';
import type { RunObserver } from '../model/run-observer.js';
import type { ShipmentSourceFactory } from '../model/shipment-source.js';
import { threadsFor, type Jobs } from './replication-pool.js';
import { estimateWork } from '../scenario/work-estimate.js';
import type { DrawTask, DrawThread } from './draw-thread.js';
import { drawThreadPays } from './draw-thread-policy.js';

// The coded RUN_CANCELLED error, still exported from here for the callers that import it with runEmbedded.
export { RunCancelled };

export interface RunOptions {
  /** Called with overall progress in [0, 1] between slices of the run. */
  onProgress?: (done: number) => void;
  observer?: RunObserver;
  signal?: AbortSignal;
  /**
   * Paced run: simulated seconds per wall second. The virtual clock is held in step with the
   * wall clock, so that live metrics move as a real site's would; without it the run goes as
   * fast as the CPU allows.
   */
  timeScale?: number;
  /** Sample every stage's queue and servers over simulated time into report.timeline (first replication). */
  timeline?: boolean;
  /** Called as each replication starts. */
  onReplication?: (r: number) => void;
  /** Awaited between slices of the run: lets a streaming sink (a trace file) drain. */
  flush?: () => Promise<void>;
  /**
   * Replications run on this many worker threads at once (replication-pool.ts): the same reports
   * as one after another. Only a run nobody watches event by event (no observer, no pacing, no
   * flush) is spread over threads; 1 or undefined: here, one after another.
   */
  jobs?: Jobs;
}

const PACE_TICK_MS = 50;
const PACE_LEAD_HOURS = 24;

/**
 * Runs one replication to the end in one go (no yielding): for tests, benchmarks and the threads
 * of a replication pool. With `timeline`, it samples the stages as runOneReplication does.
 */
export function runReplication(
  s: Scenario,
  replication = 0,
  observer?: RunObserver,
  timeline = false,
  shipments?: ShipmentSourceFactory,
): { run: EmbeddedRun; report: Report } {
  const t0 = performance.now();
  const run = new EmbeddedRun(s, replication, observer ?? null, shipments);
  if (timeline) run.recordTimeline();
  run.runUntil(Infinity);
  const report = reportOf(run, (performance.now() - t0) / 1000);
  if (run.timeline) report.timeline = run.timeline;
  return { run, report };
}

function reportOf(run: EmbeddedRun, wallSeconds: number): Report {
  return buildReport(run.scenario, run.collector, {
    runtime: 'embedded',
    replication: run.replication,
    arrived: run.arrived,
    released: run.released,
    events: run.events,
    wallSeconds,
    stages: run.resources.map((r) => r.totals),
  });
}

/**
 * Runs every replication of a scenario on the embedded engine and merges the reports. The run is
 * cut into slices of simulated time so that a progress bar, a metrics scrape or a cancel can get
 * in between; a slice is long enough that the cost of yielding is negligible.
 */
export async function runEmbedded(s: Scenario, opts: RunOptions = {}): Promise<Report> {
  let reports: Report[] = [];
  const t0 = performance.now();
  const threads =
    opts.observer || opts.timeScale || opts.flush ? 1 : threadsFor(opts.jobs, estimateWork(s).events * s.replications, s.replications);
  if (threads > 1) {
    const { runInThreads } = await import('./replication-pool.js');
    let done = 0;
    opts.onProgress?.(0);
    reports = await runInThreads(
      Array.from({ length: s.replications }, (_, r) => ({ scenario: s, replication: r, timeline: opts.timeline && r === 0 })),
      threads,
      { signal: opts.signal, onDone: () => opts.onProgress?.(++done / s.replications) },
    );
  } else {
    // one replication at a time here: a core to spare may draw their shipments ahead
    const tasks = Array.from({ length: s.replications }, (_, r) => ({ scenario: s, replication: r }));
    const drawing = opts.timeScale ? null : await drawThreadFor(opts.jobs, tasks);
    try {
      for (let r = 0; r < s.replications; r++) reports.push(await runOneReplication(s, r, opts, drawing?.source(r)));
    } finally {
      await drawing?.close();
    }
  }
  const merged = mergeReplications(reports, s);
  merged.wall_seconds = (performance.now() - t0) / 1000;
  return merged;
}

/** Replication r of a scenario, in slices (paced or as fast as possible): its own report. */
export async function runOneReplication(s: Scenario, r: number, opts: RunOptions = {}, shipments?: ShipmentSourceFactory): Promise<Report> {
  const rt0 = performance.now();
  const run = new EmbeddedRun(s, r, opts.observer ?? null, shipments);
  opts.onReplication?.(r);
  if (opts.timeline && r === 0) run.recordTimeline();
  const slice = Math.max(1, (s.horizonDays * 24 - run.start) / 200);
  let until = run.start;
  // A paced run jumps over the drawing-ahead before the first day (as the BullMQ runtime does):
  // nobody watches a dashboard for the weeks before the first arrival.
  const paceFrom = Math.max(run.start, -PACE_LEAD_HOURS);
  if (opts.timeScale) run.runUntil(paceFrom);
  const wall0 = Date.now();
  while (!run.done) {
    if (opts.timeScale) {
      until = paceFrom + ((Date.now() - wall0) / 1000) * (opts.timeScale / 3600);
      run.runUntil(until);
      opts.observer?.clock?.(until);
      await sleep(PACE_TICK_MS);
    } else {
      // a slice at least, or straight to the next event when nothing happens before it
      until = Math.max(until + slice, run.nextEventTime);
      run.runUntil(until);
      if (opts.onProgress || opts.signal || opts.flush) await yieldToLoop();
    }
    if (opts.signal?.aborted) throw new RunCancelled();
    opts.onProgress?.((r + run.progress) / s.replications);
    if (opts.flush) await opts.flush();
  }
  const rep = reportOf(run, (performance.now() - rt0) / 1000);
  if (run.timeline) rep.timeline = run.timeline;
  return rep;
}

/**
 * Whether replications run one after another here get a draw thread (draw-thread.ts): when the
 * caller let clearsim pick its threads (`--jobs` auto, or more than one for a single replication),
 * not with `--jobs 1` (one thread, one core), and when it pays (DrawThread's drawThreadPays).
 */
export function drawAhead(jobs: Jobs | undefined, tasks: DrawTask[]): boolean {
  if (jobs === undefined || jobs === 1) return false;
  return drawThreadPays(tasks);
}

/** A draw thread for these tasks when drawAhead says it pays, else null. */
export async function drawThreadFor(jobs: Jobs | undefined, tasks: DrawTask[]): Promise<DrawThread | null> {
  return drawAhead(jobs, tasks) ? startDrawThread(tasks) : null;
}

/** A draw thread for these tasks, its module loaded only by the runs that start one. */
export async function startDrawThread(tasks: DrawTask[]): Promise<DrawThread> {
  const { DrawThread } = await import('./draw-thread.js');
  return new DrawThread(tasks);
}
