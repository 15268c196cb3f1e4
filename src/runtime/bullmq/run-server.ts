import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScenarioMetrics } from '../../metrics/sim-metrics.js';
import { ClearanceProcess, Wake } from '../../model/clearance-process.js';
import { loadScenarioObject } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/types.js';
import { JobDriver } from './job-driver.js';
import { BULL_PREFIX, flowQueue, runKeys, stageQueue } from './names.js';
import { ShipmentCodec } from './shipment-codec.js';
import { FlowWake, ShipmentJobs, type FlowJob, type StepJob } from './shipment-jobs.js';
import { SimClock } from './sim-clock.js';
import { StepCompletions } from './step-backend.js';

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
 * whose delayed jobs are the pure delays (guarantee, holds, waiting for the goods, unlimited
 * stages). Each job is one step of the shared clearance process, taken through a JobDriver: the
 * step's successor is added under a deterministic job id, so a step retried after a crash re-adds
 * nothing, and the release marks and records it, so none is released twice. Both are written with
 * the job's completion (and the fetch of the next job) in one script: one round trip per step.
 */
export class RunServer {
  readonly scenario: Scenario;
  readonly process: ClearanceProcess;
  readonly clock: SimClock;
  private readonly driver: JobDriver;
  private readonly codec: ShipmentCodec;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly stageQueues = new Map<number, Queue>();
  private flow!: Queue;
  private jobs!: ShipmentJobs;
  private readonly completions: StepCompletions;
  private readonly stageWorkers = new Map<number, Worker>();
  private flowWorker!: Worker;
  private readonly capacity: number[];
  private readonly busy: number[];
  private readonly shares: number[];
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly connection: Redis,
    /** Where the steps (a job's completion with its writes) are sent. */
    steps: Redis,
    readonly meta: RunMeta,
    private readonly shareOf: (servers: number) => number,
    private readonly metrics?: ScenarioMetrics,
  ) {
    this.scenario = loadScenarioObject(meta.scenario, `run ${meta.id}`);
    // moves shipments on only: the coordinator records releases and owns the schedule
    this.process = new ClearanceProcess(this.scenario, meta.replication, { accounting: null, observer: metrics ?? null });
    this.driver = new JobDriver(this.process);
    this.codec = new ShipmentCodec(this.process.model);
    this.process.attach(this.driver);
    this.clock = new SimClock(meta.simStart, meta.wallStart, meta.timeScale);
    this.keys = runKeys(meta.id);
    this.capacity = this.scenario.stages.map((st) => this.process.capacityAt(st.index, meta.simStart));
    this.busy = this.scenario.stages.map(() => 0);
    this.shares = this.scenario.stages.map(() => 0);
    this.completions = new StepCompletions(steps);
  }

  async start(): Promise<void> {
    const opts = { connection: this.connection, prefix: BULL_PREFIX };
    this.flow = new Queue(flowQueue(this.meta.id), opts);
    for (const st of this.scenario.stages)
      if (st.servers !== Infinity) this.stageQueues.set(st.index, new Queue(stageQueue(this.meta.id, st.name), opts));
    // A queue's 'error' events repeat what the failing command already rejects with; unhandled, they would crash the process.
    for (const q of [this.flow, ...this.stageQueues.values()]) q.on('error', () => {});
    this.jobs = new ShipmentJobs(this.clock, this.keys, this.stageQueues, this.flow, this.codec);
    this.driver.writeTo(this.jobs);
    await this.readControl();
    const wopts = { ...opts, lockDuration: LOCK_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: 1000, drainDelay: 1 };
    const backend = this.completions.factory;
    this.flowWorker = new Worker(
      flowQueue(this.meta.id),
      (job: Job<FlowJob>) => this.flowJob(job),
      { ...wopts, concurrency: 200 },
      backend,
    );
    // as for queues: a failing job is retried by BullMQ, and a lost Redis is the host's to report
    this.flowWorker.on('error', () => {});
    for (const [stage] of this.stageQueues) {
      const w = new Worker(
        stageQueue(this.meta.id, this.scenario.stages[stage].name),
        (job: Job<StepJob>) => this.stageJob(job),
        { ...wopts, concurrency: 1, autorun: false },
        backend,
      );
      w.on('error', () => {});
      this.stageWorkers.set(stage, w);
    }
    this.applyShares();
  }

  /** Reads the coordinator's current servers per stage and priority flag, then re-splits servers. */
  async readControl(): Promise<void> {
    const c = await this.redis.hgetall(this.keys.control);
    for (const st of this.scenario.stages) if (c[st.name] !== undefined) this.capacity[st.index] = Number(c[st.name]);
    if (this.jobs) this.jobs.priority = c.priority === '1';
    if (this.flowWorker) this.applyShares();
  }

  /** Sets each stage worker's concurrency to this process's share of the stage's servers now. */
  applyShares(): void {
    if (this.closed) return;
    for (const [stage, w] of this.stageWorkers) {
      const share = this.shareOf(this.capacity[stage]);
      this.shares[stage] = share;
      this.metrics?.stageChanged(stage, NaN, this.busy[stage], share);
      if (share <= 0) {
        // pause/resume reject only when the worker is closing: nothing left to serve then
        if (!w.isPaused()) void w.pause(true).catch(() => {});
      } else {
        w.concurrency = share;
        // resume() also starts a worker that has never run
        if (w.isPaused() || !w.isRunning()) void w.resume().catch(() => {});
      }
    }
  }

  /** A stage's service: the job holds a server (its concurrency slot) for the service, in wall time. */
  private async stageJob(job: Job<StepJob>): Promise<void> {
    const { s, hop, lag } = job.data;
    const sh = this.codec.decode(s);
    const stage = sh.route.stages[sh.step];
    const start = Math.max(this.clock.now(), sh.enqueuedAt);
    const d = this.process.startService(sh, stage, start);
    this.metrics?.stageChanged(stage, NaN, ++this.busy[stage], this.shares[stage]);
    const ms = this.clock.wallMs(d);
    try {
      // a zero service (a timer would still cost a millisecond per job) needs no wait
      if (ms > 0) await sleep(ms);
    } finally {
      this.metrics?.stageChanged(stage, NaN, --this.busy[stage], this.shares[stage]);
    }
    this.metrics?.clock(start + d);
    const drv = this.driver;
    drv.now = start + d;
    drv.hop = hop;
    drv.lag = lag;
    this.process.endService(sh, stage);
    this.completions.leave(job, drv.take());
  }

  private async flowJob(job: Job<FlowJob>): Promise<void> {
    const { s, hop, at, wake, arg } = job.data;
    const sh = this.codec.decode(s);
    const drv = this.driver;
    drv.now = at;
    drv.hop = hop;
    drv.lag = Math.max(job.data.lag, this.clock.now() - at);
    switch (wake) {
      case FlowWake.Resume:
        this.process.wake(Wake.Resume, sh, 0);
        break;
      case FlowWake.GoodsArrived:
        this.process.goodsArrived(sh);
        break;
      case FlowWake.ServiceEnd:
        this.process.endService(sh, arg);
        break;
    }
    this.completions.leave(job, drv.take());
  }

  /** Stops taking jobs; active ones finish (or, past the timeout, are left to stall recovery). */
  async close(timeoutMs = 10000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.jobs) this.jobs.closed = true;
    const workers = [this.flowWorker, ...this.stageWorkers.values()].filter(Boolean);
    const graceful = Promise.all(workers.map((w) => w.close()));
    const timedOut = await Promise.race([graceful.then(() => false), sleep(timeoutMs).then(() => true)]);
    // a forced close can reject when Redis is gone; its jobs come back by stall recovery anyway
    if (timedOut) await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
    await Promise.all([this.flow, ...this.stageQueues.values()].filter(Boolean).map((q) => q.close().catch(() => {})));
  }
}
