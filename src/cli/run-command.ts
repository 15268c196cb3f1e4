import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import { runEmbedded } from '../runtime/run.js';
import { runBullmq } from '../runtime/bullmq/index.js';
import { formatHours } from '../scenario/duration.js';
import type { FastifyInstance } from 'fastify';
import { serveMetrics } from '../api/metrics-route.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { renderRunReport } from '../report/html.js';
import { combineObservers } from '../runtime/observer.js';
import { replicateAll, type Runner } from '../experiments/replicate.js';
import { mergeReplications } from '../stats/replications.js';
import { TraceWriter } from '../trace/trace-writer.js';
import { progressBar } from './progress.js';
import { formatSummary } from './summary.js';

export interface RunFlags {
  seed?: number;
  replications?: number;
  days?: number;
  set: string[];
  json?: boolean;
  out?: string;
  runtime: string;
  timeScale?: number;
  redis: string;
  workers: number;
  serve?: number;
  trace?: string;
  report?: string;
  distribute?: boolean;
}

/** Flags that are shorthands for overrides: validated like any other field of the scenario. */
export function overridesFrom(flags: { seed?: number; replications?: number; days?: number; set: string[] }): Override[] {
  const o = flags.set.map(parseOverride);
  if (flags.seed !== undefined) o.push({ path: 'seed', value: flags.seed, text: `--seed ${flags.seed}` });
  if (flags.replications !== undefined) o.push({ path: 'replications', value: flags.replications, text: `--replications ${flags.replications}` });
  if (flags.days !== undefined) o.push({ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` });
  return o;
}

/** Where an experiment's replications run, from --runtime / --redis / --workers. */
export function runnerOf(flags: { runtime: string; redis: string; workers: number }): Runner {
  return flags.runtime === 'bullmq' ? { redisUrl: flags.redis, workers: flags.workers } : {};
}

/** The directory of an output file must exist and be writable. */
export function checkWritable(flag: string, file: string): void {
  try {
    accessSync(dirname(resolve(file)), constants.W_OK);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot write there (${(err as NodeJS.ErrnoException).code ?? 'not writable'})`);
  }
}

export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const scenario = loadScenarioFile(file, overridesFrom(flags));
  // Refuse before the run rather than lose a long run's result at the end.
  if (flags.out) checkWritable('--out', flags.out);
  const metrics = flags.serve !== undefined ? new SimMetrics() : null;
  let server: FastifyInstance | undefined;
  if (metrics && flags.serve !== undefined) {
    try {
      server = await serveMetrics(metrics.registry, flags.serve);
    } catch (err) {
      throw new UsageError(`--serve ${flags.serve}: cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    process.stderr.write(`clearsim: metrics at http://127.0.0.1:${flags.serve}/metrics\n`);
  }
  if (flags.trace && !/\.(csv|jsonl)$/i.test(flags.trace)) throw new UsageError(`--trace ${flags.trace}: the file must end in .csv or .jsonl`);
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new UsageError(`--report ${flags.report}: the file must end in .html`);
  for (const [flag, f] of [['--trace', flags.trace], ['--report', flags.report]] as const) if (f) checkWritable(flag, f);
  if (flags.trace && flags.runtime === 'bullmq') throw new UsageError('--trace: available with the embedded runtime only');
  const trace = flags.trace ? new TraceWriter(flags.trace, scenario) : null;
  const bar = progressBar(scenario.name);
  let report;
  try {
    const onProgress = bar ? (x: number) => bar.update(x) : undefined;
    if (flags.distribute) {
      if (flags.runtime === 'bullmq') throw new UsageError('--distribute runs replications on the embedded engine inside the workers: drop --runtime bullmq');
      if (flags.trace || flags.serve !== undefined) throw new UsageError('--distribute: --trace and --serve need the run in this process');
      const t0 = performance.now();
      const [reports] = await replicateAll([{ scenario, replications: scenario.replications }], undefined, { redisUrl: flags.redis, workers: flags.workers });
      report = mergeReplications(reports);
      report.wall_seconds = (performance.now() - t0) / 1000;
    } else if (flags.runtime === 'bullmq') {
      const scale = flags.timeScale ?? 3600;
      const hours = scenario.replications * (scenario.horizonDays * 24 + 24);
      process.stderr.write(`clearsim: running on BullMQ at ${flags.redis} with time scale ${scale}: about ${formatHours(hours / scale)} of wall time or more\n`);
      report = await runBullmq(scenario, { redisUrl: flags.redis, timeScale: scale, workers: flags.workers, onProgress, metrics: metrics?.bind(scenario, 'coordinator'), log: (m) => process.stderr.write(`clearsim: ${m}\n`) });
      const lag = report.bullmq?.lag;
      if (lag && !lag.keeping_up) process.stderr.write(`clearsim: warning: the workers fell behind the simulated clock (p95 lag ${lag.p95_wall_seconds.toFixed(2)} s of wall time): time scale ${scale} is more than they keep up with; results are distorted. Lower --time-scale or add workers.\n`);
    } else {
      if (flags.timeScale) process.stderr.write(`clearsim: paced run, ${flags.timeScale} simulated seconds per wall second: about ${formatHours((scenario.replications * scenario.horizonDays * 24) / flags.timeScale)} of wall time\n`);
      report = await runEmbedded(scenario, {
        onProgress, timeScale: flags.timeScale, timeline: !!flags.report,
        observer: combineObservers([metrics?.bind(scenario), trace]),
        onReplication: trace ? (r) => trace.startReplication(r) : undefined,
        flush: trace ? () => trace.flush() : undefined,
      });
    }
  } finally {
    bar?.stop();
    await server?.close();
    await trace?.close();
  }
  if (trace) process.stderr.write(`clearsim: ${trace.rows} shipments traced to ${flags.trace}\n`);
  if (flags.report) {
    writeFileSync(flags.report, renderRunReport(report));
    process.stderr.write(`clearsim: report written to ${flags.report}\n`);
  }
  const json = JSON.stringify(report, null, 2) + '\n';
  if (flags.out) {
    try {
      writeFileSync(flags.out, json);
    } catch (err) {
      throw new UsageError(`--out ${flags.out}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(formatSummary(report) + '\n' + (flags.out ? `\nreport written to ${flags.out}\n` : ''));
  return 0;
}
