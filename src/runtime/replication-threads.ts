import { Worker } from 'node:worker_threads';
import type { Report } from '../stats/report.js';

/** From the pool to a thread. `source` travels the first time the thread is to hold scenario `key`. */
export interface PoolTask {
  id: number;
  key: number;
  source?: Record<string, unknown>;
  /** Scenarios the thread is to forget before this task (the pool keeps each thread's few). */
  evict?: number[];
  label: string;
  replication: number;
  timeline: boolean;
}

/** From a thread to the pool. */
export type PoolReply = { id: number; report: Report } | { id: number; error: string; stack?: string };

/** Scenarios a thread keeps loaded (with their firms): a long-lived pool serves many experiments. */
export const SCENARIOS_PER_THREAD = 4;

/** Threads that may die one after another, none answering between, before the pool gives up (a broken build, not a bad replication). */
const DEATHS_IN_A_ROW = 3;

/** Distinct scenario sources the pool remembers a key for. */
const KEYS_KEPT = 64;

const THREAD_ENTRY = new URL('../../dist/runtime/replication-thread.js', import.meta.url);

interface Pending {
  id: number;
  key: number;
  source: Record<string, unknown>;
  label: string;
  replication: number;
  timeline: boolean;
  resolve: (r: Report) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Scenario keys the thread holds, least recently used first. */
  loaded: number[];
  task: Pending | null;
}

/**
 * Worker threads that run replications on the embedded engine and stay up between them, `size`
 * at a time; tasks beyond that wait their turn in the order given. A replication is a pure
 * function of (scenario, seed, r), so the thread that runs it cannot change its report. A thread
 * keeps the scenarios it was last sent (SCENARIOS_PER_THREAD), loaded once each, and its
 * optimised code: a pool that lives across experiments (a `clearsim worker`'s) pays a thread's
 * start and its first, slower replication once, not once per experiment. A thread that dies
 * fails the replication it was running and is replaced.
 */
export class ReplicationThreads {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly keys = new Map<string, number>();
  private nextKey = 0;
  private nextId = 0;
  private closed = false;
  private deathsInARow = 0;
  /** Why the pool gave up on its threads (they died as they started), if it has. */
  private broken: Error | null = null;

  constructor(
    readonly size: number,
    /** The thread's script (tests give one that can be made to die). */
    private readonly entry: URL = THREAD_ENTRY,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Replications waiting for a thread or running on one. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.task !== null).length;
  }

  /** How many scenarios each thread holds loaded (at most SCENARIOS_PER_THREAD). */
  held(): number[] {
    return this.slots.map((s) => s.loaded.length);
  }

  /**
   * Replication `replication` of the scenario given by its source (as `loadScenarioObject` reads
   * it: validated and compiled in the thread). Rejects with the thread's message if it fails.
   */
  run(source: Record<string, unknown>, label: string, replication: number, timeline = false): Promise<Report> {
    if (this.closed) return Promise.reject(new Error('the replication threads are closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<Report>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, key: this.keyOf(source), source, label, replication, timeline, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; replications not finished are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new Error('the replication threads were closed before the replication finished');
    for (const p of this.queue.splice(0)) p.reject(gone);
    for (const s of this.slots) {
      s.task?.reject(gone);
      s.task = null;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** The same source text gets the same key: a thread that has it loaded is not sent it again. */
  private keyOf(source: Record<string, unknown>): number {
    const text = JSON.stringify(source);
    let key = this.keys.get(text);
    if (key === undefined) {
      key = this.nextKey++;
      if (this.keys.size >= KEYS_KEPT) this.keys.delete(this.keys.keys().next().value as string);
    } else this.keys.delete(text);
    this.keys.set(text, key); // most recently used last
    return key;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.entry), loaded: [], task: null };
    slot.worker.on('message', (m: PoolReply) => {
      const t = slot.task;
      if (t === null || m.id !== t.id) return;
      slot.task = null;
      this.deathsInARow = 0;
      if ('error' in m) {
        // the scenario may be what failed to load: send it again next time
        slot.loaded = slot.loaded.filter((k) => k !== t.key);
        t.reject(new Error(`replication ${t.replication} failed in its thread: ${m.error}`));
      } else t.resolve(m.report);
      this.dispatch();
    });
    // a thread that dies (out of memory, a crash) fails its replication, not the pool: a new one takes its place
    const died = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      const t = slot.task;
      slot.task = null;
      if (this.closed) return;
      void slot.worker.terminate();
      const err = new Error(`a replication thread ${why} before its work was done`);
      t?.reject(err);
      if (++this.deathsInARow >= DEATHS_IN_A_ROW) {
        // threads that die as they start would be started again for ever: fail what waits instead
        this.broken = err;
        this.slots.splice(i, 1);
        for (const p of this.queue.splice(0)) p.reject(err);
        return;
      }
      this.slots[i] = this.spawn();
      this.dispatch();
    };
    slot.worker.on('error', (err) => died(`failed (${err.message})`));
    slot.worker.on('exit', (code) => died(`exited (code ${code})`));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task !== null) continue;
      const p = this.queue.shift()!;
      const task: PoolTask = { id: p.id, key: p.key, label: p.label, replication: p.replication, timeline: p.timeline };
      const at = slot.loaded.indexOf(p.key);
      if (at >= 0) slot.loaded.splice(at, 1);
      else {
        task.source = p.source;
        if (slot.loaded.length >= SCENARIOS_PER_THREAD) task.evict = slot.loaded.splice(0, slot.loaded.length - SCENARIOS_PER_THREAD + 1);
      }
      slot.loaded.push(p.key);
      slot.task = p;
      slot.worker.postMessage(task);
    }
  }
}
