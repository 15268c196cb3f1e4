#!/usr/bin/env node
// BullMQ runtime benchmark (npm run bench:bullmq). Starts its own redis-server on a free port
// (hz 100, no persistence) unless REDIS_URL is set, and prints side by side:
//  - raw BullMQ: no-op jobs per second at concurrency 1 and 50, on this Redis, in this run;
//  - the clearsim pipeline: a one-stage scenario flooded with shipments (zero service time, so
//    the figure is job handling, not simulated work), with 1 and 2 worker processes. Each
//    shipment is one stage job: the coordinator lodges it, the stage's processor releases it.
//  - distributed replications (--distribute): 8 replications of the bundled baseline (28 days)
//    on one `clearsim worker` process with --jobs 1 (one at a time on its main thread) and
//    --jobs 2 (two threads), two experiments in a row on the same worker: its threads stay up.
// The machine is shared and its load drifts: raw and pipeline are measured in alternating rounds
// (ROUNDS, default 3) and compared by their medians.
// Goal: the pipeline's per-stage job throughput at least half the raw figure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, loadScenarioObject, parseOverride } from '../dist/scenario/load.js';
import { runBullmq } from '../dist/runtime/bullmq/index.js';
import { replicateOnWorkers } from '../dist/runtime/bullmq/replication-jobs.js';

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

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

/** One flood through the pipeline: stage jobs per second from the run clock's start to the last release. */
async function pipeline(url, workers, n) {
  // the whole day's arrivals come in ~0.1 s of wall time: the pipeline runs flat out
  const rep = await runBullmq(flood(n), { redisUrl: url, timeScale: 86400 * 10, workers });
  const secs = rep.bullmq.pipeline_seconds;
  if (rep.shipments.released !== rep.shipments.arrived || rep.bullmq.duplicate_releases !== 0)
    throw new Error(`pipeline run lost or doubled releases: ${JSON.stringify(rep.shipments)}, duplicates ${rep.bullmq.duplicate_releases}`);
  return { rate: rep.stages.desk.count / secs, shipments: rep.shipments.released, secs };
}

const rounds = Number(process.env.ROUNDS ?? 3);
const r = await redis();
/** Seconds of each of `experiments` experiments of 8 replications in a row on one worker process started with --jobs `jobs`. */
async function distributed(url, jobs, experiments = 2) {
  const bin = fileURLToPath(new URL('../bin/clearsim.js', import.meta.url));
  // node directly, stopped by its PID
  const w = spawn(process.execPath, [bin, 'worker', '--redis', url, '--jobs', String(jobs)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // serving, or gone (a worker that cannot start must not leave the bench waiting)
  await new Promise((resolve, reject) => {
    let log = '';
    w.stderr.on('data', (d) => {
      log += d;
      if (log.includes('serving')) resolve();
    });
    w.once('exit', (code) => reject(new Error(`clearsim worker --jobs ${jobs} exited (code ${code}) before serving: ${log}`)));
  });
  const s = loadScenarioFile(fileURLToPath(new URL('../scenarios/chongqing-2023.yaml', import.meta.url)), [
    parseOverride('horizon.days=28'),
  ]);
  const seconds = [];
  try {
    for (let k = 0; k < experiments; k++) {
      const t0 = performance.now();
      await replicateOnWorkers(url, [{ scenario: s, replications: 8, first: 8 * k }]);
      seconds.push((performance.now() - t0) / 1000);
    }
  } finally {
    const exited = new Promise((resolve) => w.once('exit', resolve));
    w.kill('SIGTERM');
    await exited;
  }
  return seconds;
}

try {
  console.log(`clearsim BullMQ benchmark — node ${process.version}, Redis at ${r.url}, ${new Date().toISOString()}`);
  const raw1 = await raw(r.url, 1, 5000);
  console.log(`\nraw BullMQ no-op jobs at concurrency 1: ${fmt(raw1)} jobs/s`);
  const n = 10000;
  const seen = { raw50: [], w1: [], w2: [] };
  for (let k = 1; k <= rounds; k++) {
    const raw50 = await raw(r.url, 50, 20000);
    const w1 = await pipeline(r.url, 1, n);
    const w2 = await pipeline(r.url, 2, n);
    seen.raw50.push(raw50);
    seen.w1.push(w1.rate);
    seen.w2.push(w2.rate);
    console.log(
      `round ${k}: raw concurrency 50 ${fmt(raw50)} jobs/s | pipeline, 1 worker process: ${fmt(w1.rate)} stage jobs/s (${((w1.rate / raw50) * 100).toFixed(0)}%)` +
        ` | 2 worker processes: ${fmt(w2.rate)} stage jobs/s (${((w2.rate / raw50) * 100).toFixed(0)}%)   [${fmt(w1.shipments)} shipments each, released once]`,
    );
  }
  const m = { raw50: median(seen.raw50), w1: median(seen.w1), w2: median(seen.w2) };
  console.log(`\nmedian of ${rounds} rounds          stage jobs/s   raw no-op jobs/s (concurrency 50)   ratio`);
  console.log(
    `pipeline, 1 worker process    ${fmt(m.w1).padStart(12)}   ${fmt(m.raw50).padStart(33)}   ${((m.w1 / m.raw50) * 100).toFixed(0).padStart(4)}%`,
  );
  console.log(
    `pipeline, 2 worker processes  ${fmt(m.w2).padStart(12)}   ${fmt(m.raw50).padStart(33)}   ${((m.w2 / m.raw50) * 100).toFixed(0).padStart(4)}%`,
  );
  console.log(
    "\n(pipeline: seconds from the run clock's start to the last release; one round trip per step; goal: stage jobs/s >= 50% of raw)",
  );
  const one = await distributed(r.url, 1),
    two = await distributed(r.url, 2);
  console.log(
    `\ndistributed replications, 8 of the bundled baseline (28 days) on one worker process, two experiments in a row:` +
      `\n  --jobs 1: ${one.map((x) => `${x.toFixed(2)} s`).join(', ')}   --jobs 2 (threads): ${two.map((x) => `${x.toFixed(2)} s`).join(', ')} (${two.map((x, i) => `${(x / one[i]).toFixed(2)}x`).join(', ')})`,
  );
} finally {
  r.stop();
}
