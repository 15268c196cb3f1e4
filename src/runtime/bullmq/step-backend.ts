import { createRedisBackend, raw2NextJobData, type RedisQueueBackend } from 'bullmq';
import type { Redis } from 'ioredis';
import { runStep, type StepArg, type StepEffect } from './step-script.js';

type BackendFactory = typeof createRedisBackend;
type Finished = Awaited<ReturnType<RedisQueueBackend['moveToCompleted']>>;

/**
 * Completes a worker's jobs together with the writes their step made, in one round trip. A
 * processor leaves its step's effects here (`leave`) instead of sending them; the worker's
 * backend (BullMQ's Redis backend, made by `factory`) then completes the job with the step script
 * rather than BullMQ's moveToFinished alone: the effects, the completion and the fetch of the next
 * job in one script. A job left nothing completes as BullMQ completes it.
 */
export class StepCompletions {
  private readonly pending = new WeakMap<object, StepEffect[]>();

  constructor(private readonly redis: Redis) {}

  /** The effects `job`'s completion must write. */
  leave(job: object, effects: StepEffect[]): void {
    if (effects.length) this.pending.set(job, effects);
  }

  /** A BackendFactory for BullMQ workers: the Redis backend, completing jobs through the step script. */
  readonly factory: BackendFactory = (name, opts, flags) => {
    const backend = createRedisBackend(name, opts, flags);
    const plain = backend.moveToCompleted.bind(backend);
    backend.moveToCompleted = async (job, returnValue, removeOnComplete, token, fetchNext): Promise<Finished> => {
      const effects = this.pending.get(job);
      if (!effects) return plain(job, returnValue, removeOnComplete, token, fetchNext);
      this.pending.delete(job);
      const argv = backend.moveToCompletedArgs(job, JSON.stringify(returnValue) as never, removeOnComplete, token, fetchNext) as StepArg[];
      const nk = backend.moveToFinishedKeys.length;
      // KEYS[12] of moveToFinished is the job's hash; its lock is beside it
      const res = await runStep(this.redis, effects, { lock: `${argv[11]}:lock`, token, keys: argv.slice(0, nk), args: argv.slice(nk) });
      if (typeof res === 'number' && res < 0)
        throw backend.finishedErrors({ code: res, jobId: job.id, command: 'moveToFinished', state: 'active' });
      return { result: res === undefined ? undefined : raw2NextJobData(res as never), finishedOn: argv[nk + 1] as number };
    };
    return backend;
  };
}
