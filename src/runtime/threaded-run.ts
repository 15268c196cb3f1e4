import { Worker } from 'node:worker_threads';
import { ClearsimError, RunCancelled, type ErrorKey } from '../errors.js';
import type { SimMetrics, MetricsJson } from '../metrics/sim-metrics.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../stats/report.js';

/** What the thread is given. */
export interface ThreadRunData {
  source: Record<string, unknown>;
  label: string;
  timeScale?: number;
  metrics: boolean;
}

/** From the caller to the thread. */
export type ThreadRequest = { type: 'cancel' } | { type: 'metrics'; id: number };

/** From the thread to the caller. */
export type ThreadMessage =
  | { type: 'progress'; done: number }
  | { type: 'metrics'; id: number; json: MetricsJson }
  | { type: 'done'; report: Report; metrics: MetricsJson | null }
  | { type: 'failed'; key: string | null; message: string; stack?: string };

export interface ThreadedRunOptions {
  timeScale?: number;
  signal?: AbortSignal;
  onProgress?: (done: number) => void;
  /** The caller's metrics: the thread's are merged into them while it runs, and kept after. */
  metrics?: SimMetrics;
  /** The thread's heap limit (MiB): a run that needs more fails with CLEARSIM_RUN_OUT_OF_MEMORY. */
  memoryMb: number;
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
export function runEmbeddedInThread(s: Scenario, opts: ThreadedRunOptions): Promise<Report> {
  const data: ThreadRunData = { source: s.source, label: `run of ${s.name}`, timeScale: opts.timeScale, metrics: !!opts.metrics };
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

  return new Promise<Report>((resolve, reject) => {
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
        case 'metrics':
          pending.get(m.id)?.(m.json);
          pending.delete(m.id);
          break;
        case 'done':
          settle(() => {
            opts.metrics?.removeSource(source, m.metrics);
            resolve(m.report);
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
