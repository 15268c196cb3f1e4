#!/usr/bin/env node
// HTTP API load benchmark (npm run bench:api). Starts the API server in this process on a free
// port, starts a paced embedded run through POST /runs (so the simulation shares the event loop
// with the HTTP server, as in `clearsim serve`), and loads GET /metrics with autocannon
// (10 connections, ~10 s, load generated in a worker thread). Prints requests/s, latency and how
// far the paced run got against its wall-clock schedule. Figures only, no assertions.
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { buildServer } from '../dist/api/server.js';
import { SimMetrics } from '../dist/metrics/sim-metrics.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const DAYS = 60;
const TIME_SCALE = 2 * 86400; // two simulated days per wall second

const app = buildServer({ metrics: new SimMetrics() });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.server.address().port}`;

const started = await fetch(`${base}/runs`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ scenario: 'chongqing-2023', days: DAYS, time_scale: TIME_SCALE }),
});
const run = await started.json();
if (started.status !== 202) throw new Error(`POST /runs: ${started.status} ${JSON.stringify(run)}`);
await sleep(500);
// The simulated clock, from the clearsim_sim_time_seconds gauge: how far the paced run got.
const simClock = async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('clearsim_sim_time_seconds '));
  return { seconds: Number(line?.split(' ')[1] ?? NaN), bytes: text.length };
};
const before = await (await fetch(`${base}/runs/${run.id}`)).json();
const t0 = performance.now();
const clock0 = await simClock();

const result = await autocannon({ url: `${base}/metrics`, connections: CONNECTIONS, duration: DURATION_S, workers: 1 });

const clock1 = await simClock();
const wall = (performance.now() - t0) / 1000;
const after = await (await fetch(`${base}/runs/${run.id}`)).json();
const cancel = await fetch(`${base}/runs/${run.id}`, { method: 'DELETE' });
await app.close();

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `clearsim API under load: GET /metrics, ${CONNECTIONS} connections, ${DURATION_S} s, during a paced run (chongqing-2023, ${fmt(TIME_SCALE / 86400)} simulated days per wall second)`,
);
console.log(`  /metrics body            ${fmt(clock0.bytes)} bytes`);
console.log(`  requests/s               ${fmt(result.requests.average)} (mean), ${fmt(result.requests.p50 ?? result.requests.mean)} (p50)`);
console.log(
  `  latency                  p50 ${fmt(result.latency.p50, 1)} ms, p99 ${fmt(result.latency.p99, 1)} ms, max ${fmt(result.latency.max, 1)} ms`,
);
console.log(
  `  requests                 ${fmt(result.requests.total)} (${fmt(result.non2xx)} non-2xx, ${fmt(result.errors)} errors, ${fmt(result.timeouts)} timeouts)`,
);
console.log(
  `  paced run                progress ${fmt(before.progress * 100, 1)}% -> ${fmt(after.progress * 100, 1)}% (${after.status}); simulated clock +${fmt((clock1.seconds - clock0.seconds) / 86400, 1)} days in ${fmt(wall, 1)} s (schedule: ${fmt((wall * TIME_SCALE) / 86400, 1)} days)`,
);
console.log(`  DELETE /runs/:id         ${cancel.status} (${(await cancel.json()).status})`);
