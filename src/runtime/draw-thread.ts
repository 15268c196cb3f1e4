import { Worker } from 'node:worker_threads';
import { DrawnShipments } from '../model/drawn-shipments.js';
import type { IncomingShipments } from '../model/incoming-shipments.js';
import type { ShipmentPool } from '../model/shipment-pool.js';
import { packedDoubles, Shipment, type ShipmentModel } from '../model/shipment.js';
import type { ShipmentSource, ShipmentSourceFactory } from '../model/shipment-source.js';
import type { Scenario } from '../scenario/types.js';
import { RecordFlag, RingHeader, RingStatus, ShipmentRing } from './shipment-ring.js';

const THREAD_ENTRY = new URL('../../dist/runtime/draw-thread-worker.js', import.meta.url);

/**
 * Records in the ring (~10 MB for the bundled baseline). A run takes the shipments of its first
 * three weeks (the lookahead, ~26,000 in the baseline) in one burst, faster than the thread draws
 * them; a ring that holds them all lets the thread draw the next replication's burst while the
 * run simulates the last weeks of the one before (with 4,096: ~900 waits, ~0.1 s, in 8 of 120 days).
 */
const RING_RECORDS = 32_768;
/**
 * The reader frees slots after this many records, not after each: a writer woken for every few
 * records cost the reader a futex call each time (~7 us), 3% of a year of the baseline at 64.
 */
const RELEASE_EVERY = 1024;
/**
 * Records the thread must be ahead of a run before the run takes over from it, and that a run
 * that found none waits for: taking over, or waking, one record ahead of the writer would make
 * the run wait for every record after (measured: ~7,000 waits in a 28-day replication).
 */
const LEAD = 512;
/** A reader that waits this long for a record while the writer writes none draws the shipments itself. */
const STALL_MS = 1000;

/** One replication of one scenario, in the order the runs take their shipments. */
export interface DrawTask {
  scenario: Scenario;
  replication: number;
}

/** What a draw thread is given (workerData). */
export interface DrawThreadData {
  buffer: SharedArrayBuffer;
  capacity: number;
  stride: number;
  /** Scenario sources, each once. */
  sources: { source: Record<string, unknown>; label: string }[];
  tasks: { scenario: number; replication: number }[];
}

/**
 * A thread that draws the shipments of a sequence of replications ahead of the runs that take
 * them, so that a run spends its own thread on queues alone. The shipments of a replication depend
 * on its scenario, seed and number only, never on what happens to them, so the thread draws
 * exactly the shipments the run would have drawn (DrawnShipments, on a copy of the scenario
 * loaded from its source), and reports are bit for bit those without the thread. As for
 * replication threads, a scenario's `source` must load to the scenario itself: one changed after
 * loading would be drawn as its source says (the first arrival is checked, not the rest).
 *
 * It never holds a run up: a run draws its own shipments until the thread has caught up with it,
 * then takes the thread's, and goes back to drawing them itself (re-drawing those it took, to put
 * its streams where they would be) should the thread fail or stall. Runs must ask for their
 * sources in task order (`source(i)` before `source(i + 1)`).
 */
export class DrawThread {
  /** Shipments a run took from the thread, and drew itself (for tests and benchmarks). */
  taken = 0;
  drawn = 0;
  /** Times a run waited for the thread, and the milliseconds it waited in all. */
  waits = 0;
  waitedMs = 0;
  readonly ring: ShipmentRing;
  private readonly worker: Worker;
  /** Ring position of the next record to look at. */
  private at = 0;
  private sinceRelease = 0;
  private failed = false;
  private closed = false;

  constructor(
    readonly tasks: DrawTask[],
    entry: URL = THREAD_ENTRY,
  ) {
    const stride = Math.max(...tasks.map((t) => packedDoubles(t.scenario.stages.length)));
    this.ring = ShipmentRing.create(RING_RECORDS, stride);
    const scenarios: Scenario[] = [];
    for (const t of tasks) if (!scenarios.includes(t.scenario)) scenarios.push(t.scenario);
    const data: DrawThreadData = {
      buffer: this.ring.buffer,
      capacity: RING_RECORDS,
      stride,
      sources: scenarios.map((s) => ({ source: s.source, label: s.name })),
      tasks: tasks.map((t) => ({ scenario: scenarios.indexOf(t.scenario), replication: t.replication })),
    };
    this.worker = new Worker(entry, { workerData: data });
    // the thread's fate is read from the ring (Status); an error event must not take the process down
    this.worker.on('error', () => this.fail());
    this.worker.unref();
  }

  /** The shipments of task `task`, for its clearance process (ClearanceOptions.shipments). */
  source(task: number): ShipmentSourceFactory {
    return (model) => new ThreadShipments(this, task, this.tasks[task], model);
  }

  /** Stops the thread (at once: what it drew and nobody took is dropped). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const h = this.ring.header;
    Atomics.store(h, RingHeader.Closed, 1);
    Atomics.notify(h, RingHeader.Read);
    return this.worker.terminate().then(() => {});
  }

  /** No more records will be used: the runs draw their own shipments from now on. */
  fail(): void {
    if (this.failed) return;
    this.failed = true;
    void this.close();
  }

  get usable(): boolean {
    return !this.failed;
  }

  /** The thread is still writing records (not done, failed or stopped). */
  get writing(): boolean {
    return !this.failed && Atomics.load(this.ring.header, RingHeader.Status) === RingStatus.Running;
  }

  /** Records written so far, as a count relative to `pos` (how many are there to look at). */
  available(): number {
    return (Atomics.load(this.ring.header, RingHeader.Written) - this.at) | 0;
  }

  /** Ring position of the next record to look at. */
  get pos(): number {
    return this.at;
  }

  /** Done with the record at `pos`: moves on and, now and then, lets the writer reuse slots. */
  advance(): void {
    this.at = (this.at + 1) | 0;
    if (++this.sinceRelease >= RELEASE_EVERY) this.release();
  }

  /** Passes over the record at `pos` (one the run drew itself); call `release` after a run of them. */
  skip(): void {
    this.at = (this.at + 1) | 0;
  }

  release(): void {
    this.sinceRelease = 0;
    const h = this.ring.header;
    Atomics.store(h, RingHeader.Read, this.at);
    if (Atomics.load(h, RingHeader.WriterWaiting) !== 0) Atomics.notify(h, RingHeader.Read);
  }

  /**
   * Waits until the record at `pos` is written: false if the thread failed, stopped or wrote
   * nothing for STALL_MS (it is then given up).
   */
  waitForRecord(): boolean {
    const h = this.ring.header;
    this.waits++;
    const t0 = performance.now();
    let since = t0;
    let seen = Atomics.load(h, RingHeader.Written);
    this.release(); // a writer waiting for room must not wait for us
    Atomics.store(h, RingHeader.WaitFor, (this.at + LEAD) | 0);
    for (;;) {
      const written = Atomics.load(h, RingHeader.Written);
      const have = (written - this.at) | 0;
      const running = this.writing;
      const now = performance.now();
      // a batch, or what there is from a writer that is done or slow
      if (have >= LEAD || (have > 0 && (!running || now - t0 > 50))) {
        this.waitedMs += now - t0;
        return true;
      }
      if (!running) break;
      if (written !== seen) {
        seen = written;
        since = now;
      } else if (now - since > STALL_MS) break;
      // the writer wakes us once the batch is there (WaitFor)
      Atomics.store(h, RingHeader.Waiting, 1);
      Atomics.wait(h, RingHeader.Written, written, 50);
      Atomics.store(h, RingHeader.Waiting, 0);
    }
    // done writing (status Done) yet not this record: the tasks were asked for out of order
    this.fail();
    return false;
  }

  /** Whether every record of `task` from `pos` on is written (its end record, or a later task's, is there). */
  hasRestOf(task: number): boolean {
    const n = this.available();
    if (n <= 0) return false;
    const last = (this.at + n - 1) | 0;
    return this.ring.task(last) !== task || (this.ring.flags(last) & RecordFlag.End) !== 0;
  }
}

/**
 * One task's shipments for its clearance process: drawn here (DrawnShipments) until the thread
 * is LEAD records ahead of the shipment due next (or has written the rest of the task), then
 * read from the thread's ring; drawn here again, from where the streams would stand, if the
 * thread fails or stalls.
 */
class ThreadShipments implements ShipmentSource {
  nextArrival: number;
  private readonly local: DrawnShipments;
  /** Shipments taken so far (the index of the next one in the task). */
  private index = 0;
  /** The index at which the ring took over from the local draws (-1: not yet). */
  private from = -1;

  constructor(
    private readonly thread: DrawThread,
    private readonly task: number,
    t: DrawTask,
    private readonly model: ShipmentModel,
  ) {
    this.local = new DrawnShipments(t.scenario, model, t.replication);
    this.nextArrival = this.local.nextArrival;
    this.catchUp();
  }

  take(sh: Shipment, id: number): boolean {
    if (this.from < 0) return this.drew(this.local.take(sh, id));
    const th = this.thread;
    const kept = (th.ring.flags(th.pos) & RecordFlag.Kept) !== 0;
    if (kept) {
      th.ring.read(th.pos, sh, this.model);
      sh.id = id;
    }
    this.took();
    return kept;
  }

  takeAhead(incoming: IncomingShipments, pool: ShipmentPool, id: number): number {
    if (this.from < 0) {
      const n = this.local.takeAhead(incoming, pool, id);
      this.drew(n >= 0);
      return n;
    }
    const th = this.thread;
    const n = (th.ring.flags(th.pos) & RecordFlag.Kept) !== 0 ? th.ring.moveTo(th.pos, incoming, this.model) : -1;
    this.took();
    return n;
  }

  private drew(kept: boolean): boolean {
    this.index++;
    this.thread.drawn++;
    this.nextArrival = this.local.nextArrival;
    this.catchUp();
    return kept;
  }

  /** Done with the ring's record of the shipment just taken: the next one's arrival is the next record's. */
  private took(): void {
    const th = this.thread;
    th.advance();
    th.taken++;
    this.index++;
    if (th.available() > 0 || th.waitForRecord()) this.nextArrival = th.ring.arrival(th.pos);
    else this.drawHere();
  }

  /**
   * In local mode: skips the records the run has drawn itself (and those of earlier tasks); takes
   * over from the ring once it holds LEAD records from the next shipment on, or the rest of the task.
   */
  private catchUp(): void {
    const th = this.thread;
    if (!th.usable) return;
    const ring = th.ring;
    let skipped = false;
    for (let n = th.available(); n > 0; n--) {
      const task = ring.task(th.pos);
      const index = ring.index(th.pos);
      if (task < this.task || (task === this.task && index < this.index)) {
        th.skip();
        skipped = true;
        continue;
      }
      if (task === this.task && index === this.index && (n >= LEAD || th.hasRestOf(task))) {
        // the thread draws what this run would: a different arrival is a bug, not a race
        if (ring.arrival(th.pos) !== this.nextArrival)
          throw new Error(`draw thread: shipment ${index} of task ${task} arrives at ${ring.arrival(th.pos)}, not ${this.nextArrival}`);
        this.from = this.index;
      }
      break;
    }
    if (skipped) th.release();
  }

  /** The thread is gone: re-draws the shipments taken from it, so the local streams stand where they would, and draws from now on. */
  private drawHere(): void {
    const scratch = new Shipment(this.model.scenario.stages.length);
    for (let k = this.from; k < this.index; k++) this.local.take(scratch, 0);
    this.from = -1;
    this.nextArrival = this.local.nextArrival;
  }
}
