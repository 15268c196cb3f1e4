import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { NoWorkersError } from '../../errors.js';
import { redactUrl } from './connection.js';
import { WORKERS_KEY, WORKER_TTL_MS } from './names.js';

/** Worker hosts whose heartbeat is fresh. */
export async function liveWorkers(redis: Redis): Promise<number> {
  const beats = Object.values(await redis.hgetall(WORKERS_KEY));
  return beats.filter((ts) => Date.now() - Number(ts) <= WORKER_TTL_MS).length;
}

/**
 * Waits until at least `min` (and at least one) worker hosts serve the Redis; fails with how to
 * start one after `seconds`. `check` runs each round, so a caller can stop waiting on its own errors.
 */
export async function waitForWorkers(redis: Redis, url: string, min: number, seconds = 30, check: () => void = () => {}): Promise<number> {
  const need = Math.max(1, min);
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    check();
    const live = await liveWorkers(redis);
    if (live >= need) return live;
    if (Date.now() > deadline) {
      throw new NoWorkersError(
        `no clearsim worker is serving Redis at ${redactUrl(url)} (found ${live}, need ${need}); start one with: clearsim worker --redis ${redactUrl(url)}`,
      );
    }
    await sleep(200);
  }
}
