import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { shipmentState, type Shipment, type ShipmentState } from '../../model/shipment.js';
import type { runKeys } from './names.js';
import type { SimClock } from './sim-clock.js';

/**
 * Completed jobs are kept this long (then removed, so Redis memory stays flat). While a job is
 * kept, re-adding its id is a no-op: a step retried after a crash (stall recovery takes seconds)
 * cannot start its successor twice. The release itself is guarded by its own mark.
 */
const KEEP_COMPLETED_S = 120;
const MARK_TTL_S = 600;

/** Marks the shipment released and records it, atomically: a retried release does nothing. */
const RELEASE_LUA = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], '*', 'r', ARGV[2])
  redis.call('INCR', KEYS[3])
  return 1
end
return 0`;

/** What a job of the flow queue does when its delay is over. */
export const enum FlowWake {
  /** A guarantee delay or a findings hold ended: ClearanceProcess.wake(Resume). */
  Resume = 0,
  /** The goods arrived: ClearanceProcess.goodsArrived. */
  GoodsArrived = 1,
  /** A pure-delay (unlimited) stage's service ended: ClearanceProcess.endService(arg). */
  ServiceEnd = 2,
}

/**
 * A shipment as a job carries it: its whole state, the number of jobs it has had (job ids and
 * exactly-once marks are `${id}.${hop}`), and the largest lag seen so far (simulated hours a
 * delayed step started late).
 */
export interface StepJob {
  s: ShipmentState;
  hop: number;
  lag: number;
}

/** A delayed job on the flow queue: what to do (`wake`, `arg`) at simulated hour `at`. */
export interface FlowJob extends StepJob {
  at: number;
  wake: FlowWake;
  arg: number;
}

/** A released shipment as the run's result stream carries it, at simulated hour `t`. */
export interface ReleaseRecord extends StepJob {
  t: number;
}

export const jobId = (id: number, hop: number) => `s${id}h${hop}`;

export function jobOptions(id: number, hop: number): JobsOptions {
  return {
    jobId: jobId(id, hop),
    removeOnComplete: { age: KEEP_COMPLETED_S },
    removeOnFail: 100,
    attempts: 50,
    backoff: { type: 'fixed', delay: 250 },
  };
}

/**
 * Writes a shipment's next step to Redis: a job on a stage's queue, a delayed job on the flow
 * queue, or its release. Each step of a shipment has exactly one successor, added under the
 * deterministic id of hop + 1.
 */
export class ShipmentJobs {
  /** Tier priority applies now (the coordinator switches it). */
  priority = false;
  /**
   * The run has ended here (cancelled, or its coordinator gone): a job still in flight takes no
   * further step, so nothing of the run is written back after its keys are removed.
   */
  closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly clock: SimClock,
    private readonly keys: ReturnType<typeof runKeys>,
    private readonly stageQueues: Map<number, Queue>,
    private readonly flowQueue: Queue,
  ) {
    if (!(redis as unknown as { clearsimRelease?: unknown }).clearsimRelease)
      redis.defineCommand('clearsimRelease', { numberOfKeys: 3, lua: RELEASE_LUA });
  }

  /** The shipment joins stage `stage`'s queue. */
  stage(sh: Shipment, stage: number, hop: number, lag: number): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const opts = jobOptions(sh.id, hop + 1);
    if (this.priority) opts.priority = sh.tier + 1;
    const data: StepJob = { s: shipmentState(sh), hop: hop + 1, lag };
    return this.stageQueues.get(stage)!.add('service', data, opts);
  }

  /** A delayed job that does `wake` at simulated hour `at`. */
  flow(sh: Shipment, at: number, wake: FlowWake, arg: number, hop: number, lag: number): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const opts = jobOptions(sh.id, hop + 1);
    const delay = Math.round(this.clock.wallAt(at) - Date.now());
    if (delay > 0) opts.delay = delay;
    const data: FlowJob = { s: shipmentState(sh), hop: hop + 1, lag, at, wake, arg };
    return this.flowQueue.add('continue', data, opts);
  }

  /** Records the release once, whatever the retries: the mark and the record in one Lua call. */
  release(sh: Shipment, at: number, hop: number, lag: number): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const rec: ReleaseRecord = { s: shipmentState(sh), hop, lag, t: at };
    return (this.redis as unknown as { clearsimRelease: (...a: unknown[]) => Promise<unknown> }).clearsimRelease(
      `${this.keys.done}${sh.id}.${hop}`,
      this.keys.results,
      this.keys.released,
      MARK_TTL_S,
      JSON.stringify(rec),
    );
  }
}
