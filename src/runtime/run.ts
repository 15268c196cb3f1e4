import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Scenario } from '../scenario/types.js';
import { buildReport, type Report } from '../stats/report.js';
import { mergeReplications } from '../stats/replications.js';
import { EmbeddedRun } from './embedded.js';
import type { RunObserver } from './observer.js';

export interface RunOptions {
  /** Called with overall progress in [0, 1] between slices of the run. */
  onProgress?: (done: number) => void;
  observer?: RunObserver;
  signal?: AbortSignal;
}

/** Runs one replication to the end in one go (no yielding): for tests and benchmarks. */
export function runReplication(s: Scenario, replication = 0, observer?: RunObserver): { run: EmbeddedRun; report: Report } {
  const t0 = performance.now();
  const run = new EmbeddedRun(s, replication);
  if (observer) run.observer = observer;
  run.runUntil(Infinity);
  return { run, report: reportOf(run, (performance.now() - t0) / 1000) };
}

function reportOf(run: EmbeddedRun, wallSeconds: number): Report {
  return buildReport(run.scenario, run.collector, {
    runtime: 'embedded', replication: run.replication, arrived: run.arrived, released: run.released,
    events: run.events, wallSeconds, resources: run.resources,
  });
}

/**
 * Runs every replication of a scenario on the embedded engine and merges the reports. The run is
 * cut into slices of simulated time so that a progress bar, a metrics scrape or a cancel can get
 * in between; a slice is long enough that the cost of yielding is negligible.
 */
export async function runEmbedded(s: Scenario, opts: RunOptions = {}): Promise<Report> {
  const reports: Report[] = [];
  const t0 = performance.now();
  for (let r = 0; r < s.replications; r++) {
    const rt0 = performance.now();
    const run = new EmbeddedRun(s, r);
    if (opts.observer) run.observer = opts.observer;
    const slice = Math.max(1, (s.horizonDays * 24 - run.start) / 200);
    let until = run.start;
    while (!run.done) {
      until += slice;
      run.runUntil(until);
      if (opts.signal?.aborted) throw new Error('run cancelled');
      opts.onProgress?.((r + run.progress) / s.replications);
      if (opts.onProgress || opts.signal) await yieldToLoop();
    }
    reports.push(reportOf(run, (performance.now() - rt0) / 1000));
  }
  const merged = mergeReplications(reports);
  merged.wall_seconds = (performance.now() - t0) / 1000;
  return merged;
}
