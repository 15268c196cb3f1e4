import Denque from 'denque';

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
 * The resource integrates its own queue length, busy servers and available servers over an
 * observation window, so its statistics cost O(1) memory whatever the run length.
 */
export class Resource<T extends Queued> {
  capacity: number;
  busy = 0;
  queued = 0;
  priority = false;

  private readonly queues: Denque<T>[];
  private seq = 0;

  // time-weighted statistics
  private last: number;
  queueArea = 0;
  busyArea = 0;
  availableArea = 0;
  maxQueue = 0;
  /** Queue area over the whole run (Little's law holds exactly over it once the run drains). */
  totalQueueArea = 0;

  constructor(
    readonly name: string,
    classes: number,
    capacity: number,
    /** Observation window [from, to) in hours. */
    private readonly from: number,
    private readonly to: number,
    start: number,
  ) {
    this.capacity = capacity;
    this.queues = Array.from({ length: classes }, () => new Denque<T>());
    this.last = start;
  }

  /** Accumulates areas up to `now`; called before any state change. */
  advance(now: number): void {
    const last = this.last;
    if (now <= last) return;
    this.totalQueueArea += this.queued * (now - last);
    const a = last > this.from ? last : this.from;
    const b = now < this.to ? now : this.to;
    if (b > a) {
      const dt = b - a;
      this.queueArea += this.queued * dt;
      this.busyArea += this.busy * dt;
      this.availableArea += (this.capacity > this.busy ? this.capacity : this.busy) * dt;
      if (this.queued > this.maxQueue) this.maxQueue = this.queued;
    }
    this.last = now;
  }

  get hasFreeServer(): boolean {
    return this.busy < this.capacity;
  }

  enqueue(item: T, cls: number, now: number): void {
    this.advance(now);
    item.queueSeq = this.seq++;
    this.queues[cls].push(item);
    this.queued++;
    if (this.queued > this.maxQueue && now >= this.from && now < this.to) this.maxQueue = this.queued;
  }

  /** Takes the next item to serve, or undefined if the queue is empty. Does not start service. */
  dequeue(now: number): T | undefined {
    if (this.queued === 0) return undefined;
    const qs = this.queues;
    let pick = -1;
    if (this.priority) {
      for (let c = 0; c < qs.length; c++) if (qs[c].length > 0) { pick = c; break; }
    } else {
      let best = Infinity;
      for (let c = 0; c < qs.length; c++) {
        const head = qs[c].peekFront();
        if (head !== undefined && head.queueSeq < best) { best = head.queueSeq; pick = c; }
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
