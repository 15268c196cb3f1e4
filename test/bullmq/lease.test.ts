import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startRedis } from '../helpers/redis-global.js';

/**
 * A run's coordinator holds a lease in Redis; when it dies without cleaning up, the workers
 * notice, stop serving the run and remove its keys. Processes are started as `node` directly and
 * stopped by their PID.
 */
const redisUrl = inject('redisUrl');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: ChildProcess[] = [];

function node(args: string[], url = redisUrl): ChildProcess & { err: () => string } {
  const p = spawn(process.execPath, ['bin/clearsim.js', ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, REDIS_URL: url },
  });
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  started.push(p);
  return Object.assign(p, { err: () => err });
}

const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    p.exitCode !== null || p.signalCode !== null ? resolve(p.exitCode) : p.once('exit', (c) => resolve(c)),
  );
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The run id a coordinator announces once its clock has started (`run <id>: N worker processes`). */
const runIdOf = (coord: { err: () => string }) =>
  until('the run to start', async () => /run (\S+): \d+ worker process/.exec(coord.err())?.[1], 30000);

const RUN = ['run', 'scenarios/chongqing-2023.yaml', '--runtime', 'bullmq', '--days', '4', '--time-scale', '7200', '--json'];

afterEach(async () => {
  for (const p of started.splice(0))
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await exited(p);
    }
});

describe('BullMQ runs are leased', () => {
  it('a SIGKILLed coordinator: within the lease the workers drop its run and Redis holds none of its keys', async () => {
    const redis = new Redis(redisUrl);
    try {
      const worker = node(['worker', '--redis', redisUrl]);
      await until('the worker to start', async () => worker.err().includes('serving'), 15000);
      const coord = node([...RUN, '--workers', '0', '--redis', redisUrl]);
      const id = await runIdOf(coord);
      await until(`worker serving ${id}`, async () => worker.err().includes(`serving run ${id}`), 10000);
      expect((await redis.keys(`*${id}*`)).length).toBeGreaterThan(0);
      const killedAt = Date.now();
      coord.kill('SIGKILL');
      await until(
        `the keys of ${id} to go`,
        async () => (await redis.keys(`*${id}*`)).length === 0 && (await redis.sismember('clearsim:runs', id)) === 0,
        20000,
      );
      // lease 6 s, checked every heartbeat (1 s)
      expect(Date.now() - killedAt).toBeLessThan(12000);
      expect(worker.err()).toContain(`run ${id}: its coordinator is gone (lease expired); removed it from Redis`);
      expect(worker.exitCode).toBeNull(); // and the worker serves on
    } finally {
      redis.disconnect();
    }
  });

  it('a SIGKILLed coordinator takes the workers it started with it', async () => {
    const redis = new Redis(redisUrl);
    try {
      const coord = node([...RUN, '--workers', '1', '--redis', redisUrl]);
      // the worker it spawned registers as host:pid:uuid
      const pid = await until(
        'its worker',
        async () => {
          const ids = Object.keys(await redis.hgetall('clearsim:workers'));
          const mine = ids.map((h) => Number(h.split(':').at(-2))).find((p) => p && alive(p) && p !== coord.pid);
          return mine;
        },
        20000,
      );
      await runIdOf(coord);
      coord.kill('SIGKILL');
      await until(`worker ${pid} to exit`, async () => !alive(pid), 10000);
    } finally {
      redis.disconnect();
    }
  });

  it('SIGINT to a coordinator cancels the run and removes it from Redis before it exits', async () => {
    const redis = new Redis(redisUrl);
    try {
      const coord = node([...RUN, '--workers', '1', '--redis', redisUrl]);
      const id = await runIdOf(coord);
      await sleep(1000);
      coord.kill('SIGINT');
      const code = await exited(coord);
      expect(code).toBe(1);
      expect(coord.err()).toContain('cancelling the run');
      expect(coord.err()).not.toMatch(/\n\s+at /);
      expect(await redis.keys(`*${id}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('fails within seconds, naming the cause, when every worker dies mid-run', async () => {
    const worker = node(['worker', '--redis', redisUrl]);
    await until('the worker to start', async () => worker.err().includes('serving'), 15000);
    const coord = node([...RUN, '--workers', '0', '--redis', redisUrl]);
    await until('the run to be served', async () => worker.err().includes('serving run'), 20000);
    const killedAt = Date.now();
    worker.kill('SIGKILL');
    const code = await exited(coord);
    expect(code).toBe(1);
    expect(coord.err()).toContain('every clearsim worker serving Redis');
    // a host counts as gone 4 s after its last heartbeat; then the next check (1.5 s) fails the run
    expect(Date.now() - killedAt).toBeLessThan(15000);
  });

  it('a worker whose Redis is gone still stops on SIGTERM, within its timeout', async () => {
    const own = await startRedis();
    try {
      const worker = node(['worker', '--redis', own.url], own.url);
      await until('the worker to start', async () => worker.err().includes('serving'), 15000);
      own.proc.kill('SIGKILL');
      await sleep(1500);
      const t0 = Date.now();
      worker.kill('SIGTERM');
      await exited(worker);
      expect(Date.now() - t0).toBeLessThan(20000);
    } finally {
      await own.stop();
    }
  });
});
