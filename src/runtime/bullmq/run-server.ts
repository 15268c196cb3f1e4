import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { Next, type Shipment, ShipmentModel } from '../../model/shipment.js';
import { loadScenarioObject } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import { capacityAt, nextCapacityChange } from '../capacity.js';
import { BULL_PREFIX, flowQueue, runKeys, stageQueue } from './names.js';
import { fromState, toState, type ShipmentState } from './shipment-state.js';
import { SimClock } from './sim-clock.js';

/**
 * Completed jobs are kept this long (then removed, so Redis memory stays flat). While a job is
 * kept, re-adding its id is a no-op: a step retried after a crash (stall recovery takes seconds)
 * cannot start its successor twice. The release itself is guarded by its own mark.
 */
const KEEP_COMPLETED_S = 120;
const MARK_TTL_S = 600;
/** Stalled jobs come back within lockDuration + stalledInterval: seconds, not BullMQ's default minute. */
export const LOCK_MS = 4000;
export const STALLED_INTERVAL_MS = 2000;

const RELEASE_LUA = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], '*', 'r', ARGV[2])
  redis.call('INCR', KEYS[3])
  return 1
end
return 0`;

export interface RunMeta {
  id: string;
  scenario: Record<string, unknown>;
  replication: number;
  timeScale: number;
  simStart: number;
  wallStart: number;
}

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
 * Serves one run in one worker process: a BullMQ worker per stage with finite servers (its
 * concurrency is this process's share of the stage's servers now), and one for the flow queue,
 * whose delayed jobs are the pure delays (lodgement, guarantee, holds, waiting for the goods,
 * unlimited stages). Each step adds its successor under a deterministic job id, so a step retried
 * after a crash re-adds nothing; the release is one Lua call that sets the shipment's mark and
 * records it together, so no shipment is ever released twice.
 */
export class RunServer {
  readonly scenario: Scenario;
  readonly model: ShipmentModel;
  readonly clock: SimClock;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly stageQueues = new Map<number, Queue>();
  private flow!: Queue;
  private readonly stageWorkers = new Map<number, Worker>();
  private flowWorker!: Worker;
  private capacity: number[];
  private priority = false;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly connection: Redis,
    readonly meta: RunMeta,
    private readonly shareOf: (servers: number) => number,
  ) {
    this.scenario = loadScenarioObject(meta.scenario, `run ${meta.id}`);
    this.model = new ShipmentModel(this.scenario);
    this.clock = new SimClock(meta.simStart, meta.wallStart, meta.timeScale);
    this.keys = runKeys(meta.id);
    this.capacity = this.scenario.stages.map((st) => capacityAt(this.scenario, st.index, meta.simStart));
    if (!(this.redis as any).clearsimRelease) this.redis.defineCommand('clearsimRelease', { numberOfKeys: 3, lua: RELEASE_LUA });
  }

  async start(): Promise<void> {
    const opts = { connection: this.connection, prefix: BULL_PREFIX };
    this.flow = new Queue(flowQueue(this.meta.id), opts);
    for (const st of this.scenario.stages) if (st.servers !== Infinity) this.stageQueues.set(st.index, new Queue(stageQueue(this.meta.id, st.name), opts));
    for (const q of [this.flow, ...this.stageQueues.values()]) q.on('error', () => {});
    await this.readControl();
    const wopts = { ...opts, lockDuration: LOCK_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: 1000, drainDelay: 1 };
    this.flowWorker = new Worker(flowQueue(this.meta.id), (job: Job<FlowJob>) => this.flowJob(job), { ...wopts, concurrency: 200 });
    this.flowWorker.on('error', () => {});
    for (const [stage] of this.stageQueues) {
      const w = new Worker(stageQueue(this.meta.id, this.scenario.stages[stage].name), (job: Job<StageJob>) => this.stageJob(job), { ...wopts, concurrency: 1, autorun: false });
      w.on('error', () => {});
      this.stageWorkers.set(stage, w);
    }
    this.applyShares();
  }

  /** Reads the coordinator's current servers per stage and priority flag, then re-splits servers. */
  async readControl(): Promise<void> {
    const c = await this.redis.hgetall(this.keys.control);
    for (const st of this.scenario.stages) if (c[st.name] !== undefined) this.capacity[st.index] = Number(c[st.name]);
    this.priority = c.priority === '1';
    if (this.flowWorker) this.applyShares();
  }

  /** Sets each stage worker's concurrency to this process's share of the stage's servers now. */
  applyShares(): void {
    if (this.closed) return;
    for (const [stage, w] of this.stageWorkers) {
      const share = this.shareOf(this.capacity[stage]);
      if (share <= 0) {
        if (!w.isPaused()) void w.pause(true).catch(() => {});
      } else {
        w.concurrency = share;
        // resume() also starts a worker that has never run
        if (w.isPaused() || !w.isRunning()) void w.resume().catch(() => {});
      }
    }
  }

  private async stageJob(job: Job<StageJob>): Promise<void> {
    const st = job.data.s;
    const sh = fromState(this.model, st);
    const stage = sh.route.stages[sh.step];
    const start = this.clock.now();
    const d = this.model.serviceTime(sh, stage);
    // The officer is busy: the job holds its concurrency slot for the service, in wall time.
    await sleep(this.clock.wallMs(d));
    sh.waits[stage] = Math.max(0, start - st.enqueuedAt);
    sh.services[stage] = d;
    sh.step++;
    await this.continue(sh, start + d, st.hop, st.lag);
  }

  private async flowJob(job: Job<FlowJob>): Promise<void> {
    const { s: st, at } = job.data;
    const lag = Math.max(st.lag, this.clock.now() - at);
    await this.continue(fromState(this.model, st), at, st.hop, lag);
  }

  /** Moves a shipment on from simulated time `now`: the next job (hop + 1), or its release. */
  private async continue(sh: Shipment, now: number, hop: number, lag: number): Promise<void> {
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

  private async addFlow(sh: Shipment, at: number, hop: number, lag: number): Promise<void> {
    const opts = jobOptions(sh.id, hop + 1);
    const delay = Math.round(this.clock.wallAt(at) - Date.now());
    if (delay > 0) opts.delay = delay;
    await this.flow.add('continue', { s: toState(sh, hop + 1, lag), at }, opts);
  }

  /** Stops taking jobs; active ones finish (or, past the timeout, are left to stall recovery). */
  async close(timeoutMs = 10000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const workers = [this.flowWorker, ...this.stageWorkers.values()].filter(Boolean);
    const graceful = Promise.all(workers.map((w) => w.close()));
    const timedOut = await Promise.race([graceful.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
    await Promise.all([this.flow, ...this.stageQueues.values()].filter(Boolean).map((q) => q.close().catch(() => {})));
  }
}
