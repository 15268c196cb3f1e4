import { LogHistogram } from './histogram.js';

/**
 * A streaming summary of a quantity in hours: exact count and mean (Welford), percentiles from a
 * log-linear histogram (0.4% relative precision). Memory is bounded by the histogram, never by the number recorded.
 */
export class Summary {
  count = 0;
  mean = 0;
  private m2 = 0;
  max = 0;
  private readonly hist = new LogHistogram();

  record(hours: number): void {
    const n = ++this.count;
    const d = hours - this.mean;
    this.mean += d / n;
    this.m2 += d * (hours - this.mean);
    if (hours > this.max) this.max = hours;
    this.hist.record(hours);
  }

  get variance(): number {
    return this.count > 1 ? this.m2 / (this.count - 1) : 0;
  }

  percentile(p: number): number {
    return this.hist.percentile(p);
  }

  /** Merges another summary into this one (Chan's parallel update for the moments). */
  add(o: Summary): void {
    if (o.count === 0) return;
    const n = this.count + o.count;
    const d = o.mean - this.mean;
    this.m2 += o.m2 + (d * d * this.count * o.count) / n;
    this.mean += (d * o.count) / n;
    this.count = n;
    if (o.max > this.max) this.max = o.max;
    this.hist.add(o.hist);
  }
}

/** Counts of a quantity at or below fixed thresholds, for "released within N hours". */
export class Within {
  readonly counts: number[];
  total = 0;
  constructor(readonly thresholds: number[]) {
    this.counts = thresholds.map(() => 0);
  }
  record(h: number): void {
    this.total++;
    const t = this.thresholds;
    for (let i = 0; i < t.length; i++) if (h <= t[i]) this.counts[i]++;
  }
  add(o: Within): void {
    this.total += o.total;
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += o.counts[i];
  }
  shares(): Record<string, number> {
    const out: Record<string, number> = {};
    this.thresholds.forEach((t, i) => {
      out[`${t}h`] = this.total ? this.counts[i] / this.total : 0;
    });
    return out;
  }
}
