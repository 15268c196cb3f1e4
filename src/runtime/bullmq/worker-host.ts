import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { SimMetrics } from '../../metrics/sim-metrics.js';
import { loadScenarioObject } from '../../scenario/load.js';
import { connect, ping } from './connection.js';
import { HEARTBEAT_MS, RUNS_CHANNEL, RUNS_KEY, WORKERS_KEY, WORKER_TTL_MS, runKeys } from './names.js';
import { removeRun } from './run-cleanup.js';
import type { Worker } from 'bullmq';
import { serveReplications } from './replication-jobs.js';
import { ReplicationThreads } from '../replication-threads.js';
import { RunServer, type RunMeta } from './run-server.js';

export async function readRunMeta(redis: Redis, id: string): Promise<RunMeta | null> {
  const m = await redis.hgetall(runKeys(id).meta);
  if (!m.scenario) return null;
  return {
    id,
    scenario: JSON.parse(m.scenario),
    replication: Number(m.replication),
    timeScale: Number(m.timeScale),
    simStart: Number(m.simStart),
    wallStart: Number(m.wallStart),
  };
}

/**
 * A `clearsim worker` process: serves every run on its Redis. Hosts announce themselves with a
 * heartbeat; each takes an equal share of every stage's servers (the first hosts in id order
 * take the remainder), so servers stay split correctly as hosts come and go.
 */
export class WorkerHost {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly conn: Redis;
  /**
   * The steps' scripts (job completions with their writes), on a connection of their own. Not
   * auto-pipelined: deferring each write to the end of the tick made the flood 30% slower.
   */
  private readonly steps: Redis;
  private readonly servers = new Map<string, RunServer>();
  private readonly attaching = new Map<string, Promise<void>>();
  private live: string[] = [];
  private replications: Worker | undefined;
  private threads: ReplicationThreads | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly url: string,
    private readonly log: (msg: string) => void = () => {},
    /** This process's metrics registry (served by `clearsim worker --metrics-port`). */
    private readonly metrics?: SimMetrics,
    /** Replications at a time, each on a thread of its own; 1: one at a time on this thread. */
    private readonly jobs = 1,
  ) {
    this.redis = connect(url, { failFast: false, name: 'clearsim-worker' });
    this.sub = connect(url, { failFast: false, name: 'clearsim-worker-sub' });
    this.conn = connect(url, { failFast: false, name: 'clearsim-worker-bull' });
    this.steps = connect(url, { failFast: false, name: 'clearsim-worker-steps' });
  }

  get runs(): string[] {
    return [...this.servers.keys()];
  }

  async start(): Promise<void> {
    await ping(this.redis, this.url);
    await this.heartbeat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.sub.on('message', (channel: string, msg: string) => void this.onMessage(channel, msg));
    this.sub.on('pmessage', (_p: string, channel: string) => void this.onControl(channel));
    await this.sub.subscribe(RUNS_CHANNEL);
    await this.sub.psubscribe('clearsim:run:*:control');
    for (const id of await this.redis.smembers(RUNS_KEY)) await this.attach(id);
    if (this.jobs > 1) this.threads = new ReplicationThreads(this.jobs);
    this.replications = serveReplications(this.conn, this.threads);
    this.log(`worker ${this.id} serving ${this.url}${this.threads ? ` (replications: ${this.threads.size} at a time, on threads)` : ''}`);
  }

  /** This host's share of `servers`: equal split over live hosts, remainder to the first. */
  shareOf(servers: number): number {
    const hosts = this.live.includes(this.id) ? this.live : [...this.live, this.id].sort();
    const n = hosts.length;
    const i = hosts.indexOf(this.id);
    return Math.floor(servers / n) + (i < servers % n ? 1 : 0);
  }

  private beating = false;
  private beatError = '';

  /** One heartbeat at a time; a failing one is said once (Redis down), and so is the recovery. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.heartbeat();
      if (this.beatError) this.log('heartbeat: Redis answers again');
      this.beatError = '';
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.beatError) this.log(`heartbeat failed: ${msg}`);
      this.beatError = msg;
    } finally {
      this.beating = false;
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    await this.redis.hset(WORKERS_KEY, this.id, String(now));
    const all = await this.redis.hgetall(WORKERS_KEY);
    const live: string[] = [];
    const dead: string[] = [];
    for (const [id, ts] of Object.entries(all)) (now - Number(ts) <= WORKER_TTL_MS ? live : dead).push(id);
    if (dead.length) await this.redis.hdel(WORKERS_KEY, ...dead);
    live.sort();
    if (live.join() !== this.live.join()) {
      this.live = live;
      for (const s of this.servers.values()) s.applyShares();
    }
    await this.checkLeases();
  }

  /**
   * Runs whose coordinator died without cleaning up (killed: its lease expired): stop serving
   * them, and remove their keys (one host does, the one that takes the run's reaper mark).
   */
  private async checkLeases(): Promise<void> {
    const ids = await this.redis.smembers(RUNS_KEY);
    if (ids.length === 0) return;
    const alive = await Promise.all(ids.map((id) => this.redis.exists(runKeys(id).lease)));
    for (let i = 0; i < ids.length; i++) {
      if (alive[i]) continue;
      const id = ids[i];
      await this.detach(id);
      if ((await this.redis.set(runKeys(id).reaper, this.id, 'PX', 30_000, 'NX')) !== 'OK') continue;
      const meta = await readRunMeta(this.redis, id);
      const stages = meta
        ? Object.entries((meta.scenario.stages ?? {}) as Record<string, { servers?: unknown }>)
            .filter(([, st]) => st.servers !== 'unlimited')
            .map(([name]) => name)
        : [];
      // the other hosts let go at their next lease check (every heartbeat): wait that out first
      await removeRun(this.redis, id, stages, 2 * HEARTBEAT_MS);
      this.log(`run ${id}: its coordinator is gone (lease expired); removed it from Redis`);
    }
  }

  private async onMessage(channel: string, msg: string): Promise<void> {
    if (channel !== RUNS_CHANNEL) return;
    const [verb, id] = msg.split(' ');
    if (verb === 'start') await this.attach(id).catch((err) => this.log(`cannot serve run ${id}: ${(err as Error).message}`));
    else if (verb === 'end') await this.detach(id);
  }

  private async onControl(channel: string): Promise<void> {
    const id = channel.split(':')[2];
    await this.attaching.get(id);
    // a control read that fails (Redis lost) is followed by the next control message or heartbeat
    await this.servers
      .get(id)
      ?.readControl()
      .catch(() => {});
  }

  private attach(id: string): Promise<void> {
    if (this.stopping || this.servers.has(id)) return Promise.resolve();
    const pending = this.attaching.get(id);
    if (pending) return pending;
    const p = (async () => {
      // no lease: its coordinator is gone; the next lease check removes it
      if (!(await this.redis.exists(runKeys(id).lease))) return;
      const meta = await readRunMeta(this.redis, id);
      if (!meta) return;
      const scenarioMetrics = this.metrics?.bind(loadScenarioObject(meta.scenario, `run ${id}`), 'worker');
      const server = new RunServer(this.redis, this.conn, this.steps, meta, (c) => this.shareOf(c), scenarioMetrics);
      this.servers.set(id, server);
      await server.start();
      this.log(`serving run ${id} (${server.scenario.name})`);
    })().finally(() => this.attaching.delete(id));
    this.attaching.set(id, p);
    return p;
  }

  private async detach(id: string): Promise<void> {
    await this.attaching.get(id);
    const s = this.servers.get(id);
    if (!s) return;
    this.servers.delete(id);
    await s.close(2000);
  }

  /**
   * Graceful stop: no new jobs; active ones finish within the timeout or are handed back by stall
   * recovery. Bounded even when Redis is gone (every call on it would wait for a reconnection).
   */
  async stop(timeoutMs = 10000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, sleep(ms)]);
    // stopping: a failure here changes nothing; the others drop this host when its heartbeat stops
    await within(
      this.redis.hdel(WORKERS_KEY, this.id).catch(() => {}),
      1000,
    );
    await within(Promise.all([...this.servers.values()].map((s) => s.close(timeoutMs))), timeoutMs + 1000);
    // a replication in progress is handed back (stall recovery) rather than waited for
    await within(this.replications?.close(true).catch(() => {}) ?? Promise.resolve(), 2000);
    await within(this.threads?.close() ?? Promise.resolve(), 2000);
    this.servers.clear();
    await within(Promise.all([this.sub, this.redis, this.conn, this.steps].map((c) => c.quit().catch(() => {}))), 1000);
    for (const c of [this.sub, this.redis, this.conn, this.steps]) c.disconnect();
  }
}
