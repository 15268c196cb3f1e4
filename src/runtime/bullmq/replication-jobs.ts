import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { loadScenarioObject } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import type { Report } from '../../stats/report.js';
import { runOneReplication } from '../run.js';
import type { ReplicationThreads } from '../replication-threads.js';
import { connect, ping } from './connection.js';
import { RunCancelled } from '../../errors.js';
import { BULL_PREFIX } from './names.js';
import { waitForWorkers } from './worker-registry.js';

/** The queue of distributed replications that every `clearsim worker` serves. */
export const REPLICATIONS_QUEUE = 'replications';

interface ReplicationJob {
  scenario: Record<string, unknown>;
  replication: number;
}

/**
 * A worker host's part in distributed experiments: runs replication jobs on the embedded engine.
 * Without threads, one at a time on this thread, yielding between slices so the job lock renews;
 * with them (`clearsim worker --jobs N`), as many at a time as there are threads, each on one
 * (they are CPU-bound), and the threads stay up from one experiment to the next.
 */
export function serveReplications(connection: Redis, threads?: ReplicationThreads): Worker {
  const w = new Worker<ReplicationJob, Report>(
    REPLICATIONS_QUEUE,
    async (job: Job<ReplicationJob>) => {
      if (threads) return threads.run(job.data.scenario, `job ${job.id}`, job.data.replication);
      const s = loadScenarioObject(job.data.scenario, `job ${job.id}`);
      return runOneReplication(s, job.data.replication, { onProgress: () => {} });
    },
    {
      connection,
      prefix: BULL_PREFIX,
      concurrency: threads?.size ?? 1,
      lockDuration: 30000,
      stalledInterval: 15000,
      maxStalledCount: 10,
    },
  );
  w.on('error', () => {});
  return w;
}

/**
 * Runs replications of one or more scenarios as BullMQ jobs on `clearsim worker` processes and
 * gathers their reports from Redis, in the order asked. Each job is (scenario, replication r),
 * seeded (seed, r) exactly as a local run, so the results are the same wherever they run.
 */
export async function replicateOnWorkers(
  redisUrl: string,
  batches: { scenario: Scenario; replications: number; first?: number }[],
  opts: { onDone?: () => void; workerWaitSeconds?: number; signal?: AbortSignal } = {},
): Promise<Report[][]> {
  const redis = connect(redisUrl, { failFast: true, name: 'clearsim-experiment' });
  // BullMQ leaves a connection it was given open when it closes: this one is quit below
  const eventsRedis = connect(redisUrl, { failFast: true, name: 'clearsim-experiment-events' });
  const events = new QueueEvents(REPLICATIONS_QUEUE, { connection: eventsRedis, prefix: BULL_PREFIX });
  // 'error' events repeat what the failing calls reject with; unhandled they would crash the process
  events.on('error', () => {});
  const queue = new Queue<ReplicationJob, Report>(REPLICATIONS_QUEUE, { connection: redis, prefix: BULL_PREFIX });
  queue.on('error', () => {});
  const id = randomBytes(4).toString('hex');
  try {
    await ping(redis, redisUrl);
    await waitForWorkers(redis, redisUrl, 1, opts.workerWaitSeconds);
    await events.waitUntilReady();
    const jobs = await queue.addBulk(
      batches.flatMap((b, i) =>
        Array.from({ length: b.replications }, (_, k) => (b.first ?? 0) + k).map((r) => ({
          name: `${b.scenario.name}#${r}`,
          data: { scenario: b.scenario.source, replication: r },
          // kept until read (removed then), and for an hour at most should this process die first
          opts: { jobId: `${id}-${i}-${r}`, attempts: 3, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
        })),
      ),
    );
    // a cancel removes the jobs not yet taken (the ones running finish and expire), and stops the wait
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void Promise.all(
          jobs.map((j) =>
            j.remove().catch(() => {
              /* taken by a worker: it finishes and expires */
            }),
          ),
        );
        reject(new RunCancelled());
      };
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {
      /* read by the race below */
    });
    const results = await Promise.race([
      aborted,
      Promise.all(
        jobs.map(async (job) => {
          const rep = (await job.waitUntilFinished(events)) as Report;
          opts.onDone?.();
          // read: no longer needed (and it expires anyway)
          await job.remove().catch(() => {});
          return rep;
        }),
      ),
    ]).finally(() => opts.signal?.removeEventListener('abort', onAbort));
    const out: Report[][] = [];
    let k = 0;
    for (const b of batches) {
      out.push(results.slice(k, k + b.replications));
      k += b.replications;
    }
    return out;
  } finally {
    // closing on a lost Redis can only fail; what matters is that nothing is left open
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
    await eventsRedis.quit().catch(() => eventsRedis.disconnect());
  }
}
