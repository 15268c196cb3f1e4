import { Worker } from 'node:worker_threads';
import { ClearsimError, RunCancelled, type ErrorKey } from '../errors.js';
import type { SimMetrics, MetricsJson } from '../metrics/sim-metrics.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';
import type { Comparison } from '../experiments/compare.js';
import type { Optimization } from '../experiments/optimize.js';
import type { Sweep } from '../experiments/sweep.js';
import type { FlowSnapshot, FlowTimeline } from './flow-recorder.js';

/** A scenario as the thread gets it: its (overridden) source, loaded again there. */
export interface ThreadScenario {
  source: Record<string, unknown>;
  label: string;
}

/** What a thread does: every replication of one scenario, a paired comparison, a sweep's points, or an optimisation. */
export type ThreadJob =
  | ({ kind: 'run' } & ThreadScenario)
  /** Replication 0 again (the same seed: the same shipments), its trace written to `file`. */
  | ({ kind: 'trace'; file: string } & ThreadScenario)
  | { kind: 'compare'; a: ThreadScenario; b: ThreadScenario; replications: number }
  | {
      kind: 'sweep';
      scenario: string;
      replications: number;
      params: { path: string; values: string[] }[];
      points: { params: Record<string, unknown>; scenario: ThreadScenario }[];
    }
  /** `clearsim optimize` on the (overridden) scenario: --vary and --target texts as the CLI reads them. */
  | {
      kind: 'optimize';
      scenario: ThreadScenario;
      vary: string[];
      target: string[];
      steps: number;
      confidence: number;
      replications: number;
      maxReplications: number;
      maxEvents?: number;
    }
  /** A quick report of the scenario's shape (report-probe.ts): to check statistic paths before a search. */
  | ({ kind: 'probe' } & ThreadScenario);

/** What the thread is given. */
export interface ThreadRunData {
  job: ThreadJob;
  timeScale?: number;
  metrics: boolean;
  /** Post `flow` snapshots (and return the replay timeline) of a run. */
  flow: boolean;
  /** The `run` label of the thread's metrics (the API's run id). */
  runLabel?: string;
}

/** A compare job's result: the comparison without its per-replication reports. */
export type ThreadComparison = Omit<Comparison, 'reports'>;
/** A sweep job's result: what renderSweepReport and sweepRows take. */
export type ThreadSweep = Sweep;

/** From the caller to the thread. */
export type ThreadRequest = { type: 'cancel' } | { type: 'metrics'; id: number };

/** From the thread to the caller. */
export type ThreadMessage =
  | { type: 'progress'; done: number }
  | { type: 'flow'; snapshot: FlowSnapshot }
  | { type: 'metrics'; id: number; json: MetricsJson }
  | {
      type: 'done';
      report?: Report;
      comparison?: ThreadComparison;
      sweep?: ThreadSweep;
      optimization?: Optimization;
      rows?: number;
      timeline?: FlowTimeline;
      metrics: MetricsJson | null;
    }
  | { type: 'failed'; key: string | null; message: string; stack?: string };

export interface ThreadedRunOptions {
  timeScale?: number;
  signal?: AbortSignal;
  onProgress?: (done: number) => void;
  /** Live flow snapshots of a run (a few a second); with it, the result has the replay timeline. */
  onFlow?: (s: FlowSnapshot) => void;
  /** The caller's metrics: the thread's are merged into them while it runs, and kept after. */
  metrics?: SimMetrics;
  /** The thread's heap limit (MiB): a run that needs more fails with CLEARSIM_RUN_OUT_OF_MEMORY. */
  memoryMb: number;
  /** The `run` label of the run's metrics (the API's run id). */
  runLabel?: string;
}

/**
 * The thread's compiled entry. Resolved to dist/ from both src/ and dist/ (the two are siblings),
 * because a worker thread loads JavaScript, not the TypeScript a test imports.
 */
const THREAD_ENTRY = new URL('../../dist/runtime/run-thread.js', import.meta.url);

/**
 * Every replication of a scenario on the embedded engine in a worker thread: the caller's event
 * loop stays free (an API server keeps answering), the thread's memory is capped, and a thread
 * that dies (out of memory) fails this run only.
 */
export async function runEmbeddedInThread(s: Scenario, opts: ThreadedRunOptions): Promise<Report> {
  return (await runJobInThread({ kind: 'run', source: s.source, label: `run of ${s.name}` }, opts)).report!;
}

/** What a job's thread answers with (the `done` message without its metrics). */
export type ThreadResult = Omit<Extract<ThreadMessage, { type: 'done' }>, 'type' | 'metrics'>;

/** A run, comparison or sweep on the embedded engine in a worker thread (see runEmbeddedInThread). */
export function runJobInThread(job: ThreadJob, opts: ThreadedRunOptions): Promise<ThreadResult> {
  const data: ThreadRunData = { job, timeScale: opts.timeScale, metrics: !!opts.metrics, flow: !!opts.onFlow, runLabel: opts.runLabel };
  const worker = new Worker(THREAD_ENTRY, {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb },
    stdout: false,
    stderr: false,
  });
  const pending = new Map<number, (json: MetricsJson) => void>();
  let nextId = 0;
  const source = () =>
    new Promise<MetricsJson>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ type: 'metrics', id } satisfies ThreadRequest);
      // a thread too busy to answer within a scrape's time is left out of this scrape
      setTimeout(() => {
        if (pending.delete(id)) resolve([]);
      }, 1000).unref();
    });
  opts.metrics?.addSource(source);

  return new Promise<ThreadResult>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      f();
      void worker.terminate();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies ThreadRequest);
      // a thread that does not stop at its next slice is stopped from here
      setTimeout(
        () =>
          settle(() => {
            opts.metrics?.removeSource(source, null);
            reject(new RunCancelled());
          }),
        2000,
      ).unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage) => {
      switch (m.type) {
        case 'progress':
          opts.onProgress?.(m.done);
          break;
        case 'flow':
          opts.onFlow?.(m.snapshot);
          break;
        case 'metrics':
          pending.get(m.id)?.(m.json);
          pending.delete(m.id);
          break;
        case 'done':
          settle(() => {
            opts.metrics?.removeSource(source, m.metrics);
            const { type: _t, metrics: _m, ...result } = m;
            resolve(result);
          });
          break;
        case 'failed':
          settle(() => {
            opts.metrics?.removeSource(source, null);
            const err = m.key ? new ClearsimError(m.key as ErrorKey, m.message) : new Error(m.message);
            if (m.stack && !m.key) err.stack = m.stack;
            reject(err);
          });
          break;
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      settle(() => {
        opts.metrics?.removeSource(source, null);
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ClearsimError(
                'RUN_OUT_OF_MEMORY',
                `the run needed more than its memory limit of ${opts.memoryMb} MiB and was stopped; fewer arrivals, a shorter horizon or fewer replications need less (or raise the server's limit)`,
              )
            : err,
        );
      });
    });
    worker.on('exit', (code) =>
      settle(() => {
        opts.metrics?.removeSource(source, null);
        reject(new Error(`the run's thread exited (code ${code}) before it finished`));
      }),
    );
  });
}
