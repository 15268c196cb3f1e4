import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Calendar } from '../../engine/calendar.js';
import { NoWorkersError, RedisLostError, RunCancelled, RunStalled } from '../../errors.js';
import { ClearanceProcess, Wake, type Timeline } from '../../model/clearance-process.js';
import type { RunObserver } from '../../model/run-observer.js';
import { Shipment } from '../../model/shipment.js';
import type { Scenario } from '../../scenario/types.js';
import { Collector } from '../../stats/collector.js';
import { buildReport, type Report } from '../../stats/report.js';
import { StageIntegrator } from '../../stats/stage-integrator.js';
import { Summary } from '../../stats/summary.js';
import { connect, ping, redactUrl } from './connection.js';
import { JobDriver } from './job-driver.js';
import { BULL_PREFIX, LEASE_MS, LEASE_RENEW_MS, RUNS_CHANNEL, RUNS_KEY, WORKER_TTL_MS, flowQueue, runKeys, stageQueue } from './names.js';
import { removeRun } from './run-cleanup.js';
import type { RunMeta } from './run-server.js';
import { ShipmentCodec } from './shipment-codec.js';
import { ShipmentJobs, type ReleaseRecord, type StepJob } from './shipment-jobs.js';
import { SimClock } from './sim-clock.js';
import { runStep, type StepEffect } from './step-script.js';
import { liveWorkers, waitForWorkers } from './worker-registry.js';

/** How far before time 0 the simulated clock starts: earlier lodgements are lodged at the start. */
const CLOCK_LEAD_HOURS = 24;
const SAMPLE_MS = 200;
/** How long the workers get to let go of a run that did not drain before its queues are removed. */
const SETTLE_MS = 750;
/** Lag (wall) above which the report says the workers cannot keep up with the time scale. */
const LAG_WARN_SECONDS = 0.5;
/**
 * A tick's writes (lodgements, mostly) go in script calls of this many: one round trip each, all
 * sent at once; small enough that one call holds Redis for a few milliseconds at most.
 */
const WRITES_PER_CALL = 100;

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
  /** What hears the coordinator's part of the run: arrivals, releases, queue lengths, the clock (metrics, a trace). */
  observer?: RunObserver;
  /** Awaited once per tick: lets a streaming sink (a trace file) drain. */
  flush?: () => Promise<void>;
  /** Sample every stage's queue and servers over simulated time into report.timeline. */
  timeline?: boolean;
}

/**
 * Coordinates one replication on BullMQ: the clearance process's run side, on a driver whose
 * calendar is local and whose stage queues are in Redis. It draws shipments exactly as the
 * embedded runtime does (same process, same streams), lodges each one (its first step becomes
 * a job), sets each stage's servers as opening hours and disruptions change them, and records the
 * releases the workers store in the run's result stream through the same release path and
 * report. Only the waiting happens in Redis, at wall clock x time scale.
 */
export class BullmqCoordinator extends JobDriver {
  readonly id: string;
  private readonly collector: Collector;
  private readonly totals: StageIntegrator[];
  private readonly cal = new Calendar<Shipment>(1024);
  private readonly codec: ShipmentCodec;
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly redis: Redis;
  private readonly reader: Redis;
  /**
   * The lease's own connection: renewals must not wait behind a tick's writes on `redis` (a
   * flood's first ticks queue seconds of them), or the workers take the run for abandoned.
   */
  private readonly leaser: Redis;
  private readonly queues = new Map<number, Queue>();
  private flow!: Queue;
  private readonly lags = new Summary();
  private clock!: SimClock;
  private readonly horizon: number;
  private readonly simStart: number;
  private fatal: Error | null = null;
  /** One bit per shipment id: a second release of the same shipment is counted, never hidden. */
  private releasedIds = new Uint8Array(1024);
  /** The same for complete declarations after a two-step release (negative ids). */
  private readonly completedIds = new Set<number>();
  duplicates = 0;
  /** Redis' event-loop frequency bounds how late a delayed job can start (1000/hz ms). */
  private redisHz: number | null = null;
  private lastId = '0-0';
  private readonly capacities: number[];
  /** Queue lengths last read from Redis, and busy servers (jobs active), for the timeline. */
  private readonly queued: number[];
  private readonly active: number[];
  private priority = false;
  private started = false;
  private controlChanged = false;
  private priorityChanged = false;
  private stopping = false;
  /** Simulated hour of the latest release recorded. */
  private lastRelease = -Infinity;
  /**
   * Times of the latest run-level events popped (nondecreasing). The embedded engine stops at the
   * last release; this coordinator pops events up to the wall clock, so it may take a few beyond
   * it before it learns of that release. Those are not part of the run and are not counted.
   */
  private readonly recentRunEvents = new Float64Array(4096);
  private runEventsPopped = 0;
  /** Wall seconds from the clock's start to the last release: the pipeline's own time. */
  private pipelineSeconds = 0;
  /** Rejects when the run must stop (Redis lost): every wait on Redis races it, so nothing hangs. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (err: Error) => void;

  constructor(
    readonly scenario: Scenario,
    readonly replication: number,
    private readonly opts: BullmqOptions,
  ) {
    const s = scenario;
    const collector = new Collector(s);
    const horizon = s.horizonDays * 24;
    const from = s.warmupDays * 24;
    const totals = s.stages.map(() => new StageIntegrator(from, horizon, -Infinity));
    super(new ClearanceProcess(s, replication, { accounting: collector, visitsAtRelease: totals, observer: opts.observer ?? null }));
    this.collector = collector;
    this.totals = totals;
    this.horizon = horizon;
    this.id = `${s.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.keys = runKeys(this.id);
    this.simStart = Math.max(this.process.start, -CLOCK_LEAD_HOURS);
    this.cal.now = this.process.start;
    this.capacities = s.stages.map((st) => this.process.capacityAt(st.index, this.process.start));
    this.queued = s.stages.map(() => 0);
    this.active = s.stages.map(() => 0);
    this.redis = connect(opts.redisUrl, { failFast: true, name: `clearsim-run-${this.id}` });
    this.reader = connect(opts.redisUrl, { failFast: true, name: `clearsim-run-${this.id}-results` });
    this.leaser = connect(opts.redisUrl, { failFast: true, name: `clearsim-run-${this.id}-lease` });
    for (const c of [this.redis, this.reader, this.leaser])
      c.on('end', () => this.fail(new RedisLostError(`lost the connection to Redis at ${redactUrl(opts.redisUrl)}`)));
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // nobody may be racing it when it rejects; the rejection is read through `check` and `guard`
    this.failed.catch(() => {});
    this.codec = new ShipmentCodec(this.process.model);
    this.process.begin(this);
    if (opts.timeline) this.process.recordTimeline();
  }

  get failedWith(): Error | null {
    return this.fatal;
  }

  // ClearanceDriver, run side (the shipment side is JobDriver's)

  override schedule(t: number, wake: Wake, sh: Shipment | null, arg: number): void {
    if (wake === Wake.Resume) {
      super.schedule(t, wake, sh, arg);
      return;
    }
    // the clock starts at simStart: a lodgement due before it is lodged at the start
    this.cal.schedule(wake === Wake.Lodge && t < this.simStart ? this.simStart : t, wake, sh, arg);
  }

  override setServers(stage: number, servers: number): void {
    this.totals[stage].advance(this.now, 0, 0, this.capacities[stage]);
    this.capacities[stage] = servers;
    this.controlChanged = true;
  }

  override setPriority(on: boolean): void {
    this.priority = on;
    if (this.jobs) this.jobs.priority = on;
    this.controlChanged = true;
    this.priorityChanged = true;
  }

  /** The shipment is still here, not in a job: the process's own Arrive wake takes it on. */
  override awaitGoods(): void {}

  levels(stage: number): { queued: number; busy: number; capacity: number } {
    return { queued: this.queued[stage], busy: this.active[stage], capacity: this.capacities[stage] };
  }

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
    if (this.opts.signal?.aborted) throw new RunCancelled();
  }

  /** Takes the calendar's events up to simulated time t, then writes what they asked for. */
  private async advanceTo(t: number): Promise<void> {
    while (this.cal.peekTime() <= t) {
      this.cal.pop();
      this.now = this.cal.now;
      this.hop = 0;
      this.lag = 0;
      if (this.cal.kind !== Wake.Lodge) this.recentRunEvents[this.runEventsPopped++ % this.recentRunEvents.length] = this.cal.now;
      this.process.wake(this.cal.kind, this.cal.ref, this.cal.arg);
    }
    if (!this.started) return;
    const writes = this.send(this.take());
    if (this.controlChanged) {
      this.controlChanged = false;
      writes.push(this.writeControl());
    }
    await this.guard(Promise.all(writes));
    if (this.priorityChanged) {
      this.priorityChanged = false;
      await this.guard(this.reprioritize(this.priority));
    }
  }

  /** Sends a tick's writes, WRITES_PER_CALL to a script call. */
  private send(effects: StepEffect[]): Promise<unknown>[] {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < effects.length; i += WRITES_PER_CALL)
      calls.push(runStep(this.redis, effects.length <= WRITES_PER_CALL ? effects : effects.slice(i, i + WRITES_PER_CALL)));
    return calls;
  }

  async run(): Promise<Report> {
    const t0 = performance.now();
    await ping(this.redis, this.opts.redisUrl);
    const workers = await waitForWorkers(this.redis, this.opts.redisUrl, this.opts.minWorkers, this.opts.workerWaitSeconds, () =>
      this.check(),
    );
    try {
      const hz = (await this.redis.config('GET', 'hz')) as string[];
      this.redisHz = Number(hz[1]);
      if (this.redisHz < 50)
        this.opts.log?.(
          `Redis runs with hz ${this.redisHz}: delayed jobs may start up to ${Math.round(1000 / this.redisHz)} ms late; hz 100 (redis-server --hz 100) keeps the lag near 5 ms`,
        );
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
    await this.advanceTo(this.simStart - 1e-9);
    this.now = this.simStart;

    this.clock = new SimClock(this.simStart, Date.now() + 500, this.opts.timeScale);
    this.writeTo(new ShipmentJobs(this.clock, this.keys, this.queues, this.flow, this.codec));
    this.jobs.priority = this.priority;
    this.started = true;
    const meta: RunMeta = {
      id: this.id,
      scenario: s.source,
      replication: this.replication,
      timeScale: this.opts.timeScale,
      simStart: this.simStart,
      wallStart: this.clock.wallStart,
    };
    await this.guard(this.writeControl());
    // the lease first: a worker that finds the run without one takes it for abandoned
    await this.guard(this.leaser.set(this.keys.lease, String(process.pid), 'PX', LEASE_MS));
    await this.redis.hset(this.keys.meta, {
      scenario: JSON.stringify(meta.scenario),
      replication: String(meta.replication),
      timeScale: String(meta.timeScale),
      simStart: String(meta.simStart),
      wallStart: String(meta.wallStart),
    });
    await this.redis.sadd(RUNS_KEY, this.id);
    await this.redis.publish(RUNS_CHANNEL, `start ${this.id}`);
    this.opts.log?.(`run ${this.id}: ${workers} worker process${workers === 1 ? '' : 'es'}, time scale ${this.opts.timeScale}`);

    const consumer = this.consume();
    // renewed on a timer of its own, so that a long step of the loop never lets it lapse
    const lease = setInterval(() => {
      this.leaser
        .set(this.keys.lease, String(process.pid), 'PX', LEASE_MS)
        .catch((err: Error) =>
          this.fail(new RedisLostError(`cannot renew the run's lease on Redis at ${redactUrl(this.opts.redisUrl)}: ${err.message}`)),
        );
    }, LEASE_RENEW_MS);
    try {
      let nextSample = 0;
      let nextWorkerCheck = Date.now() + LEASE_RENEW_MS;
      let workersSeen = Date.now();
      while (!this.process.done) {
        this.check();
        const now = this.clock.now();
        await this.advanceTo(now);
        if (Date.now() >= nextWorkerCheck) {
          nextWorkerCheck = Date.now() + LEASE_RENEW_MS;
          // the workers remove a run whose lease lapsed: then nothing more of it can be released
          if (!(await this.guard(this.leaser.sismember(RUNS_KEY, this.id))))
            throw new RunStalled(
              `run ${this.id} was removed from Redis at ${redactUrl(this.opts.redisUrl)} by its workers: its lease lapsed (not renewed for ${LEASE_MS / 1000} s), with ${this.process.inSystem} shipments in progress`,
            );
          if ((await this.guard(liveWorkers(this.redis))) > 0) workersSeen = Date.now();
          else if (Date.now() - workersSeen > WORKER_TTL_MS) {
            throw new NoWorkersError(
              `every clearsim worker serving Redis at ${redactUrl(this.opts.redisUrl)} has stopped (none has sent a heartbeat for ${Math.round((Date.now() - workersSeen + WORKER_TTL_MS) / 1000)} s) with ${this.process.inSystem} shipments of run ${this.id} in progress; start workers with: clearsim worker --redis ${redactUrl(this.opts.redisUrl)}`,
            );
          }
        }
        if (Date.now() >= nextSample) {
          await this.guard(this.sample(now));
          nextSample = Date.now() + SAMPLE_MS;
        }
        if (this.opts.flush) await this.opts.flush();
        this.opts.onProgress?.(Math.max(0, Math.min(0.99, now / this.horizon)));
        const wait = Math.min(50, Math.max(0, this.clock.wallAt(this.cal.peekTime()) - Date.now()));
        await sleep(wait);
      }
      // the events up to the last release that the last tick had not reached yet
      await this.advanceTo(this.lastRelease);
      const end = this.clock.now();
      await this.guard(this.sample(end));
      this.pipelineSeconds = (Date.now() - this.clock.wallStart) / 1000;
      for (let i = 0; i < this.totals.length; i++) this.totals[i].advance(Math.max(end, this.horizon), 0, 0, this.capacities[i]);
    } finally {
      clearInterval(lease);
      this.stopping = true;
      // the consumer ends on `stopping`; a failure it met is already in `fatal`
      await consumer.catch(() => {});
    }
    this.check();
    const wall = (performance.now() - t0) / 1000;
    return this.report(wall, workers);
  }

  /** Reads released shipments from the run's stream and records them, deleting what it read. */
  private async consume(): Promise<void> {
    const scratch = new Shipment(this.scenario.stages.length);
    while (!this.stopping && !this.fatal) {
      let res: [string, [string, string[]][]][] | null;
      try {
        res = (await this.reader.xread('COUNT', 1000, 'BLOCK', 200, 'STREAMS', this.keys.results, this.lastId)) as typeof res;
      } catch (err) {
        this.fail(new RedisLostError(`lost the connection to Redis at ${redactUrl(this.opts.redisUrl)}: ${(err as Error).message}`));
        return;
      }
      if (!res) continue;
      const entries = res[0][1];
      for (const [, fields] of entries) {
        const rec = JSON.parse(fields[1]) as ReleaseRecord;
        this.record(this.codec.decode(rec.s, scratch), rec);
      }
      this.lastId = entries[entries.length - 1][0];
      try {
        // ids only grow: everything read is below the id after the last one read
        const [ms, seq] = this.lastId.split('-');
        await this.reader.xtrim(this.keys.results, 'MINID', `${ms}-${Number(seq) + 1}`);
      } catch (err) {
        this.fail(new RedisLostError(`lost the connection to Redis at ${redactUrl(this.opts.redisUrl)}: ${(err as Error).message}`));
        return;
      }
    }
  }

  private record(sh: Shipment, rec: StepJob & { t: number }): void {
    if (sh.id < 0) {
      // a two-step shipment's complete declaration (its id negated): done once, like a release
      if (this.completedIds.has(sh.id)) {
        this.duplicates++;
        return;
      }
      this.completedIds.add(sh.id);
      this.process.recordRelease(sh, rec.t);
      return;
    }
    const byte = sh.id >> 3,
      bit = 1 << (sh.id & 7);
    if (byte >= this.releasedIds.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.releasedIds.length * 2));
      grown.set(this.releasedIds);
      this.releasedIds = grown;
    }
    if (this.releasedIds[byte] & bit) {
      this.duplicates++;
      return;
    }
    this.releasedIds[byte] |= bit;
    this.process.recordRelease(sh, rec.t);
    if (rec.t > this.lastRelease) this.lastRelease = rec.t;
    this.lags.record(Math.max(0, rec.lag));
  }

  private async writeControl(): Promise<void> {
    const fields: Record<string, string> = { priority: this.priority ? '1' : '0' };
    this.scenario.stages.forEach((st, i) => {
      fields[st.name] = String(this.capacities[i]);
    });
    await this.redis.hset(this.keys.control, fields);
    await this.redis.publish(this.keys.channel, 'control');
  }

  /** Priority switched: waiting jobs take (or lose) their tier's priority, keeping their order within it. */
  private async reprioritize(on: boolean): Promise<void> {
    const scratch = new Shipment(this.scenario.stages.length);
    for (const q of this.queues.values()) {
      const jobs = on ? await q.getWaiting(0, -1) : await q.getPrioritized(0, -1);
      for (const j of jobs) {
        // a job taken by a worker meanwhile cannot change priority, and needs not
        await j.changePriority({ priority: on ? this.codec.decode((j.data as StepJob).s, scratch).tier + 1 : 0 }).catch(() => {});
      }
    }
  }

  /** Reads every stage's queue length and busy servers from Redis (metrics, maximum queue, timeline). */
  private async sample(now: number): Promise<void> {
    const obs = this.process.observer;
    for (const st of this.scenario.stages) {
      const q = this.queues.get(st.index);
      if (!q) continue;
      const c = await q.getJobCounts('wait', 'prioritized', 'active');
      const queued = (c.wait ?? 0) + (c.prioritized ?? 0);
      this.queued[st.index] = queued;
      this.active[st.index] = c.active ?? 0;
      this.totals[st.index].noteQueue(now, queued);
      // busy servers and capacity are the workers' to publish: they know their share
      obs?.stageChanged?.(st.index, queued, NaN, NaN);
    }
    obs?.clock?.(now);
  }

  private report(wallSeconds: number, workers: number): Report {
    const scale = this.opts.timeScale;
    const lagP95Wall = (this.lags.percentile(95) * 3600) / scale;
    const keepingUp = lagP95Wall <= LAG_WARN_SECONDS;
    const p = this.process;
    const rep = buildReport(this.scenario, this.collector, {
      runtime: 'bullmq',
      replication: this.replication,
      arrived: p.arrived,
      released: p.released,
      events: p.events - this.eventsAfterLastRelease(),
      wallSeconds,
      stages: this.totals,
      extra: {
        bullmq: {
          run_id: this.id,
          time_scale: scale,
          worker_processes: workers,
          redis_hz: this.redisHz,
          duplicate_releases: this.duplicates,
          pipeline_seconds: this.pipelineSeconds,
          last_release_hours: this.lastRelease,
          lag: {
            mean_wall_seconds: (this.lags.mean * 3600) / scale,
            p95_wall_seconds: lagP95Wall,
            max_wall_seconds: (this.lags.max * 3600) / scale,
            p95_sim_hours: this.lags.percentile(95),
            keeping_up: keepingUp,
          },
        },
      },
    });
    if (p.timeline) rep.timeline = p.timeline as Timeline;
    return rep;
  }

  private eventsAfterLastRelease(): number {
    const ring = this.recentRunEvents,
      n = Math.min(this.runEventsPopped, ring.length);
    let after = 0;
    for (let k = 1; k <= n && ring[(this.runEventsPopped - k) % ring.length] > this.lastRelease; k++) after++;
    return after;
  }

  /** Removes everything the run made in Redis: its queues, marks, stream, lease and control keys. */
  async cleanup(): Promise<void> {
    const queues = [this.flow, ...this.queues.values()].filter(Boolean);
    if (this.fatal instanceof RedisLostError) {
      // Redis is gone: closing can only fail, and nothing can be removed from here; the workers
      // remove the run once its lease expires, if Redis comes back
      for (const q of queues) void q.close().catch(() => {});
      this.redis.disconnect();
      this.reader.disconnect();
      this.leaser.disconnect();
      return;
    }
    try {
      for (const q of queues) await q.close();
      await removeRun(
        this.redis,
        this.id,
        this.scenario.stages.filter((st) => st.servers !== Infinity).map((st) => st.name),
        // drained, nothing is in flight; cancelled or failed, the workers first let go of it
        this.process.done ? 0 : SETTLE_MS,
      );
    } catch (err) {
      // the report is made (or the run failed for its own reason); say what is left behind
      this.opts.log?.(`could not remove run ${this.id} from Redis (its workers will once its lease expires): ${(err as Error).message}`);
    } finally {
      // quit fails on a connection already closing; disconnect then ends it regardless
      await Promise.all([this.redis, this.reader, this.leaser].map((c) => c.quit().catch(() => c.disconnect())));
    }
  }
}
