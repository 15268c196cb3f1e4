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
// (ROUNDS, default 3) and compared by their medians. With a Redis it started (on Linux), it also
// prints the CPU per job of each process: where the pipeline's time goes, against raw's.
// Goal: the pipeline's per-stage job throughput at least half the raw figure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

// CPU seconds a process has used (user + system), from /proc on Linux; NaN elsewhere or once it is gone
const ticks = existsSync('/proc/self/stat') ? Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100 : 0;
function cpuSeconds(pid) {
  if (!ticks || !pid) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / ticks;
  } catch {
    return NaN;
  }
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const us = (seconds, n) => (Number.isFinite(seconds) ? `${Math.round((seconds / n) * 1e6)}` : '?');

async function redis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, pid: 0, stop: () => {} };
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
  return { url: `redis://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.kill('SIGTERM') };
}

/** No-op jobs per second, and the CPU per job of Redis and of this process (which runs the worker). */
async function raw(url, concurrency, n, redisPid) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const name = `raw-${concurrency}-${Date.now()}`;
  const q = new Queue(name, { connection, prefix: 'bench' });
  for (let i = 0; i < n; i += 1000)
    await q.addBulk(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  let done = 0;
  const r0 = cpuSeconds(redisPid),
    c0 = ownCpu();
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
  const cpu = { redis: cpuSeconds(redisPid) - r0, node: ownCpu() - c0, n };
  await q.w.close();
  await q.obliterate({ force: true });
  await q.close();
  connection.disconnect();
  return { rate, cpu };
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

/**
 * One flood through the pipeline: stage jobs per second from the run clock's start to the last
 * release, and the CPU per shipment of Redis, the worker processes and this one (the coordinator)
 * from the run's first tick (the clock has started; the workers have loaded) to its end.
 */
async function pipeline(url, workers, n, redisPid) {
  let pids = [];
  let start = null;
  let last = null;
  const read = () => ({ redis: cpuSeconds(redisPid), workers: pids.map(cpuSeconds), coordinator: ownCpu() });
  // worker processes are gone once the run returns: their last reading is kept
  const sampler = setInterval(() => {
    const r = read();
    if (start && r.workers.every(Number.isFinite)) last = r;
  }, 100);
  // the whole day's arrivals come in ~0.1 s of wall time: the pipeline runs flat out
  let rep;
  try {
    rep = await runBullmq(flood(n), {
      redisUrl: url,
      timeScale: 86400 * 10,
      workers,
      onWorkers: (procs) => {
        pids = procs.map((p) => p.pid);
      },
      onProgress: () => {
        start ??= read();
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const end = { ...read(), workers: last?.workers ?? [] };
  const secs = rep.bullmq.pipeline_seconds;
  if (rep.shipments.released !== rep.shipments.arrived || rep.bullmq.duplicate_releases !== 0)
    throw new Error(`pipeline run lost or doubled releases: ${JSON.stringify(rep.shipments)}, duplicates ${rep.bullmq.duplicate_releases}`);
  const n1 = rep.shipments.released;
  const workerCpu =
    start && end.workers.length === start.workers.length ? end.workers.reduce((a, x, i) => a + x - start.workers[i], 0) : NaN;
  const cpu = start
    ? { redis: end.redis - start.redis, workers: workerCpu, coordinator: end.coordinator - start.coordinator, n: n1 }
    : null;
  return { rate: rep.stages.desk.count / secs, shipments: n1, secs, cpu };
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
  const { rate: raw1 } = await raw(r.url, 1, 5000, r.pid);
  console.log(`\nraw BullMQ no-op jobs at concurrency 1: ${fmt(raw1)} jobs/s`);
  const n = 10000;
  const seen = { raw50: [], w1: [], w2: [] };
  const cpuLine = (raw, w1) =>
    `CPU per job: raw Redis ${us(raw.redis, raw.n)} µs + its Node process ${us(raw.node, raw.n)} µs | pipeline (1 worker process), per shipment: Redis ${us(w1.redis, w1.n)} µs + worker ${us(w1.workers, w1.n)} µs + coordinator ${us(w1.coordinator, w1.n)} µs`;
  const cpus = [];
  for (let k = 1; k <= rounds; k++) {
    const { rate: raw50, cpu: rawCpu } = await raw(r.url, 50, 20000, r.pid);
    const w1 = await pipeline(r.url, 1, n, r.pid);
    const w2 = await pipeline(r.url, 2, n, r.pid);
    if (w1.cpu) cpus.push({ raw: rawCpu, w1: w1.cpu });
    seen.raw50.push(raw50);
    seen.w1.push(w1.rate);
    seen.w2.push(w2.rate);
    console.log(
      `round ${k}: raw concurrency 50 ${fmt(raw50)} jobs/s | pipeline, 1 worker process: ${fmt(w1.rate)} stage jobs/s (${((w1.rate / raw50) * 100).toFixed(0)}%)` +
        ` | 2 worker processes: ${fmt(w2.rate)} stage jobs/s (${((w2.rate / raw50) * 100).toFixed(0)}%)   [${fmt(w1.shipments)} shipments each, released once]`,
    );
    if (ticks && w1.cpu) console.log(`  ${cpuLine(rawCpu, w1.cpu)}`);
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
  if (ticks && cpus.length) {
    const med = (f) => median(cpus.map(f));
    console.log(
      `median ${cpuLine({ redis: med((c) => c.raw.redis / c.raw.n), node: med((c) => c.raw.node / c.raw.n), n: 1 }, { redis: med((c) => c.w1.redis / c.w1.n), workers: med((c) => c.w1.workers / c.w1.n), coordinator: med((c) => c.w1.coordinator / c.w1.n), n: 1 })}`,
    );
    console.log(
      '(a shipment is a job added by the coordinator and completed with its release by a worker; a raw job was added before the clock started, so only its completion is timed)',
    );
  }
  const one = await distributed(r.url, 1),
    two = await distributed(r.url, 2);
  console.log(
    `\ndistributed replications, 8 of the bundled baseline (28 days) on one worker process, two experiments in a row:` +
      `\n  --jobs 1: ${one.map((x) => `${x.toFixed(2)} s`).join(', ')}   --jobs 2 (threads): ${two.map((x) => `${x.toFixed(2)} s`).join(', ')} (${two.map((x, i) => `${(x / one[i]).toFixed(2)}x`).join(', ')})`,
  );
} finally {
  r.stop();
}
