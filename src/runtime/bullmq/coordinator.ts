import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Calendar } from '../../engine/calendar.js';
import { ArrivalProcess } from '../../model/arrivals.js';
import { Streams } from '../../model/random.js';
import { Shipment, ShipmentModel } from '../../model/shipment.js';
import type { Scenario } from '../../scenario/types.js';
import { Collector } from '../../stats/collector.js';
import { buildReport, type Report } from '../../stats/report.js';
import { StageGauge } from '../../stats/stage-gauge.js';
import { Summary } from '../../stats/summary.js';
import type { ScenarioMetrics } from '../../metrics/sim-metrics.js';
import { capacityAt, hasCapacitySchedule, nextCapacityChange, priorityWindows } from '../capacity.js';
import { connect, ping, redactUrl } from './connection.js';
import { BULL_PREFIX, RUNS_CHANNEL, RUNS_KEY, flowQueue, runKeys, stageQueue } from './names.js';
import { Router } from './router.js';
import type { RunMeta } from './run-server.js';
import { fromState, type ShipmentState } from './shipment-state.js';
import { SimClock } from './sim-clock.js';
import { waitForWorkers } from './worker-registry.js';

const enum Ev { Generate, Submit, Arrive, Capacity, PriorityOn, PriorityOff }

/** How far before time 0 the simulated clock starts: earlier lodgements are lodged at the start. */
const CLOCK_LEAD_HOURS = 24;
const SAMPLE_MS = 200;
/** Lag (wall) above which the report says the workers cannot keep up with the time scale. */
const LAG_WARN_SECONDS = 0.5;

export interface BullmqOptions {
  redisUrl: string;
  timeScale: number;
  /** Worker processes this run needs before its clock starts (spawned by the caller, or started elsewhere). */
  minWorkers: number;
  onProgress?: (done: number) => void;
  log?: (msg: string) => void;
  signal?: AbortSignal;
  /** Seconds to wait for worker processes before giving up. */
  workerWaitSeconds?: number;
  /** Live metrics of the coordinator's part: arrivals, releases, clearance, queues, the clock. */
  metrics?: ScenarioMetrics;
}

export class RedisLostError extends Error {}

/**
 * Coordinates one replication on BullMQ. It draws shipments exactly as the embedded runtime
 * does (same streams, same model) and submits each as a job when its declaration is lodged; it
 * sets each stage's servers as opening hours and disruptions change them; it reads released
 * shipments from the run's result stream into the same collector and report. Only the waiting
 * happens in Redis, at wall clock x time scale.
 */
export class BullmqCoordinator {
  readonly id: string;
  readonly model: ShipmentModel;
  private readonly streams: Streams;
  private readonly arrivals: ArrivalProcess;
  private readonly collector: Collector;
  private readonly cal = new Calendar<Shipment>(1024);
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly queues = new Map<number, Queue>();
  private flow!: Queue;
  private router!: Router;
  private readonly gauges: StageGauge[];
  private readonly lag = new Summary();
  private clock!: SimClock;
  private readonly horizon: number;
  private readonly simStart: number;
  private nextId = 0;
  private nextArrival: number;
  private arrivalsDone = false;
  generated = 0;
  arrived = 0;
  released = 0;
  private fatal: Error | null = null;
  /** One bit per shipment id: a second release of the same shipment is counted, never hidden. */
  private releasedIds = new Uint8Array(1024);
  duplicates = 0;
  /** Redis' event-loop frequency bounds how late a delayed job can start (1000/hz ms). */
  private redisHz: number | null = null;
  private lastId = '0-0';
  private capacities: number[];
  private priority = false;

  constructor(readonly scenario: Scenario, readonly replication: number, private readonly opts: BullmqOptions) {
    const s = scenario;
    this.id = `${s.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.model = new ShipmentModel(s);
    this.streams = new Streams(s.seed, replication, s.stages.map((x) => x.name));
    this.arrivals = new ArrivalProcess(s);
    this.collector = new Collector(s);
    this.keys = runKeys(this.id);
    this.horizon = s.horizonDays * 24;
    this.simStart = -Math.min(this.model.lookahead, CLOCK_LEAD_HOURS);
    this.gauges = s.stages.map(() => new StageGauge(s.warmupDays * 24, this.horizon));
    this.capacities = s.stages.map((st) => capacityAt(s, st.index, this.simStart));
    this.redis = connect(opts.redisUrl, { failFast: true, name: `clearsim-run-${this.id}` });
    this.reader = connect(opts.redisUrl, { failFast: true, name: `clearsim-run-${this.id}-results` });
    for (const c of [this.redis, this.reader]) c.on('end', () => this.fail(new RedisLostError(`lost the connection to Redis at ${redactUrl(opts.redisUrl)}`)));
    this.failed = new Promise<never>((_, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => {});

    // the same arrivals as the embedded runtime: first arrival from time 0, one draw each
    this.nextArrival = this.arrivals.after(0, this.streams.arrivals);
    if (this.nextArrival < this.horizon) this.cal.schedule(this.nextArrival - this.model.lookahead, Ev.Generate, null);
    else this.arrivalsDone = true;
    for (let i = 0; i < s.stages.length; i++) {
      if (!hasCapacitySchedule(s, i)) continue;
      const t = nextCapacityChange(s, i, this.simStart);
      if (t < Infinity) this.cal.schedule(t, Ev.Capacity, null, i);
    }
    for (const w of priorityWindows(s)) {
      if (w.from === -Infinity) this.priority = true;
      else { this.cal.schedule(w.from, Ev.PriorityOn, null); this.cal.schedule(w.to, Ev.PriorityOff, null); }
    }
  }

  /** Rejects when the run must stop (Redis lost): every wait on Redis races it, so nothing hangs. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (err: Error) => void;

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.rejectFailed(err);
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failed]);
  }

  private check(): void {
    if (this.fatal) throw this.fatal;
    if (this.opts.signal?.aborted) throw new Error('run cancelled');
  }


  async run(): Promise<Report> {
    const t0 = performance.now();
    await ping(this.redis, this.opts.redisUrl);
    const workers = await waitForWorkers(this.redis, this.opts.redisUrl, this.opts.minWorkers, this.opts.workerWaitSeconds, () => this.check());
    try {
      const hz = (await this.redis.config('GET', 'hz')) as string[];
      this.redisHz = Number(hz[1]);
      if (this.redisHz < 50) this.opts.log?.(`Redis runs with hz ${this.redisHz}: delayed jobs may start up to ${Math.round(1000 / this.redisHz)} ms late; hz 100 (redis-server --hz 100) keeps the lag near 5 ms`);
    } catch {
      // CONFIG is often disabled on managed Redis; the measured lag still tells
    }
    const s = this.scenario;
    const conn = { connection: this.redis, prefix: BULL_PREFIX };
    this.flow = new Queue(flowQueue(this.id), conn);
    for (const st of s.stages) if (st.servers !== Infinity) this.queues.set(st.index, new Queue(stageQueue(this.id, st.name), conn));
    // a lost Redis is reported once, by the run; not as a stream of connection errors
    for (const q of [this.flow, ...this.queues.values()]) q.on('error', () => {});

    // events before the clock's start happen at once: drawing the first shipments ahead
    while (this.cal.peekTime() < this.simStart) {
      this.cal.pop();
      await this.handle(this.cal.kind, this.simStart);
    }

    this.clock = new SimClock(this.simStart, Date.now() + 500, this.opts.timeScale);
    this.router = new Router(this.redis, this.model, this.clock, this.keys, this.queues, this.flow);
    this.router.priority = this.priority;
    this.started = true;
    const meta: RunMeta = { id: this.id, scenario: s.source, replication: this.replication, timeScale: this.opts.timeScale, simStart: this.simStart, wallStart: this.clock.wallStart };
    await this.guard(this.writeControl());
    await this.redis.hset(this.keys.meta, { scenario: JSON.stringify(meta.scenario), replication: String(meta.replication), timeScale: String(meta.timeScale), simStart: String(meta.simStart), wallStart: String(meta.wallStart) });
    await this.redis.sadd(RUNS_KEY, this.id);
    await this.redis.publish(RUNS_CHANNEL, `start ${this.id}`);
    this.opts.log?.(`run ${this.id}: ${workers} worker process${workers === 1 ? '' : 'es'}, time scale ${this.opts.timeScale}`);

    const consumer = this.consume();
    try {
      let nextSample = 0;
      while (!(this.arrivalsDone && this.released === this.generated)) {
        this.check();
        const now = this.clock.now();
        while (this.cal.peekTime() <= now) {
          this.cal.pop();
          await this.guard(this.handle(this.cal.kind, this.cal.now));
        }
        await this.guard(this.flushSubmits());
        if (Date.now() >= nextSample) { await this.guard(this.sample(now)); nextSample = Date.now() + SAMPLE_MS; }
        this.opts.onProgress?.(Math.max(0, Math.min(0.99, now / this.horizon)));
        const wait = Math.min(50, Math.max(0, this.clock.wallAt(this.cal.peekTime()) - Date.now()));
        await sleep(wait);
      }
      await this.guard(this.sample(this.clock.now()));
      this.pipelineSeconds = (Date.now() - this.clock.wallStart) / 1000;
    } finally {
      this.stopping = true;
      await consumer.catch(() => {});
    }
    this.check();
    const wall = (performance.now() - t0) / 1000;
    return this.report(wall, workers);
  }

  private stopping = false;
  /** Wall seconds from the clock's start to the last release: the pipeline's own time. */
  private pipelineSeconds = 0;

  /** Reads released shipments from the run's stream into the collector, deleting what it read. */
  private async consume(): Promise<void> {
    const scratch = new Shipment(this.scenario.stages.length);
    while (!this.stopping && !this.fatal) {
      let res: [string, [string, string[]][]][] | null;
      try {
        res = (await this.reader.xread('COUNT', 1000, 'BLOCK', 200, 'STREAMS', this.keys.results, this.lastId)) as any;
      } catch (err) {
        this.fail(new RedisLostError(`lost the connection to Redis at ${redactUrl(this.opts.redisUrl)}: ${(err as Error).message}`));
        return;
      }
      if (!res) continue;
      const entries = res[0][1];
      for (const [, fields] of entries) {
        const { s, t } = JSON.parse(fields[1]) as { s: ShipmentState; t: number };
        this.record(fromState(this.model, s, scratch), t, s.lag);
      }
      this.lastId = entries[entries.length - 1][0];
      await this.reader.xdel(this.keys.results, ...entries.map((e) => e[0])).catch(() => {});
    }
  }

  private record(sh: Shipment, t: number, lag: number): void {
    const byte = sh.id >> 3, bit = 1 << (sh.id & 7);
    if (byte >= this.releasedIds.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.releasedIds.length * 2));
      grown.set(this.releasedIds);
      this.releasedIds = grown;
    }
    if (this.releasedIds[byte] & bit) { this.duplicates++; return; }
    this.releasedIds[byte] |= bit;
    const c = this.collector;
    const stages = sh.route.stages;
    for (let i = 0; i < stages.length; i++) {
      c.stageStart(sh, stages[i], sh.waits[stages[i]]);
      c.serviceEnd(sh, stages[i], sh.services[stages[i]]);
    }
    const clearance = Math.max(0, t - sh.arrival);
    c.release(sh, clearance, Math.max(0, sh.guaranteeHours), Math.max(0, sh.holdHours), this.model.guaranteeWaived(sh));
    this.opts.metrics?.released(sh, clearance, t);
    this.lag.record(Math.max(0, lag));
    this.released++;
  }

  /** Events handled before the clock starts: only drawing shipments, whose submission waits for the clock. */
  /**
   * One calendar event. Before the clock starts (`started` false) only shipments are drawn:
   * their submission waits for the start, and capacity and priority are written out with it.
   */
  private async handle(kind: number, at: number): Promise<void> {
    switch (kind) {
      case Ev.Generate: this.generate(at); break;
      case Ev.Submit:
        if (this.started) this.submit(this.cal.ref as Shipment, at);
        else this.cal.schedule(this.simStart, Ev.Submit, this.cal.ref);
        break;
      case Ev.Arrive: this.arrived++; this.opts.metrics?.arrived(this.cal.ref as Shipment); break;
      case Ev.Capacity:
        this.scheduleCapacity(this.cal.arg, at);
        this.opts.metrics?.disruption(this.activeDisruptions(at));
        if (this.started) await this.writeControl();
        break;
      case Ev.PriorityOn:
      case Ev.PriorityOff:
        this.priority = kind === Ev.PriorityOn;
        if (!this.started) break;
        this.router.priority = this.priority;
    this.started = true;
        await this.writeControl();
        await this.reprioritize(this.priority);
        break;
    }
  }

  private started = false;

  private generate(now: number): void {
    const sh = this.model.draw(new Shipment(this.scenario.stages.length), this.streams, this.nextId++, this.nextArrival);
    this.generated++;
    this.cal.schedule(Math.max(now, sh.lodgement), Ev.Submit, sh);
    this.cal.schedule(sh.arrival, Ev.Arrive, sh);
    const next = this.arrivals.after(this.nextArrival, this.streams.arrivals);
    this.nextArrival = next;
    if (next < this.horizon) this.cal.schedule(next - this.model.lookahead, Ev.Generate, null);
    else this.arrivalsDone = true;
  }

  private pendingSubmits: { sh: Shipment; at: number }[] = [];

  /** The declaration is lodged: the coordinator takes the shipment's first step itself (hop 0). */
  private submit(sh: Shipment, at: number): void {
    this.pendingSubmits.push({ sh, at });
  }

  /** Submits the lodgements due in this tick together. */
  private async flushSubmits(): Promise<void> {
    if (this.pendingSubmits.length === 0) return;
    const batch = this.pendingSubmits;
    this.pendingSubmits = [];
    await Promise.all(batch.map((b) => this.router.continue(b.sh, b.at, 0, 0)));
  }

  private activeDisruptions(t: number): number {
    return this.scenario.disruptions.filter((d) => t >= d.start && t < d.end).length;
  }

  private scheduleCapacity(stage: number, now: number): void {
    this.capacities[stage] = capacityAt(this.scenario, stage, now);
    const next = nextCapacityChange(this.scenario, stage, now);
    if (next < Infinity) this.cal.schedule(next, Ev.Capacity, null, stage);
  }

  private async writeControl(): Promise<void> {
    const fields: Record<string, string> = { priority: this.priority ? '1' : '0' };
    this.scenario.stages.forEach((st, i) => (fields[st.name] = String(this.capacities[i])));
    await this.redis.hset(this.keys.control, fields);
    await this.redis.publish(this.keys.channel, 'control');
  }

  /** Priority switched: waiting jobs take (or lose) their tier's priority, keeping their order within it. */
  private async reprioritize(on: boolean): Promise<void> {
    for (const q of this.queues.values()) {
      const jobs = on ? await q.getWaiting(0, -1) : await q.getPrioritized(0, -1);
      for (const j of jobs) await j.changePriority({ priority: on ? (j.data as { s: ShipmentState }).s.tier + 1 : 0 }).catch(() => {});
    }
  }

  private async sample(now: number): Promise<void> {
    for (const st of this.scenario.stages) {
      const q = this.queues.get(st.index);
      if (!q) continue;
      const c = await q.getJobCounts('wait', 'prioritized', 'active');
      const queued = (c.wait ?? 0) + (c.prioritized ?? 0);
      this.gauges[st.index].sample(now, queued, c.active ?? 0, this.capacities[st.index]);
      this.opts.metrics?.queue(st.index, queued);
    }
    this.opts.metrics?.clock(now);
  }

  private report(wallSeconds: number, workers: number): Report {
    const scale = this.opts.timeScale;
    const lagP95Wall = (this.lag.percentile(95) * 3600) / scale;
    const keepingUp = lagP95Wall <= LAG_WARN_SECONDS;
    return buildReport(this.scenario, this.collector, {
      runtime: 'bullmq', replication: this.replication, arrived: this.generated, released: this.released,
      events: this.released, wallSeconds, resources: this.gauges,
      extra: {
        bullmq: {
          run_id: this.id, time_scale: scale, worker_processes: workers, redis_hz: this.redisHz,
          duplicate_releases: this.duplicates, pipeline_seconds: this.pipelineSeconds,
          lag: {
            mean_wall_seconds: (this.lag.mean * 3600) / scale, p95_wall_seconds: lagP95Wall, max_wall_seconds: (this.lag.max * 3600) / scale,
            p95_sim_hours: this.lag.percentile(95), keeping_up: keepingUp,
          },
        },
      },
    });
  }

  /** Removes everything the run made in Redis: its queues, marks, stream and control keys. */
  get failedWith(): Error | null {
    return this.fatal;
  }

  async cleanup(): Promise<void> {
    if (this.fatal) {
      for (const q of [this.flow, ...this.queues.values()].filter(Boolean)) void q.close().catch(() => {});
      this.redis.disconnect();
      this.reader.disconnect();
      return;
    }
    try {
      await this.redis.srem(RUNS_KEY, this.id);
      await this.redis.publish(RUNS_CHANNEL, `end ${this.id}`);
      for (const q of [this.flow, ...this.queues.values()].filter(Boolean)) {
        await q.obliterate({ force: true }).catch(() => {});
        await q.close().catch(() => {});
      }
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keys.base}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await this.redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      await Promise.all([this.redis, this.reader].map((c) => c.quit().catch(() => c.disconnect())));
    }
  }
}
