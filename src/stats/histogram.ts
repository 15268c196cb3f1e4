/**
 * A log-linear histogram of non-negative doubles with fixed relative precision, in the manner of
 * HdrHistogram but indexed straight from the IEEE-754 bits (exponent and the top mantissa bits),
 * so recording is a few integer operations and never allocates. We measured the hdr-histogram-js
 * package at a quarter of the event loop's time; this keeps percentiles off the hot path.
 *
 * Values below MIN (≈ 0.0036 s in hours) are counted as zero; clearance of pre-cleared shipments
 * is exactly 0 and must stay distinguishable, which the zero bucket does.
 */
const MANTISSA_BITS = 8; // relative bucket width 2^-8 ≈ 0.4%
const MIN_EXP = 1023 - 20; // 2^-20 h ≈ 3.4 ms
const MAX_EXP = 1023 + 20; // 2^20 h ≈ 120 years
const BUCKETS = (MAX_EXP - MIN_EXP + 1) << MANTISSA_BITS;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word is [1]

export class LogHistogram {
  private counts: Uint32Array | null = null; // allocated on first non-zero value
  zeros = 0;
  total = 0;

  record(v: number): void {
    this.total++;
    if (!(v > 0)) {
      this.zeros++;
      return;
    }
    f64[0] = v;
    const hi = u32[HI];
    const exp = hi >>> 20;
    let i: number;
    if (exp < MIN_EXP) {
      this.zeros++;
      return;
    }
    if (exp > MAX_EXP) i = BUCKETS - 1;
    else i = ((exp - MIN_EXP) << MANTISSA_BITS) | ((hi >>> (20 - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1));
    if (this.counts === null) this.counts = new Uint32Array(BUCKETS);
    this.counts[i]++;
  }

  /** The value below which p percent of the recorded values fall (midpoint of the bucket). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    if (rank <= this.zeros || !this.counts) return 0;
    let seen = this.zeros;
    const c = this.counts;
    for (let i = 0; i < BUCKETS; i++) {
      seen += c[i];
      if (seen >= rank) return bucketMid(i);
    }
    return bucketMid(BUCKETS - 1);
  }

  add(o: LogHistogram): void {
    this.total += o.total;
    this.zeros += o.zeros;
    if (!o.counts) return;
    if (this.counts === null) this.counts = new Uint32Array(BUCKETS);
    const c = this.counts;
    for (let i = 0; i < BUCKETS; i++) c[i] += o.counts[i];
  }
}

function bucketMid(i: number): number {
  const exp = (i >>> MANTISSA_BITS) + MIN_EXP;
  const mant = i & ((1 << MANTISSA_BITS) - 1);
  return 2 ** (exp - 1023) * (1 + (mant + 0.5) / (1 << MANTISSA_BITS));
}
