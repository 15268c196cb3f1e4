import { grown } from './grown.js';

/**
 * The event calendar: a min-heap on (time, insertion order). Events are (kind, ref, arg) triples
 * that the runtime dispatches with a switch; ties in time are served in the order they were
 * scheduled, which is what makes a run reproducible bit for bit.
 *
 * Layout, for speed (the heap is the event loop's hot path, and a year of the district keeps
 * ~20,000 events pending): the heap itself is two parallel typed arrays, the time and a slot
 * number; the event's kind, arg, ref and sequence number sit in that slot and never move. A sift
 * therefore moves 12 bytes instead of 32. The heap is 4-ary: half the depth of a binary heap, and
 * a node's four children are adjacent in memory. Scheduling allocates nothing once the arrays
 * have grown to the run's peak.
 */
export class Calendar<R = unknown> {
  /**
   * Simulated time now. Its first value is a fraction (NaN) on purpose: the field then holds
   * doubles from the start, where a small integer first would change the object's hidden class at
   * the first fractional time, and every calendar made after that (the next replication's) would
   * throw away the optimised event loop built for the first one (~30 functions recompiled).
   */
  now = Number.NaN;
  /** The event last popped. */
  kind = 0;
  ref: R | null = null;
  arg = 0;
  /** Events popped so far. */
  popped = 0;

  /** Heap order: time and slot of each pending event. */
  private times: Float64Array;
  private slots: Int32Array;
  /** By slot. */
  private seqs: Float64Array;
  private kinds: Int32Array;
  private args: Int32Array;
  private refs: (R | null)[];
  /** Free slots (a stack). */
  private free: Int32Array;
  private freeCount: number;
  private n = 0;
  private seq = 0;

  constructor(capacity = 1024, start = 0) {
    this.now = start;
    this.times = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.kinds = new Int32Array(capacity);
    this.args = new Int32Array(capacity);
    this.refs = new Array(capacity).fill(null);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeCount = capacity;
  }

  get size(): number {
    return this.n;
  }

  /** Time of the next event (Infinity if none). */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Scheduling order of the next event (Infinity if none): breaks a tie with an event kept outside the calendar. */
  peekSeq(): number {
    return this.n > 0 ? this.seqs[this.slots[0]] : Infinity;
  }

  /**
   * Takes the next number in scheduling order without putting an event on the calendar: for a
   * driver that keeps an event stream of its own beside the calendar (the next arrival) and merges
   * the two by (time, order), exactly as if that event were on it.
   */
  takeSeq(): number {
    return this.seq++;
  }

  schedule(time: number, kind: number, ref: R | null, arg = 0): void {
    if (this.n === this.times.length) this.grow();
    const slot = this.free[--this.freeCount];
    const seq = this.seq++;
    this.seqs[slot] = seq;
    this.kinds[slot] = kind;
    this.args[slot] = arg;
    this.refs[slot] = ref;
    // sift up from the new leaf, moving parents down instead of swapping
    const times = this.times,
      slots = this.slots;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p];
      // the new event is the latest scheduled: on a tie in time the parent stays first
      if (pt <= time) break;
      times[i] = pt;
      slots[i] = slots[p];
      i = p;
    }
    times[i] = time;
    slots[i] = slot;
  }

  /** Removes the earliest event, advances `now` to it and exposes it as kind/ref/arg. False if empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const times = this.times,
      slots = this.slots,
      seqs = this.seqs;
    const top = slots[0];
    this.now = times[0];
    this.kind = this.kinds[top];
    this.ref = this.refs[top];
    this.arg = this.args[top];
    this.refs[top] = null;
    this.free[this.freeCount++] = top;
    this.popped++;
    const last = --this.n;
    if (last > 0) {
      // sift the last leaf down from the root
      const t = times[last],
        sl = slots[last],
        s = seqs[sl];
      let i = 0;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= last) break;
        // the earliest of up to four children
        let c = first;
        let ct = times[first];
        const end = first + 4 < last ? first + 4 : last;
        for (let k = first + 1; k < end; k++) {
          const kt = times[k];
          if (kt < ct || (kt === ct && seqs[slots[k]] < seqs[slots[c]])) {
            c = k;
            ct = kt;
          }
        }
        if (t < ct || (t === ct && s < seqs[slots[c]])) break;
        times[i] = ct;
        slots[i] = slots[c];
        i = c;
      }
      times[i] = t;
      slots[i] = sl;
    }
    return true;
  }

  private grow(): void {
    const old = this.times.length;
    const cap = old * 2;
    this.times = grown(this.times, cap);
    this.slots = grown(this.slots, cap);
    this.seqs = grown(this.seqs, cap);
    this.kinds = grown(this.kinds, cap);
    this.args = grown(this.args, cap);
    const r: (R | null)[] = new Array(cap).fill(null);
    for (let i = 0; i < old; i++) r[i] = this.refs[i];
    this.refs = r;
    // every slot was taken (the heap was full): the new ones are free
    this.free = new Int32Array(cap);
    for (let i = 0; i < old; i++) this.free[i] = cap - 1 - i;
    this.freeCount = old;
  }
}
