import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { REPLICATIONS_QUEUE } from '../../src/runtime/bullmq/replication-jobs.js';
import { BULL_PREFIX } from '../../src/runtime/bullmq/names.js';
import { compare } from '../../src/experiments/compare.js';
import { sweep, parseParam } from '../../src/experiments/sweep.js';
import { loadScenarioFile, parseOverride } from '../../src/scenario/load.js';
import { clearsim } from '../helpers/cli.js';

const redisUrl = inject('redisUrl');
const noWall = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'wall_seconds' ? undefined : v));

describe('distributed replications on BullMQ workers', () => {
  it('gives a comparison identical to a local one with the same seeds (2 worker processes)', async () => {
    const a = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=7')]);
    const b = loadScenarioFile('scenarios/aeo-expansion.yaml', [parseOverride('horizon.days=7')]);
    const local = await compare(a, b, 4);
    const remote = await compare(a, b, 4, undefined, { redisUrl, workers: 2 });
    expect(noWall(remote.groups)).toBe(noWall(local.groups));
    expect(noWall(remote.reports)).toBe(noWall(local.reports));
    expect(remote.lines).toEqual(local.lines);
  });

  it('runs a sweep across the workers with the same results as here', async () => {
    const params = [parseParam('stages.inspection.servers=14,24')];
    const base = [parseOverride('horizon.days=12')];
    const local = await sweep('scenarios/flood-disruption.yaml', params, 2, base);
    const remote = await sweep('scenarios/flood-disruption.yaml', params, 2, base, undefined, { redisUrl, workers: 2 });
    expect(noWall(remote.points)).toBe(noWall(local.points));
  });

  it('runs `clearsim run --distribute` to the same report as a local run', () => {
    const args = ['run', 'scenarios/chongqing-2023.yaml', '--days', '6', '--replications', '3', '--json'];
    const local = JSON.parse(clearsim(args).stdout);
    const r = clearsim([...args, '--distribute', '--redis', redisUrl, '--workers', '2']);
    expect(r.status).toBe(0);
    expect(noWall(JSON.parse(r.stdout))).toBe(noWall(local));
  });

  it('serves two replications at a time on threads inside one `clearsim worker --jobs 2`, with the same results', async () => {
    const a = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=20')]);
    const b = loadScenarioFile('scenarios/aeo-expansion.yaml', [parseOverride('horizon.days=20')]);
    const local = await compare(a, b, 3);
    // node directly (not npx), stopped by its PID
    const worker = spawn(process.execPath, ['bin/clearsim.js', 'worker', '--redis', redisUrl, '--jobs', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    worker.stderr.on('data', (d) => {
      log += d;
    });
    const exited = once(worker, 'exit');
    const queue = new Queue(REPLICATIONS_QUEUE, { connection: { url: redisUrl }, prefix: BULL_PREFIX });
    const admin = new Redis(redisUrl);
    let mostActive = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        mostActive = Math.max(mostActive, await queue.getActiveCount());
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      // workers: 0 — the experiment uses the worker started above, the only one on this Redis now
      const remote = await compare(a, b, 3, undefined, { redisUrl, workers: 0 });
      expect(noWall(remote.reports)).toBe(noWall(local.reports));
      expect(noWall(remote.groups)).toBe(noWall(local.groups));
      expect(log).toMatch(/replications: 2 at a time, on threads/);
      // six replications of ~0.2 s or more each, two threads: two were in hand at once
      expect(mostActive).toBe(2);
      // an experiment closes every Redis connection it opened (a long-lived API server runs many)
      const clients = async () =>
        String(await admin.client('LIST'))
          .trim()
          .split('\n').length;
      const after1 = await clients();
      const again = await compare(a, b, 2, undefined, { redisUrl, workers: 0 });
      expect(noWall(again.reports.b[1])).toBe(noWall(local.reports.b[1]));
      expect(await clients()).toBe(after1);
    } finally {
      watching = false;
      await watch;
      await queue.close();
      admin.disconnect();
      worker.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
