import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnreachableError } from '../../errors.js';

/**
 * Redis connections for the BullMQ runtime. BullMQ's workers need `maxRetriesPerRequest: null`
 * (blocking commands); a coordinator must instead notice a lost Redis within seconds and fail,
 * so its connections give up after a few reconnection attempts.
 */
export function connect(url: string, opts: { failFast: boolean; name?: string }): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: opts.name,
    lazyConnect: false,
    connectTimeout: 3000,
    retryStrategy: opts.failFast ? (times) => (times > 4 ? null : 250 * times) : (times) => Math.min(1000, 100 * times),
  };
  const redis = new Redis(url, options);
  // Errors surface through the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  return redis;
}

/** Fails within a few seconds if Redis cannot be reached, with a message naming the URL. */
export async function ping(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new RedisUnreachableError(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
