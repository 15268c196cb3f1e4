import type { JobsOptions, Queue } from 'bullmq';
import type { Shipment } from '../../model/shipment.js';
import type { runKeys } from './names.js';
import type { ShipmentCodec } from './shipment-codec.js';
import type { SimClock } from './sim-clock.js';
import { addEffect, type StepEffect } from './step-script.js';

/**
 * Completed jobs are kept this long (then removed, so Redis memory stays flat). While a job is
 * kept, re-adding its id is a no-op: a step retried after a crash (stall recovery takes seconds)
 * cannot start its successor twice. The release itself is guarded by its own mark.
 */
const KEEP_COMPLETED_S = 120;
const MARK_TTL_S = 600;

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
 * A shipment as a job carries it: its whole state (ShipmentCodec), the number of jobs it has had (job ids and
 * exactly-once marks are `${id}.${hop}`), and the largest lag seen so far (simulated hours a
 * delayed step started late).
 */
export interface StepJob {
  s: string;
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
 * What a shipment's next step writes to Redis: a job on a stage's queue, a delayed job on the flow
 * queue, or its release. Each step of a shipment has exactly one successor, added under the
 * deterministic id of hop + 1. The writes are returned, not sent: the caller sends a step's
 * writes with the completion of the job that took it, or a coordinator's tick's in a few batches
 * (step-script.ts), one round trip either way.
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
    private readonly clock: SimClock,
    private readonly keys: ReturnType<typeof runKeys>,
    private readonly stageQueues: Map<number, Queue>,
    private readonly flowQueue: Queue,
    private readonly codec: ShipmentCodec,
  ) {}

  /** The shipment joins stage `stage`'s queue. */
  stage(sh: Shipment, stage: number, hop: number, lag: number): StepEffect | null {
    if (this.closed) return null;
    const opts = jobOptions(sh.id, hop + 1);
    if (this.priority) opts.priority = sh.tier + 1;
    const data: StepJob = { s: this.codec.encode(sh), hop: hop + 1, lag };
    return addEffect(this.stageQueues.get(stage)!, 'service', data, opts);
  }

  /** A delayed job that does `wake` at simulated hour `at`. */
  flow(sh: Shipment, at: number, wake: FlowWake, arg: number, hop: number, lag: number): StepEffect | null {
    if (this.closed) return null;
    const opts = jobOptions(sh.id, hop + 1);
    const delay = Math.round(this.clock.wallAt(at) - Date.now());
    if (delay > 0) opts.delay = delay;
    const data: FlowJob = { s: this.codec.encode(sh), hop: hop + 1, lag, at, wake, arg };
    return addEffect(this.flowQueue, 'continue', data, opts);
  }

  /** Records the release once, whatever the retries: the step's mark and the record, set together. */
  release(sh: Shipment, at: number, hop: number, lag: number): StepEffect | null {
    if (this.closed) return null;
    const rec: ReleaseRecord = { s: this.codec.encode(sh), hop, lag, t: at };
    return {
      script: 'release',
      keys: [`${this.keys.done}${sh.id}.${hop}`, this.keys.results, this.keys.released],
      args: [MARK_TTL_S, JSON.stringify(rec)],
    };
  }
}
