import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULL_PREFIX, RUNS_CHANNEL, RUNS_KEY, flowQueue, runKeys, stageQueue } from './names.js';

/**
 * Removes everything a run made in Redis: its entry in the set of runs, its queues (jobs of every
 * state), and every key under its name. Used by the coordinator when its run ends, and by a worker
 * host for a run whose coordinator died (its lease expired). Safe to repeat.
 */
export async function removeRun(redis: Redis, id: string, stageNames: string[], settleMs = 0): Promise<void> {
  await redis.srem(RUNS_KEY, id);
  await redis.unlink(runKeys(id).lease);
  await redis.publish(RUNS_CHANNEL, `end ${id}`);
  // A run that did not drain has jobs in flight: the workers stop taking its steps when they hear
  // `end` (or see the lease gone); give them that long before the queues go, or a step finishing
  // meanwhile would write its successor into a queue already removed.
  if (settleMs > 0) await sleep(settleMs);
  for (const name of [flowQueue(id), ...stageNames.map((st) => stageQueue(id, st))]) {
    const q = new Queue(name, { connection: redis, prefix: BULL_PREFIX });
    // errors surface through obliterate's own rejection below
    q.on('error', () => {});
    try {
      await q.obliterate({ force: true });
    } finally {
      await q.close();
    }
  }
  const base = runKeys(id).base;
  // the queues live under the prefix and the run id; the run's own keys under its base
  for (const pattern of [`${base}:*`, `${BULL_PREFIX}:${id}.*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}
