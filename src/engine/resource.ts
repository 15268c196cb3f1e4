import Denque from 'denque';
import type { StageIntegrator } from '../stats/stage-integrator.js';

/** What a resource queues: anything that remembers when it joined (for FIFO across classes). */
export interface Queued {
  queueSeq: number;
}

/**
 * A stage's servers: `capacity` identical servers (Infinity for a pure delay), one FIFO queue per
 * priority class, non-preemptive service. With `priority` on, the highest class (0) is served
 * first; with it off, the earliest arrival across classes. Keeping a queue per class means priority
 * can switch on and off mid-run without reordering anything.
 *
 * Every change first integrates the levels that held until then into the stage's totals, so its
 * statistics are exact and cost O(1) memory whatever the run length.
 */
export class Resource<T extends Queued> {
  capacity: number;
  busy = 0;
  queued = 0;
  priority = false;
  /** Time-weighted queue, busy and available servers over the observation window. */
  readonly totals: StageIntegrator;

  private readonly queues: Denque<T>[];
  private seq = 0;

  constructor(
    readonly name: string,
    classes: number,
    capacity: number,
    totals: StageIntegrator,
  ) {
    this.capacity = capacity;
    this.queues = Array.from({ length: classes }, () => new Denque<T>());
    this.totals = totals;
  }

  /** Accumulates areas up to `now`; called before any state change. */
  advance(now: number): void {
    this.totals.advance(now, this.queued, this.busy, this.capacity);
  }

  get hasFreeServer(): boolean {
    return this.busy < this.capacity;
  }

  enqueue(item: T, cls: number, now: number): void {
    this.advance(now);
    item.queueSeq = this.seq++;
    this.queues[cls].push(item);
    this.queued++;
    this.totals.noteQueue(now, this.queued);
  }

  /** Takes the next item to serve, or undefined if the queue is empty. Does not start service. */
  dequeue(now: number): T | undefined {
    if (this.queued === 0) return undefined;
    const qs = this.queues;
    let pick = -1;
    if (this.priority) {
      for (let c = 0; c < qs.length; c++)
        if (qs[c].length > 0) {
          pick = c;
          break;
        }
    } else {
      let best = Infinity;
      for (let c = 0; c < qs.length; c++) {
        const head = qs[c].peekFront();
        if (head !== undefined && head.queueSeq < best) {
          best = head.queueSeq;
          pick = c;
        }
      }
    }
    this.advance(now);
    this.queued--;
    return qs[pick].shift();
  }

  startService(now: number): void {
    this.advance(now);
    this.busy++;
  }

  endService(now: number): void {
    this.advance(now);
    this.busy--;
  }

  setCapacity(capacity: number, now: number): void {
    this.advance(now);
    this.capacity = capacity;
  }
}
