import type { FastifyInstance } from 'fastify';
import { serveMetrics } from '../api/metrics-route.js';
import { UsageError } from '../errors.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { WorkerHost } from '../runtime/bullmq/worker-host.js';
import { defaultJobs } from '../runtime/replication-pool.js';

/** How long active jobs get to finish on SIGTERM before they are handed back (stall recovery). */
const STOP_TIMEOUT_MS = 10_000;

/**
 * `clearsim worker`: serves every run on a Redis until SIGTERM or SIGINT, then stops taking jobs
 * and lets active ones finish (or hands them back through stall recovery after a timeout).
 * With --metrics-port it serves its own /metrics: stage waits, checks, its servers busy.
 */
export async function workerCommand(flags: {
  redis: string;
  metricsPort?: number;
  metricsHost?: string;
  exitWithParent?: boolean;
  jobs?: number;
}): Promise<number> {
  const metrics = flags.metricsPort !== undefined ? new SimMetrics() : undefined;
  let server: FastifyInstance | undefined;
  if (metrics && flags.metricsPort !== undefined) {
    try {
      server = await serveMetrics(metrics, flags.metricsPort, flags.metricsHost ?? '127.0.0.1');
    } catch (err) {
      throw new UsageError(
        `--metrics-port ${flags.metricsPort}: cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  const host = new WorkerHost(
    flags.redis,
    (msg) => process.stderr.write(`clearsim worker: ${msg}\n`),
    metrics,
    flags.jobs ?? defaultJobs(),
  );
  try {
    await host.start();
  } catch (err) {
    await server?.close();
    throw err;
  }
  const why = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    // A worker started for one run (run --runtime bullmq) reads nothing from its stdin: the pipe
    // closes when the process that started it exits, however it exits (SIGKILL included).
    if (flags.exitWithParent) {
      process.stdin.on('close', () => resolve('its parent process exited'));
      process.stdin.on('end', () => resolve('its parent process exited'));
      process.stdin.resume();
    }
  });
  process.stderr.write(`clearsim worker: stopping on ${why} (${host.runs.length} run${host.runs.length === 1 ? '' : 's'} in hand)\n`);
  // the stop is bounded (STOP_TIMEOUT_MS, then each step gives up); this is the last resort
  setTimeout(() => {
    process.stderr.write('clearsim worker: could not stop cleanly in time; exiting\n');
    process.exit(1);
  }, STOP_TIMEOUT_MS + 5000).unref();
  await host.stop(STOP_TIMEOUT_MS);
  await server?.close();
  return 0;
}
