/**
 * The event calendar: a binary min-heap on (time, insertion order), kept in parallel typed arrays
 * so that scheduling an event allocates nothing. Events are (kind, ref, arg) triples that the
 * runtime dispatches with a switch; ties in time are served in the order they were scheduled,
 * which is what makes a run reproducible bit for bit.
 */
export class Calendar<R = unknown> {
  now = 0;
  /** The event last popped. */
  kind = 0;
  ref: R | null = null;
  arg = 0;
  /** Events popped so far. */
  popped = 0;

  private times: Float64Array;
  private seqs: Float64Array;
  private kinds: Int32Array;
  private args: Int32Array;
  private refs: (R | null)[];
  private n = 0;
  private seq = 0;

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.kinds = new Int32Array(capacity);
    this.args = new Int32Array(capacity);
    this.refs = new Array(capacity).fill(null);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the next event (Infinity if none). */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  schedule(time: number, kind: number, ref: R | null, arg = 0): void {
    if (this.n === this.times.length) this.grow();
    // sift up from the new leaf, moving parents down instead of swapping
    let i = this.n++;
    const seq = this.seq++;
    const times = this.times,
      seqs = this.seqs;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      this.move(p, i);
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    this.kinds[i] = kind;
    this.args[i] = arg;
    this.refs[i] = ref;
  }

  /** Removes the earliest event, advances `now` to it and exposes it as kind/ref/arg. False if empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    this.now = this.times[0];
    this.kind = this.kinds[0];
    this.ref = this.refs[0];
    this.arg = this.args[0];
    this.popped++;
    const last = --this.n;
    if (last > 0) {
      const times = this.times,
        seqs = this.seqs;
      const t = times[last],
        s = seqs[last],
        k = this.kinds[last],
        a = this.args[last],
        r = this.refs[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= last) break;
        const c2 = c + 1;
        if (c2 < last && (times[c2] < times[c] || (times[c2] === times[c] && seqs[c2] < seqs[c]))) c = c2;
        if (t < times[c] || (t === times[c] && s < seqs[c])) break;
        this.move(c, i);
        i = c;
      }
      times[i] = t;
      seqs[i] = s;
      this.kinds[i] = k;
      this.args[i] = a;
      this.refs[i] = r;
    }
    this.refs[last] = null;
    return true;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.kinds[to] = this.kinds[from];
    this.args[to] = this.args[from];
    this.refs[to] = this.refs[from];
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    this.times = t;
    const s = new Float64Array(cap);
    s.set(this.seqs);
    this.seqs = s;
    const k = new Int32Array(cap);
    k.set(this.kinds);
    this.kinds = k;
    const a = new Int32Array(cap);
    a.set(this.args);
    this.args = a;
    const r: (R | null)[] = new Array(cap).fill(null);
    for (let i = 0; i < this.n; i++) r[i] = this.refs[i];
    this.refs = r;
  }
}
