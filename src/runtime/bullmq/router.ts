import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Next, type Shipment, type ShipmentModel } from '../../model/shipment.js';
import type { Scenario } from '../../scenario/types.js';
import { capacityAt, nextCapacityChange } from '../capacity.js';
import type { runKeys } from './names.js';
import { toState, type ShipmentState } from './shipment-state.js';
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

export interface FlowJob { s: ShipmentState; at: number }
export interface StageJob { s: ShipmentState }

export const jobId = (id: number, hop: number) => `s${id}h${hop}`;

export function jobOptions(id: number, hop: number): JobsOptions {
  return { jobId: jobId(id, hop), removeOnComplete: { age: KEEP_COMPLETED_S }, removeOnFail: 100, attempts: 50, backoff: { type: 'fixed', delay: 250 } };
}

/** The first time from t on at which a stage has a server (pure-delay stages still keep hours). */
export function openAt(s: Scenario, stage: number, t: number): number {
  for (let i = 0; i < 10000 && capacityAt(s, stage, t) === 0; i++) t = nextCapacityChange(s, stage, t);
  return t;
}

/**
 * Moves shipments between jobs: asks the pure model what comes next and turns the answer into
 * the next job (a stage's queue, or a delayed job on the flow queue) or the release. The
 * coordinator uses it at lodgement, worker processes after every step.
 */
export class Router {
  /** Tier priority applies now (the coordinator switches it). */
  priority = false;
  private readonly scenario: Scenario;

  constructor(
    private readonly redis: Redis,
    private readonly model: ShipmentModel,
    private readonly clock: SimClock,
    private readonly keys: ReturnType<typeof runKeys>,
    private readonly stageQueues: Map<number, Queue>,
    private readonly flow: Queue,
  ) {
    this.scenario = model.scenario;
    if (!(redis as any).clearsimRelease) redis.defineCommand('clearsimRelease', { numberOfKeys: 3, lua: RELEASE_LUA });
  }

  /** Moves a shipment on from simulated time `now` after step `hop`: the next job (hop + 1), or its release. */
  async continue(sh: Shipment, now: number, hop: number, lag: number): Promise<void> {
    const s = this.scenario;
    switch (this.model.next(sh, now)) {
      case Next.Stage: {
        const stage = sh.route.stages[sh.step];
        if (s.stages[stage].servers === Infinity) {
          // a pure delay: no queue, but no service starts while the stage is closed
          const start = openAt(s, stage, now);
          const d = this.model.serviceTime(sh, stage);
          sh.waits[stage] = start - now;
          sh.services[stage] = d;
          sh.starts[stage] = start;
          sh.step++;
          return this.addFlow(sh, start + d, hop, lag);
        }
        sh.enqueuedAt = now;
        const opts = jobOptions(sh.id, hop + 1);
        if (this.priority) opts.priority = sh.tier + 1;
        await this.stageQueues.get(stage)!.add('service', { s: toState(sh, hop + 1, lag) }, opts);
        return;
      }
      case Next.Delay:
      case Next.WaitForGoods:
      case Next.ReleaseOnArrival:
        return this.addFlow(sh, sh.until, hop, lag);
      case Next.Release: {
        const payload = JSON.stringify({ s: toState(sh, hop, lag), t: now });
        await (this.redis as any).clearsimRelease(`${this.keys.done}${sh.id}.${hop}`, this.keys.results, this.keys.released, MARK_TTL_S, payload);
        return;
      }
    }
  }

  /** A delayed job on the flow queue that continues the shipment at simulated time `at`. */
  async addFlow(sh: Shipment, at: number, hop: number, lag: number): Promise<void> {
    const opts = jobOptions(sh.id, hop + 1);
    const delay = Math.round(this.clock.wallAt(at) - Date.now());
    if (delay > 0) opts.delay = delay;
    await this.flow.add('continue', { s: toState(sh, hop + 1, lag), at }, opts);
  }
}
