import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../../scenario/types.js';
import type { Report } from '../../stats/report.js';
import { mergeReplications } from '../../stats/replications.js';
import { BullmqCoordinator, type BullmqOptions } from './coordinator.js';

/** A coordinator's options, but workers are started here (or, with 0, elsewhere) rather than counted. */
export interface BullmqRunOptions extends Omit<BullmqOptions, 'minWorkers'> {
  /** Local worker processes to start for the run; 0 = use `clearsim worker` processes started elsewhere. */
  workers: number;
  /** Called with the local worker processes once started (tests kill one to show nothing is lost). */
  onWorkers?: (procs: ChildProcess[]) => void;
  /** Called as each replication starts (a trace numbers its rows by it). */
  onReplication?: (r: number) => void;
}

const CLI = fileURLToPath(new URL('../../../bin/clearsim.js', import.meta.url));

/** Starts `clearsim worker` processes on this machine for one run. */
export function spawnWorkers(n: number, redisUrl: string): ChildProcess[] {
  return Array.from({ length: n }, () => {
    // stdin is a pipe the worker watches: it exits when this process does, even when killed
    // one replication at a time each: the n processes are the parallelism asked for
    const p = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl, '--exit-with-parent', '--jobs', '1'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    p.stderr?.resume();
    return p;
  });
}

export async function stopWorkers(procs: ChildProcess[], timeoutMs = 15000): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
          p.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * Runs every replication of a scenario on BullMQ and merges the reports as the embedded runtime
 * does. Replications run one after another, each with its own queues.
 */
export async function runBullmq(s: Scenario, opts: BullmqRunOptions): Promise<Report> {
  const procs = opts.workers > 0 ? spawnWorkers(opts.workers, opts.redisUrl) : [];
  opts.onWorkers?.(procs);
  const t0 = performance.now();
  let lostRedis = false;
  try {
    const reports: Report[] = [];
    for (let r = 0; r < s.replications; r++) {
      const { workers, onWorkers: _, onProgress, onReplication, timeline, ...common } = opts;
      onReplication?.(r);
      const c = new BullmqCoordinator(s, r, {
        ...common,
        minWorkers: workers,
        timeline: timeline && r === 0,
        onProgress: onProgress ? (x) => onProgress((r + x) / s.replications) : undefined,
      });
      try {
        reports.push(await c.run());
      } finally {
        lostRedis ||= c.failedWith !== null;
        await c.cleanup();
      }
    }
    const merged = mergeReplications(reports, s);
    merged.wall_seconds = (performance.now() - t0) / 1000;
    return merged;
  } finally {
    // without Redis the workers cannot hand anything back: do not wait for them long
    await stopWorkers(procs, lostRedis ? 2000 : 15000);
  }
}
