import { parentPort, workerData } from 'node:worker_threads';
import { ClearsimError } from '../errors.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { loadScenarioObject } from '../scenario/load.js';
import { runEmbedded } from './run.js';
import type { ThreadMessage, ThreadRequest, ThreadRunData } from './threaded-run.js';

/**
 * A worker thread's entry: one embedded run off the caller's event loop (the API server's), so a
 * long or heavy run never stalls the server, and the thread's memory limit bounds it. Talks to
 * threaded-run.ts by messages only.
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

let lastProgress = 0;
try {
  const s = loadScenarioObject(data.source, data.label);
  const report = await runEmbedded(s, {
    timeScale: data.timeScale,
    signal: cancel.signal,
    observer: metrics?.bind(s),
    onProgress: (x) => {
      // a few messages a second at most, whatever the slice rate
      const now = Date.now();
      if (now - lastProgress >= 100) {
        lastProgress = now;
        post({ type: 'progress', done: x });
      }
    },
  });
  post({ type: 'done', report, metrics: metrics ? await metrics.registry.getMetricsAsJSON() : null });
} catch (err) {
  const e = err as Error;
  post({ type: 'failed', key: err instanceof ClearsimError ? err.key : null, message: e.message, stack: e.stack });
}
