import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { runBullmq } from '../../src/runtime/bullmq/index.js';
import { runReplication } from '../../src/runtime/run.js';
import { leftovers, shortScenario } from '../helpers/bullmq.js';
import { freePort, startRedis } from '../helpers/redis-global.js';

const redisUrl = inject('redisUrl');

function cli(args: string[], timeoutMs = 60000): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, ['bin/clearsim.js', ...args], { env: { ...process.env, CI: 'true' } });
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('BullMQ runtime under failure', () => {
  it('completes a run when a worker process is killed with SIGKILL mid-run, releasing every shipment exactly once', async () => {
    const s = shortScenario('chongqing-2023');
    let killed = false;
    const report = await runBullmq(s, {
      redisUrl,
      timeScale: 43200,
      workers: 2,
      onWorkers: (procs) => {
        setTimeout(() => {
          killed = procs[0].kill('SIGKILL');
        }, 5000);
      },
    });
    expect(killed).toBe(true);
    expect(report.shipments.arrived).toBe(runReplication(s).report.shipments.arrived);
    expect(report.shipments.released).toBe(report.shipments.arrived);
    expect(report.shipments.in_progress).toBe(0);
    expect(report.bullmq.duplicate_releases).toBe(0);
    expect(await leftovers(redisUrl, report.bullmq.run_id)).toEqual([]);
  });

  it('keeps two concurrent runs on one Redis apart', async () => {
    const a = shortScenario('chongqing-2023');
    const b = shortScenario('flood-disruption', 'seed=99', 'disruptions.0.start=12h');
    const [ra, rb] = await Promise.all([
      runBullmq(a, { redisUrl, timeScale: 43200, workers: 1 }),
      runBullmq(b, { redisUrl, timeScale: 43200, workers: 1 }),
    ]);
    expect(ra.bullmq.run_id).not.toBe(rb.bullmq.run_id);
    for (const [r, s] of [
      [ra, a],
      [rb, b],
    ] as const) {
      const e = runReplication(s).report;
      expect(r.scenario).toBe(s.name);
      expect(r.shipments.arrived).toBe(e.shipments.arrived);
      expect(r.shipments.released).toBe(r.shipments.arrived);
      expect(r.bullmq.duplicate_releases).toBe(0);
      for (const t of Object.keys(e.by_tier)) expect(r.by_tier[t].lanes).toEqual(e.by_tier[t].lanes);
    }
  });

  it('fails within seconds with exit 1 and a clear message when Redis is unreachable', async () => {
    const port = await freePort();
    const r = await cli(['run', 'scenarios/chongqing-2023.yaml', '--runtime', 'bullmq', '--redis', `redis://127.0.0.1:${port}`, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.ms).toBeLessThan(15000);
  });

  it('fails within seconds with exit 1 when Redis goes away mid-run', async () => {
    const own = await startRedis();
    try {
      const run = cli([
        'run',
        'scenarios/chongqing-2023.yaml',
        '--runtime',
        'bullmq',
        '--redis',
        own.url,
        '--days',
        '4',
        '--time-scale',
        '3600',
        '--workers',
        '1',
      ]);
      await new Promise((r) => setTimeout(r, 4000));
      const killedAt = Date.now();
      own.proc.kill('SIGKILL');
      const r = await run;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/lost the connection to Redis|cannot reach Redis/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(Date.now() - killedAt).toBeLessThan(20000);
    } finally {
      await own.stop();
    }
  });

  it('refuses to start a run with --workers 0 when no worker process serves the Redis', async () => {
    const redis = new Redis(redisUrl);
    // only hosts with a fresh heartbeat count: wait out any that earlier tests stopped or killed
    for (let i = 0; i < 60; i++) {
      const beats = Object.values(await redis.hgetall('clearsim:workers')).map(Number);
      if (beats.every((t) => Date.now() - t > 4000)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    redis.disconnect();
    await expect(
      runBullmq(shortScenario('chongqing-2023'), { redisUrl, timeScale: 43200, workers: 0, workerWaitSeconds: 2 }),
    ).rejects.toThrow(/no clearsim worker is serving Redis at .*start one with: clearsim worker --redis/);
  });

  it('stops a worker gracefully on SIGTERM, deregistering it', async () => {
    const w = spawn(process.execPath, ['bin/clearsim.js', 'worker', '--redis', redisUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    w.stderr.on('data', (d) => (err += d));
    const redis = new Redis(redisUrl);
    try {
      for (let i = 0; i < 100 && !err.includes('serving'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(Object.keys(await redis.hgetall('clearsim:workers')).some((id) => id.includes(`:${w.pid}:`))).toBe(true);
      const code = await new Promise<number | null>((resolve) => {
        w.once('exit', resolve);
        w.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(Object.keys(await redis.hgetall('clearsim:workers')).some((id) => id.includes(`:${w.pid}:`))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
