import { WorkerHost } from '../runtime/bullmq/worker-host.js';

/**
 * `clearsim worker`: serves every run on a Redis until SIGTERM or SIGINT, then stops taking jobs
 * and lets active ones finish (or hands them back through stall recovery after a timeout).
 */
export async function workerCommand(flags: { redis: string }): Promise<number> {
  const host = new WorkerHost(flags.redis, (msg) => process.stderr.write(`clearsim worker: ${msg}\n`));
  await host.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stderr.write(`clearsim worker: stopping (${host.runs.length} run${host.runs.length === 1 ? '' : 's'} in hand)\n`);
  await host.stop();
  return 0;
}
