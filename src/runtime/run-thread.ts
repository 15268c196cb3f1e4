import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ClearsimError } from '../errors.js';
import { compare } from '../experiments/compare.js';
import { optimize, parseVary, type Optimization } from '../experiments/optimize.js';
import { replicateAll } from '../experiments/replicate.js';
import { probeReport } from '../experiments/report-probe.js';
import { parseTarget } from '../experiments/target.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { combineObservers } from '../model/run-observer.js';
import { loadScenarioObject } from '../scenario/load.js';
import { mergeReplications } from '../stats/replications.js';
import { publicReport } from '../stats/report.js';
import { FlowRecorder } from './flow-recorder.js';
import { runEmbedded, runOneReplication } from './run.js';
import { TraceWriter } from '../trace/trace-writer.js';
import type { ThreadJob, ThreadMessage, ThreadRequest, ThreadRunData, ThreadScenario } from './threaded-run.js';

/**
 * A worker thread's entry: one embedded run, comparison, sweep or optimisation off the caller's event loop (the
 * API server's), so a long or heavy job never stalls the server, and the thread's memory limit
 * bounds it. Talks to threaded-run.ts by messages only.
 */
const data = workerData as ThreadRunData;
const port = parentPort!;
const post = (m: ThreadMessage) => port.postMessage(m);
const cancel = new AbortController();
// its own registry: the caller merges it into its /metrics on each scrape
const metrics = data.metrics ? new SimMetrics({ defaultMetrics: false }) : null;

port.on('message', (m: ThreadRequest) => {
  if (m.type === 'cancel') cancel.abort();
  else if (m.type === 'metrics') void metrics?.registry.getMetricsAsJSON().then((json) => post({ type: 'metrics', id: m.id, json }));
});

/** A few messages a second at most, whatever the slice rate. */
function every(ms: number, f: () => void): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      f();
    }
  };
}

const load = (s: ThreadScenario) => loadScenarioObject(s.source, s.label);

async function main(): Promise<Extract<ThreadMessage, { type: 'done' }>> {
  const job = data.job;
  const done = async () => (metrics ? await metrics.registry.getMetricsAsJSON() : null);
  if (job.kind === 'run') {
    const s = load(job);
    const flow = data.flow ? new FlowRecorder(s) : null;
    let progress = 0;
    const report = progressFn(() => progress);
    const sendFlow = every(250, () => {
      if (flow) post({ type: 'flow', snapshot: flow.snapshot() });
    });
    const result = await runEmbedded(s, {
      timeScale: data.timeScale,
      // the stages sampled over simulated time, for the HTML report's timeline charts
      timeline: data.flow,
      signal: cancel.signal,
      observer: combineObservers([metrics?.bind(s, 'all', data.runLabel), flow]),
      onReplication: flow ? (r) => flow.startReplication(r) : undefined,
      onProgress: (x) => {
        progress = x;
        if (flow) flow.progress = x;
        report();
        sendFlow();
      },
    });
    if (flow) {
      flow.progress = 1;
      post({ type: 'flow', snapshot: flow.snapshot() });
    }
    return { type: 'done', report: result, timeline: flow?.timeline(), metrics: await done() };
  }
  if (job.kind === 'trace') {
    const s = load(job);
    const tw = new TraceWriter(job.file, s);
    tw.startReplication(0);
    try {
      await runOneReplication(s, 0, { observer: tw, signal: cancel.signal, flush: () => tw.flush() });
    } finally {
      await tw.close();
    }
    return { type: 'done', rows: tw.rows, metrics: null };
  }
  if (job.kind === 'probe') return { type: 'done', report: probeReport(load(job)), metrics: null };
  if (job.kind === 'optimize') return { type: 'done', optimization: await optimizeJob(job), metrics: null };
  // experiments: replications one after another, progress by replications done
  let finished = 0;
  let total = 1;
  const report = progressFn(() => finished / total);
  const onDone = () => {
    finished++;
    report();
    if (cancel.signal.aborted) throw new ClearsimError('RUN_CANCELLED', 'cancelled');
  };
  if (job.kind === 'compare') {
    total = 2 * job.replications;
    const { reports: _r, ...c } = await compare(load(job.a), load(job.b), job.replications, onDone);
    return { type: 'done', comparison: c, metrics: await done() };
  }
  const scenarios = job.points.map((p) => load(p.scenario));
  total = scenarios.length * job.replications;
  const all = await replicateAll(
    scenarios.map((scenario) => ({ scenario, replications: job.replications })),
    onDone,
  );
  const points = job.points.map((p, i) => ({ params: p.params, report: publicReport(mergeReplications(all[i], scenarios[i])) }));
  return {
    type: 'done',
    sweep: { scenario: job.scenario, replications: job.replications, params: job.params, points },
    metrics: await done(),
  };
}

/** `clearsim optimize` on the job's scenario, progress as the CLI's bar shows it. */
async function optimizeJob(job: Extract<ThreadJob, { kind: 'optimize' }>): Promise<Optimization> {
  const params = job.vary.map((v) => parseVary(v, job.steps));
  const targets = job.target.map(parseTarget);
  // optimize() reads its candidates from a file, as the CLI gives it: the overridden source, as JSON (which YAML reads)
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-optimize-thread-'));
  const file = join(dir, 'scenario.json');
  // the search's length is not known ahead: progress creeps towards the end, candidate by candidate (as the CLI's bar)
  const guess = Math.max(2, params.reduce((a, p) => a + Math.ceil(Math.log2(p.ladder.length)) + 1, 0) * params.length);
  let candidates = 0;
  const report = progressFn(() => Math.min(0.99, candidates / guess));
  try {
    writeFileSync(file, JSON.stringify(job.scenario.source));
    return await optimize(file, params, targets, {
      confidence: job.confidence,
      replications: job.replications,
      maxReplications: job.maxReplications,
      maxEvents: job.maxEvents,
      onProgress: (n) => {
        candidates = n;
        report();
        if (cancel.signal.aborted) throw new ClearsimError('RUN_CANCELLED', 'cancelled');
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function progressFn(get: () => number): () => void {
  return every(100, () => post({ type: 'progress', done: get() }));
}

try {
  post(await main());
} catch (err) {
  const e = err as Error;
  post({ type: 'failed', key: err instanceof ClearsimError ? err.key : null, message: e.message, stack: e.stack });
}
