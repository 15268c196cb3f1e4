#!/usr/bin/env node
// Engine benchmarks (npm run bench). Figures, not pass/fail: speed and memory goals live here,
// never in timed tests.
//  1. M/M/5 at rho 0.9, ~200,000 customers: customers simulated per second (first run, then the
//     median of 5 warm runs). Goal: >= 1,000,000/s; SimPy 3 does ~130,000/s on this kind of machine.
//  2. One simulated year of the baseline (chongqing-2023): shipments per second and peak RSS,
//     then four years in a fresh process: peak memory must stay within 25% of one year's.
//  3. The firm layer: the baseline with its 16,700 firms but no flows (bench/chongqing-2023-firms.yaml)
//     against its tier-share form (test/fixtures/v1/chongqing-2023.yaml), alternating processes,
//     median of 5 rounds. Goal: the firms cost at most 15% of shipments/s. Then the bundled baseline
//     with flows too (port handling, two-step): what the whole model costs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, parseOverride } from '../dist/scenario/load.js';
import { runReplication } from '../dist/runtime/run.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fmt = (x) => Math.round(x).toLocaleString('en-US');

if (process.argv[2] === '--baseline-years') {
  // child mode: one measurement per process so peak RSS is this run's alone
  const years = Number(process.argv[3]);
  const file = process.argv[4] ?? `${here}../scenarios/chongqing-2023.yaml`;
  const s = loadScenarioFile(file, [parseOverride(`horizon.days=${365 * years}`)]);
  const t0 = performance.now();
  const { report } = runReplication(s);
  const dt = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      shipments: report.shipments.arrived,
      events: report.events,
      seconds: dt,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    }),
  );
  process.exit(0);
}

console.log(`clearsim engine benchmark — node ${process.version}, ${new Date().toISOString()}`);
const mmc = loadScenarioFile(`${here}mmc.yaml`);
const rates = [];
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const { report } = runReplication(mmc, i);
  const dt = (performance.now() - t0) / 1000;
  rates.push({
    customers: report.shipments.arrived,
    events: report.events,
    rate: report.shipments.arrived / dt,
    eventRate: report.events / dt,
    wq: report.stages.desk.wait_hours.mean,
  });
}
const warm = rates.slice(1).sort((a, b) => a.rate - b.rate)[2];
console.log(`\nM/M/5, rho 0.9, ${fmt(rates[0].customers)} customers per run`);
console.log(`  first run:          ${fmt(rates[0].rate)} customers/s (${fmt(rates[0].eventRate)} events/s)`);
console.log(`  warm (median of 5): ${fmt(warm.rate)} customers/s (${fmt(warm.eventRate)} events/s)   goal >= 1,000,000; SimPy 3 ~130,000`);
console.log(`  mean wait over the 6 runs: ${(rates.reduce((a, r) => a + r.wq, 0) / rates.length).toFixed(3)} h (Erlang C: 1.525 h)`);

const child = (years, file) =>
  JSON.parse(
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--baseline-years', String(years), ...(file ? [file] : [])], {
      encoding: 'utf8',
    }),
  );
const y1 = child(1);
const y4 = child(4);
console.log(
  `\nBaseline chongqing-2023, one simulated year: ${fmt(y1.shipments)} shipments, ${fmt(y1.events)} events in ${y1.seconds.toFixed(2)} s`,
);
console.log(
  `  ${fmt(y1.shipments / y1.seconds)} shipments/s, ${fmt(y1.events / y1.seconds)} events/s, peak RSS ${y1.maxRssMiB.toFixed(1)} MiB`,
);
console.log(
  `Four simulated years: ${fmt(y4.shipments)} shipments in ${y4.seconds.toFixed(2)} s, ${fmt(y4.shipments / y4.seconds)} shipments/s, peak RSS ${y4.maxRssMiB.toFixed(1)} MiB`,
);
const growth = y4.maxRssMiB / y1.maxRssMiB - 1;
console.log(`  peak memory, 4 years vs 1: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%   goal within 25%`);

const v1 = `${here}../test/fixtures/v1/chongqing-2023.yaml`;
const firmsOnly = `${here}chongqing-2023-firms.yaml`;
const rounds = [];
for (let i = 0; i < 5; i++) {
  const a = child(1, v1),
    b = child(1, firmsOnly),
    c = child(1);
  rounds.push({ v1: a.shipments / a.seconds, firms: b.shipments / b.seconds, full: c.shipments / c.seconds });
}
const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rv1 = median(rounds.map((p) => p.v1)),
  rfirms = median(rounds.map((p) => p.firms)),
  rfull = median(rounds.map((p) => p.full));
const cost = median(rounds.map((p) => 1 - p.firms / p.v1));
console.log(
  `\nOne year, 5 alternating rounds: tier shares (v1 file) ${fmt(rv1)} shipments/s, with 16,700 firms ${fmt(rfirms)}, with firms and flows (the bundled baseline) ${fmt(rfull)}`,
);
console.log(`  the firms cost ${(cost * 100).toFixed(1)}% of shipments/s (median of the rounds)   goal at most 15%`);
console.log(
  `  firms and flows cost ${(median(rounds.map((p) => 1 - p.full / p.v1)) * 100).toFixed(1)}% (flows add stages: unloading, yard, complete declarations)`,
);
