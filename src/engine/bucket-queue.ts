import { grown } from './grown.js';

/**
 * Events due within a bounded span ahead of the clock, in (time, order) order, kept beside the
 * calendar: a calendar queue (R. Brown, 1988). Time is cut into buckets of fixed width; an event
 * goes to its bucket's list in O(1), unsorted, and a bucket is sorted only when it comes up, so
 * each event costs a few comparisons instead of a sift through a heap of all of them.
 *
 * Why: in a year of the district ~20,000 events are pending at any time, and ~19,000 of them are
 * declarations lodged before arrival, each due up to the pre-lodging lookahead (22 days) ahead.
 * On the calendar they made its heap seven levels deep for every service end too; here they
 * leave it ~800 events deep.
 *
 * An event carries its time, its scheduling order (a number from the calendar's sequence, so the
 * driver merges the two exactly as one calendar: ties in time go in the order scheduled) and an
 * int32 argument. The caller keeps every event inside the span: due no earlier than its clock
 * and no later than `span` hours after it (the buckets then cover every pending event once).
 */
export class BucketQueue {
  /** The earliest event: its time (Infinity when none), order and argument. */
  headTime = Infinity;
  headSeq = Infinity;
  headArg = 0;
  size = 0;
  /** Hours ahead an event may be due. */
  readonly span: number;
  /** Hours per bucket, and the buckets (a power of two, covering twice the span). */
  private readonly width: number;
  private readonly mask: number;
  /** First entry of each bucket's list (-1: empty). */
  private readonly heads: Int32Array;
  /** Entries: a pool, linked into bucket lists (and the free list) through `links`. */
  private times: Float64Array;
  private seqs: Float64Array;
  private args: Int32Array;
  private links: Int32Array;
  private free = -1;
  private used = 0;
  /**
   * The bucket being served (its absolute number, floor(time / width)) and its entries, sorted,
   * in run[at..end). While any event is pending the run holds at least one and every other
   * pending event is in a later bucket.
   */
  private current = 0;
  private run: Int32Array;
  private at = 0;
  private end = 0;
  private readonly order = (a: number, b: number): number => this.times[a] - this.times[b] || this.seqs[a] - this.seqs[b];

  /** `span`: hours ahead an event may be due; `buckets`: how finely to cut it (more for denser events). */
  constructor(span: number, buckets = 4096, capacity = 1024) {
    this.span = span > 0 ? span : 1;
    this.width = this.span / buckets;
    let n = 1;
    while (n < 2 * buckets + 2) n *= 2;
    this.mask = n - 1;
    this.heads = new Int32Array(n).fill(-1);
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.args = new Int32Array(capacity);
    this.links = new Int32Array(capacity);
    this.run = new Int32Array(64);
  }

  push(time: number, seq: number, arg: number): void {
    const e = this.entry();
    this.times[e] = time;
    this.seqs[e] = seq;
    this.args[e] = arg;
    const b = Math.floor(time / this.width);
    if (this.size++ === 0) {
      this.link(e, b);
      this.serve(b);
    } else if (b === this.current) this.insert(e);
    else if (b > this.current) this.link(e, b);
    else {
      // earlier than the bucket being served: that bucket's entries go back to its list
      for (let i = this.at; i < this.end; i++) this.link(this.run[i], this.current);
      this.link(e, b);
      this.serve(b);
    }
  }

  /** Removes the earliest event (the queue must not be empty). */
  shift(): void {
    const e = this.run[this.at++];
    this.links[e] = this.free;
    this.free = e;
    if (--this.size === 0) {
      this.at = this.end = 0;
      this.headTime = Infinity;
      this.headSeq = Infinity;
      return;
    }
    if (this.at < this.end) this.head();
    else {
      let b = this.current + 1;
      while (this.heads[b & this.mask] === -1) b++;
      this.serve(b);
    }
  }

  private head(): void {
    const e = this.run[this.at];
    this.headTime = this.times[e];
    this.headSeq = this.seqs[e];
    this.headArg = this.args[e];
  }

  private link(e: number, b: number): void {
    const k = b & this.mask;
    this.links[e] = this.heads[k];
    this.heads[k] = e;
  }

  /** Makes bucket `b` the one served: its list, sorted, becomes the run. */
  private serve(b: number): void {
    const k = b & this.mask;
    let n = 0;
    for (let e = this.heads[k]; e !== -1; e = this.links[e]) n++;
    if (n > this.run.length) this.run = new Int32Array(2 * n);
    const run = this.run;
    let i = 0;
    for (let e = this.heads[k]; e !== -1; e = this.links[e]) run[i++] = e;
    this.heads[k] = -1;
    this.current = b;
    this.at = 0;
    this.end = n;
    if (n <= 24) {
      const times = this.times,
        seqs = this.seqs;
      for (let j = 1; j < n; j++) {
        const e = run[j],
          t = times[e],
          s = seqs[e];
        let h = j - 1;
        while (h >= 0 && (times[run[h]] > t || (times[run[h]] === t && seqs[run[h]] > s))) {
          run[h + 1] = run[h];
          h--;
        }
        run[h + 1] = e;
      }
    } else run.subarray(0, n).sort(this.order);
    this.head();
  }

  /** Puts entry `e` of the bucket being served into its place in the run. */
  private insert(e: number): void {
    if (this.end === this.run.length) {
      const r = new Int32Array(2 * this.run.length);
      r.set(this.run);
      this.run = r;
    }
    const run = this.run,
      times = this.times,
      seqs = this.seqs,
      t = times[e],
      s = seqs[e];
    let h = this.end - 1;
    while (h >= this.at && (times[run[h]] > t || (times[run[h]] === t && seqs[run[h]] > s))) {
      run[h + 1] = run[h];
      h--;
    }
    run[h + 1] = e;
    this.end++;
    if (h + 1 === this.at) this.head();
  }

  private entry(): number {
    if (this.free !== -1) {
      const e = this.free;
      this.free = this.links[e];
      return e;
    }
    if (this.used === this.times.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const cap = 2 * this.times.length;
    this.times = grown(this.times, cap);
    this.seqs = grown(this.seqs, cap);
    this.args = grown(this.args, cap);
    this.links = grown(this.links, cap);
  }
}
