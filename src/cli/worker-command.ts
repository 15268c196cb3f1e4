import type { FastifyInstance } from 'fastify';
import { serveMetrics } from '../api/metrics-route.js';
import { UsageError } from '../errors.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { WorkerHost } from '../runtime/bullmq/worker-host.js';

/**
 * `clearsim worker`: serves every run on a Redis until SIGTERM or SIGINT, then stops taking jobs
 * and lets active ones finish (or hands them back through stall recovery after a timeout).
 * With --metrics-port it serves its own /metrics: stage waits, checks, its servers busy.
 */
export async function workerCommand(flags: { redis: string; metricsPort?: number; metricsHost?: string }): Promise<number> {
  const metrics = flags.metricsPort !== undefined ? new SimMetrics() : undefined;
  let server: FastifyInstance | undefined;
  if (metrics && flags.metricsPort !== undefined) {
    try {
      server = await serveMetrics(metrics.registry, flags.metricsPort, flags.metricsHost ?? '127.0.0.1');
    } catch (err) {
      throw new UsageError(`--metrics-port ${flags.metricsPort}: cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const host = new WorkerHost(flags.redis, (msg) => process.stderr.write(`clearsim worker: ${msg}\n`), metrics);
  try {
    await host.start();
  } catch (err) {
    await server?.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stderr.write(`clearsim worker: stopping (${host.runs.length} run${host.runs.length === 1 ? '' : 's'} in hand)\n`);
  await host.stop();
  await server?.close();
  return 0;
}
