/** Time-weighted totals of a stage over an observation window: what the report's stage statistics need. */
export interface StageTotals {
  queueArea: number;
  busyArea: number;
  availableArea: number;
  maxQueue: number;
}

/**
 * Stage totals from periodic samples (the BullMQ runtime cannot see every queue change as the
 * embedded engine does): each sample's values are held until the next one.
 */
export class StageGauge implements StageTotals {
  queueArea = 0;
  busyArea = 0;
  availableArea = 0;
  maxQueue = 0;
  private last = NaN;
  private q = 0;
  private busy = 0;
  private cap = 0;

  constructor(private readonly from: number, private readonly to: number) {}

  sample(now: number, queued: number, busy: number, capacity: number): void {
    if (!Number.isNaN(this.last)) {
      const a = Math.max(this.last, this.from), b = Math.min(now, this.to);
      if (b > a) {
        const dt = b - a;
        this.queueArea += this.q * dt;
        this.busyArea += this.busy * dt;
        this.availableArea += Math.max(this.cap, this.busy) * dt;
      }
    }
    if (now >= this.from && now < this.to && queued > this.maxQueue) this.maxQueue = queued;
    this.last = now;
    this.q = queued;
    this.busy = busy;
    this.cap = capacity;
  }
}
