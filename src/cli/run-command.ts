import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { loadScenarioFile } from '../scenario/load.js';
import { overridesFrom } from './overrides.js';
import { checkWritable } from './writable.js';
import { RUNTIMES, settingsOf } from '../runtime/runtimes.js';
import { execute } from '../runtime/execute.js';
import { formatHours } from '../scenario/duration.js';
import { checkWorkBudget } from '../scenario/work-estimate.js';
import type { FastifyInstance } from 'fastify';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import { publicReport, type Report } from '../stats/report.js';
import { firmFileRows } from '../stats/firm-report.js';
import { checkFirmsFile, writeFirmsFile } from './firms-file.js';
import { TraceWriter } from '../trace/trace-writer.js';
import { progressBar } from './progress.js';
import { runtimeFromFlags, type RuntimeFlags } from './options.js';
import { formatSummary } from './summary.js';
import { parsePrecision, precisionLine, runToPrecision } from '../experiments/precision.js';
import { warningLines } from '../stats/overload.js';

export interface RunFlags extends RuntimeFlags {
  seed?: number;
  replications?: number;
  days?: number;
  set: string[];
  json?: boolean;
  out?: string;
  serve?: number;
  trace?: string;
  firms?: string;
  report?: string;
  /** Work budget: estimated events over all replications (--max-events). */
  maxEvents?: number;
  /** --precision PATH:GOAL (repeatable): replicate until each half-width meets its goal, up to maxReplications. */
  precision?: string[];
  maxReplications?: number;
}

export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const runtime = runtimeFromFlags('run', flags);
  const rt = RUNTIMES[runtime];
  if (flags.trace && rt.observes === 'none')
    throw new UsageError('--trace: --distribute runs the replications inside the workers; trace a run here (embedded or --runtime bullmq)');
  if (flags.serve !== undefined && rt.observes === 'none')
    throw new UsageError(
      '--serve with --distribute: the replications run in the workers (each serves its own /metrics with `clearsim worker --metrics-port`)',
    );
  const scenario = loadScenarioFile(file, overridesFrom(flags));
  const goals = (flags.precision ?? []).map(parsePrecision);
  const maxReps = flags.maxReplications ?? 200;
  if (goals.length && (runtime === 'bullmq' || flags.trace || flags.serve !== undefined || flags.timeScale !== undefined))
    throw new UsageError(
      '--precision: replicates in rounds on the embedded engine or --distribute; drop --runtime bullmq, --trace, --serve and --time-scale',
    );
  // with --precision, the budget is that of the largest round it may run
  checkWorkBudget(
    [{ scenario, replications: goals.length ? maxReps : undefined }],
    flags.maxEvents,
    'raise the budget with --max-events N',
  );
  // Refuse before the run rather than lose a long run's result at the end.
  if (flags.out) checkWritable('--out', flags.out);
  if (flags.firms) checkFirmsFile(flags.firms, scenario);
  if (flags.trace && !/\.(csv|jsonl)$/i.test(flags.trace))
    throw new UsageError(`--trace ${flags.trace}: the file must end in .csv or .jsonl`);
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new UsageError(`--report ${flags.report}: the file must end in .html`);
  for (const [flag, f] of [
    ['--trace', flags.trace],
    ['--report', flags.report],
  ] as const)
    if (f) checkWritable(flag, f);
  // the metrics, HTTP, BullMQ and HTML code is loaded only by the runs that use it
  let metrics: SimMetrics | undefined;
  let server: FastifyInstance | undefined;
  if (flags.serve !== undefined) {
    const [{ SimMetrics }, { serveMetrics }] = await Promise.all([import('../metrics/sim-metrics.js'), import('../api/metrics-route.js')]);
    metrics = new SimMetrics();
    try {
      server = await serveMetrics(metrics, flags.serve);
    } catch (err) {
      throw new UsageError(`--serve ${flags.serve}: cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    process.stderr.write(`clearsim: metrics at http://127.0.0.1:${flags.serve}/metrics\n`);
  }
  const set = settingsOf(runtime, { redisUrl: flags.redis, workers: flags.workers, timeScale: flags.timeScale });
  if (runtime === 'bullmq') {
    const { redactUrl } = await import('../runtime/bullmq/connection.js');
    const hours = scenario.replications * (scenario.horizonDays * 24 + 24);
    process.stderr.write(
      `clearsim: running on BullMQ at ${redactUrl(set.redisUrl!)} with time scale ${set.timeScale}: about ${formatHours(hours / set.timeScale!)} of wall time or more\n`,
    );
  } else if (runtime === 'embedded' && set.timeScale) {
    process.stderr.write(
      `clearsim: paced run, ${set.timeScale} simulated seconds per wall second: about ${formatHours((scenario.replications * scenario.horizonDays * 24) / set.timeScale)} of wall time\n`,
    );
  }
  let trace: TraceWriter | null = null;
  let bar: ReturnType<typeof progressBar> | undefined;
  let report: Report;
  // SIGINT/SIGTERM cancel the run, which then cleans up (a BullMQ run removes its queues and keys
  // from Redis, its local workers stop); a second signal exits at once.
  const cancel = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (cancel.signal.aborted) process.exit(130);
    process.stderr.write(`\nclearsim: ${sig}: cancelling the run and cleaning up (again to exit at once)\n`);
    cancel.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    trace = flags.trace ? new TraceWriter(flags.trace, scenario) : null;
    bar = progressBar(scenario.name);
    const t = trace;
    if (goals.length)
      report = await runToPrecision(scenario, goals, {
        start: flags.replications ?? Math.max(5, scenario.replications),
        max: maxReps,
        runner:
          runtime === 'distributed' ? { distribute: true, redisUrl: flags.redis, workers: flags.workers } : { jobs: flags.jobs ?? 'auto' },
      });
    else
      report = await execute(runtime, scenario, {
        ...set,
        metrics,
        signal: cancel.signal,
        log: (m) => process.stderr.write(`clearsim: ${m}\n`),
        onProgress: bar ? (x: number) => bar!.update(x) : undefined,
        jobs: runtime === 'embedded' ? (flags.jobs ?? 'auto') : undefined,
        ...(rt.observes !== 'none'
          ? {
              timeline: !!flags.report,
              observer: t ?? undefined,
              onReplication: t ? (r: number) => t.startReplication(r) : undefined,
              flush: t ? () => t.flush() : undefined,
            }
          : {}),
      });
    const lag = report.bullmq?.lag;
    if (lag && !lag.keeping_up)
      process.stderr.write(
        `clearsim: warning: the workers fell behind the simulated clock (p95 lag ${lag.p95_wall_seconds.toFixed(2)} s of wall time): time scale ${set.timeScale} is more than they keep up with; results are distorted. Lower --time-scale or add workers.\n`,
      );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    bar?.stop();
    await server?.close();
    await trace?.close();
  }
  if (trace) process.stderr.write(`clearsim: ${trace.rows} shipments traced to ${flags.trace}\n`);
  if (flags.report) {
    writeFileSync(flags.report, (await import('../html-report/html.js')).renderRunReport(report));
    process.stderr.write(`clearsim: report written to ${flags.report}\n`);
  }
  if (flags.firms) writeFirmsFile(flags.firms, firmFileRows(scenario, report));
  report = publicReport(report);
  // overload is never silent: on stderr, so that --json keeps stdout to the report (which carries them too)
  for (const l of warningLines(report.scenario, report.warnings, report.replications)) process.stderr.write(`${l}\n`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.out) {
    try {
      writeFileSync(flags.out, json);
    } catch (err) {
      throw new UsageError(`--out ${flags.out}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (flags.json) process.stdout.write(json);
  else
    process.stdout.write(
      `${formatSummary(report)}\n${report.precision ? `\n${precisionLine(report.precision)}\n` : ''}${flags.out ? `\nreport written to ${flags.out}\n` : ''}`,
    );
  return 0;
}
