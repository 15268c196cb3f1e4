#!/usr/bin/env node
// BullMQ runtime benchmark (npm run bench:bullmq). Starts its own redis-server on a free port
// (hz 100, no persistence) unless REDIS_URL is set, and prints side by side:
//  - raw BullMQ: no-op jobs per second at concurrency 1 and 50, on this Redis, in this run;
//  - the clearsim pipeline: a one-stage scenario flooded with shipments (zero service time, so
//    the figure is job handling, not simulated work), with 1 and 2 worker processes. Each
//    shipment is one stage job: the coordinator lodges it, the stage's processor releases it.
// Goal: the pipeline's per-stage job throughput at least half the raw figure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadScenarioObject } from '../dist/scenario/load.js';
import { runBullmq } from '../dist/runtime/bullmq/index.js';

const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function redis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} };
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--hz',
      '100',
      '--maxmemory-policy',
      'noeviction',
      '--dir',
      mkdtempSync(join(tmpdir(), 'clearsim-bench-')),
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') };
}

async function raw(url, concurrency, n) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const name = `raw-${concurrency}-${Date.now()}`;
  const q = new Queue(name, { connection, prefix: 'bench' });
  for (let i = 0; i < n; i += 1000)
    await q.addBulk(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  let done = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const w = new Worker(
      name,
      async () => {
        if (++done === n) resolve();
      },
      { connection, prefix: 'bench', concurrency },
    );
    w.on('error', () => {});
    q.w = w;
  });
  const rate = n / ((performance.now() - t0) / 1000);
  await q.w.close();
  await q.obliterate({ force: true });
  await q.close();
  connection.disconnect();
  return rate;
}

const flood = (shipments) =>
  loadScenarioObject({
    name: 'bullmq-bench',
    seed: 1,
    horizon: { days: 1 },
    arrivals: { per_day: shipments },
    tiers: {
      all: { aeo: false, shipment_share: 1, noncompliance: 0, lanes: { red: 0, yellow: 0 }, pre_arrival_share: 0, guarantee_exempt: false },
    },
    lodgement: { lead: { dist: 'constant', value: 0 }, delay: { dist: 'constant', value: 0 } },
    stages: { desk: { servers: 50, service: { dist: 'constant', value: 0 } } },
    flow: { intake: ['desk'], lanes: { green: [], yellow: [], red: [] }, release: [] },
    risk: { targeting_lift: 1 },
    findings: { hold: { dist: 'constant', value: 0 } },
    priority: { mode: 'never' },
  });

const r = await redis();
try {
  console.log(`clearsim BullMQ benchmark — node ${process.version}, Redis at ${r.url}, ${new Date().toISOString()}`);
  const raw1 = await raw(r.url, 1, 5000);
  const raw50 = await raw(r.url, 50, 20000);
  console.log(`\nraw BullMQ no-op jobs:  concurrency 1: ${fmt(raw1)} jobs/s   concurrency 50: ${fmt(raw50)} jobs/s`);
  const n = 10000;
  for (const workers of [1, 2]) {
    // the whole day's arrivals come in ~0.1 s of wall time: the pipeline runs flat out
    const rep = await runBullmq(flood(n), { redisUrl: r.url, timeScale: 86400 * 10, workers });
    const secs = rep.bullmq.pipeline_seconds;
    const shipments = rep.shipments.released;
    const stageJobs = rep.stages.desk.count;
    console.log(
      `pipeline, ${workers} worker process${workers > 1 ? 'es' : ''}: ${fmt(shipments)} shipments in ${secs.toFixed(2)} s = ${fmt(shipments / secs)} shipments/s, ${fmt(stageJobs / secs)} stage jobs/s` +
        `   vs raw at concurrency 50: ${((stageJobs / secs / raw50) * 100).toFixed(0)}%   duplicates ${rep.bullmq.duplicate_releases}`,
    );
  }
  console.log("\n(seconds from the run clock's start to the last release; goal: stage jobs/s >= 50% of raw)");
} finally {
  r.stop();
}
