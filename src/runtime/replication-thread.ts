import { parentPort } from 'node:worker_threads';
import { loadScenarioObject } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { runReplication } from './run.js';
import type { PoolReply, PoolTask } from './replication-threads.js';

/**
 * A replication thread (ReplicationThreads): runs the replications it is sent, one at a time, on
 * the embedded engine, and answers with each one's report. A scenario travels as its
 * (overridden) source the first time and is loaded here once; later tasks name it by key, and
 * the pool says which ones to forget.
 */
const port = parentPort!;
const scenarios = new Map<number, Scenario>();

port.on('message', (task: PoolTask) => {
  try {
    for (const k of task.evict ?? []) scenarios.delete(k);
    if (task.source !== undefined) scenarios.set(task.key, loadScenarioObject(task.source, task.label));
    const s = scenarios.get(task.key);
    if (!s) throw new Error(`replication pool: scenario ${task.key} was never sent to this thread`);
    const { report } = runReplication(s, task.replication, undefined, task.timeline);
    port.postMessage({ id: task.id, report } satisfies PoolReply);
  } catch (err) {
    port.postMessage({ id: task.id, error: (err as Error).message, stack: (err as Error).stack } satisfies PoolReply);
  }
});
