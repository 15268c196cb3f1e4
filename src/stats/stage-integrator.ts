/** Time-weighted totals of a stage over an observation window: what the report's stage statistics need. */
export interface StageTotals {
  queueArea: number;
  busyArea: number;
  availableArea: number;
  maxQueue: number;
  /** Queue area over the whole run, window or not (Little's law holds exactly over it once the run drains). */
  totalQueueArea: number;
}

/**
 * The one integrator of a stage's queue length, busy servers and available servers over the
 * observation window [from, to), in O(1) memory whatever the run length. A driver that sees every
 * change (the embedded engine) integrates the levels as they change (`advance`); a driver that
 * learns of a visit only when the shipment is released (BullMQ, whose queues live in Redis) adds
 * each visit's wait and service intervals (`addVisit`) and integrates only the servers it sets.
 * Both give the same areas for the same visits: the area under the queue length is the sum of the
 * waits, and under the busy servers the sum of the services, each clipped to the window.
 */
export class StageIntegrator implements StageTotals {
  queueArea = 0;
  busyArea = 0;
  availableArea = 0;
  maxQueue = 0;
  totalQueueArea = 0;
  private last: number;

  constructor(
    private readonly from: number,
    private readonly to: number,
    start: number,
  ) {
    this.last = start;
  }

  /** Integrates the levels that held since the last call up to `now`; call before any change. */
  advance(now: number, queued: number, busy: number, capacity: number): void {
    const last = this.last;
    if (now <= last) return;
    this.totalQueueArea += queued * (now - last);
    const a = last > this.from ? last : this.from;
    const b = now < this.to ? now : this.to;
    if (b > a) {
      const dt = b - a;
      this.queueArea += queued * dt;
      this.busyArea += busy * dt;
      this.availableArea += (capacity > busy ? capacity : busy) * dt;
      if (queued > this.maxQueue) this.maxQueue = queued;
    }
    this.last = now;
  }

  /** A queue length seen at `now`: the maximum counts inside the window only. */
  noteQueue(now: number, queued: number): void {
    if (queued > this.maxQueue && now >= this.from && now < this.to) this.maxQueue = queued;
  }

  /** A visit learned after the fact: waiting over [enqueued, start), served over [start, end). */
  addVisit(enqueued: number, start: number, end: number): void {
    this.totalQueueArea += start - enqueued;
    this.queueArea += this.clipped(enqueued, start);
    this.busyArea += this.clipped(start, end);
  }

  private clipped(a: number, b: number): number {
    const lo = a > this.from ? a : this.from;
    const hi = b < this.to ? b : this.to;
    return hi > lo ? hi - lo : 0;
  }
}
