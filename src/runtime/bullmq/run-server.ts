import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScenarioMetrics } from '../../metrics/sim-metrics.js';
import { ShipmentModel } from '../../model/shipment.js';
import { loadScenarioObject } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import { capacityAt } from '../capacity.js';
import { BULL_PREFIX, flowQueue, runKeys, stageQueue } from './names.js';
import { Router, type FlowJob, type StageJob } from './router.js';
import { fromState } from './shipment-state.js';
import { SimClock } from './sim-clock.js';

/** Stalled jobs come back within lockDuration + stalledInterval: seconds, not BullMQ's default minute. */
export const LOCK_MS = 4000;
export const STALLED_INTERVAL_MS = 2000;

export interface RunMeta {
  id: string;
  scenario: Record<string, unknown>;
  replication: number;
  timeScale: number;
  simStart: number;
  wallStart: number;
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
  private router!: Router;
  private readonly stageWorkers = new Map<number, Worker>();
  private flowWorker!: Worker;
  private capacity: number[];
  private readonly busy: number[];
  private readonly shares: number[];
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly connection: Redis,
    readonly meta: RunMeta,
    private readonly shareOf: (servers: number) => number,
    private readonly metrics?: ScenarioMetrics,
  ) {
    this.scenario = loadScenarioObject(meta.scenario, `run ${meta.id}`);
    this.model = new ShipmentModel(this.scenario);
    this.clock = new SimClock(meta.simStart, meta.wallStart, meta.timeScale);
    this.keys = runKeys(meta.id);
    this.capacity = this.scenario.stages.map((st) => capacityAt(this.scenario, st.index, meta.simStart));
    this.busy = this.scenario.stages.map(() => 0);
    this.shares = this.scenario.stages.map(() => 0);
  }

  async start(): Promise<void> {
    const opts = { connection: this.connection, prefix: BULL_PREFIX };
    this.flow = new Queue(flowQueue(this.meta.id), opts);
    for (const st of this.scenario.stages) if (st.servers !== Infinity) this.stageQueues.set(st.index, new Queue(stageQueue(this.meta.id, st.name), opts));
    for (const q of [this.flow, ...this.stageQueues.values()]) q.on('error', () => {});
    this.router = new Router(this.redis, this.model, this.clock, this.keys, this.stageQueues, this.flow);
    await this.readControl();
    this.router.priority = (await this.redis.hget(this.keys.control, 'priority')) === '1';
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
    if (this.router) this.router.priority = c.priority === '1';
    if (this.flowWorker) this.applyShares();
  }

  /** Sets each stage worker's concurrency to this process's share of the stage's servers now. */
  applyShares(): void {
    if (this.closed) return;
    for (const [stage, w] of this.stageWorkers) {
      const share = this.shareOf(this.capacity[stage]);
      this.shares[stage] = share;
      this.metrics?.servers(stage, this.busy[stage], share);
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
    const wait = Math.max(0, start - st.enqueuedAt);
    this.metrics?.stageStarted(sh, stage, wait);
    this.metrics?.servers(stage, ++this.busy[stage], this.shares[stage]);
    // The officer is busy: the job holds its concurrency slot for the service, in wall time.
    try {
      await sleep(this.clock.wallMs(d));
    } finally {
      this.metrics?.servers(stage, --this.busy[stage], this.shares[stage]);
    }
    if (this.scenario.stages[stage].detection > 0) this.metrics?.checked(sh, stage, sh.found[stage] === 1);
    this.metrics?.clock(start + d);
    sh.waits[stage] = wait;
    sh.services[stage] = d;
    sh.starts[stage] = start;
    sh.step++;
    await this.router.continue(sh, start + d, st.hop, st.lag);
  }

  private async flowJob(job: Job<FlowJob>): Promise<void> {
    const { s: st, at } = job.data;
    const lag = Math.max(st.lag, this.clock.now() - at);
    await this.router.continue(fromState(this.model, st), at, st.hop, lag);
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
