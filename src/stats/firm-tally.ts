/**
 * Per-firm columns of one replication, as a report carries them between threads, workers and
 * merges (plain arrays, one entry per firm): what `--firms` writes and what compare pairs by firm.
 * Counts and sums over the observed declarations (released, arrived after warm-up).
 */
export interface FirmRows {
  declarations: number[];
  value_cny: number[];
  clearance_hours_sum: number[];
  /** Sum of value x clearance hours: what the time cost of goods held is proportional to. */
  value_hours_sum: number[];
  /** From an 8-per-octave histogram: within about 4.5%; clearance under a minute counts as 0. */
  clearance_hours_p90: number[];
  inspections: number[];
  guarantee_waived_cny: number[];
  guarantee_lodged_cny: number[];
}

// A log histogram per firm, 8 buckets per octave from 2^-6 h (about a minute) to 2^12 h (170
// days): small enough for every firm of a district (146 counters each), precise enough for a p90.
const SUB = 8;
const MIN_EXP = -6;
const OCTAVES = 18;
const BUCKETS = 2 + OCTAVES * SUB; // [0]: below the first octave; last: beyond the last

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function bucketOf(h: number): number {
  if (!(h > 0)) return 0;
  f64[0] = h;
  const hi = u32[HI];
  const e = (hi >>> 20) - 1023 - MIN_EXP;
  if (e < 0) return 0;
  if (e >= OCTAVES) return BUCKETS - 1;
  return 1 + e * SUB + ((hi >>> (20 - 3)) & (SUB - 1));
}

function bucketMid(b: number): number {
  if (b === 0) return 0;
  if (b === BUCKETS - 1) return 2 ** (MIN_EXP + OCTAVES);
  const e = Math.floor((b - 1) / SUB),
    m = (b - 1) % SUB;
  return 2 ** (e + MIN_EXP) * (1 + (m + 0.5) / SUB);
}

/** A firm's sums, side by side in its row of FirmTally.sums. */
const enum Column {
  Declarations,
  Value,
  Clearance,
  ValueHours,
  Inspections,
  Waived,
  Lodged,
  /** Doubles per row: eight, one cache line's worth. */
  Stride = 8,
}

/**
 * One column of the rows in a plain array. A loop, not Array.from: V8 runs Array.from of a typed
 * array through the iterator protocol, and the eight columns of 16,700 firms were ~9 ms of every
 * replication's ~29 ms report (measured on the baseline).
 */
function column(rows: Float64Array, c: Column, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(rows[i * Column.Stride + c]);
  return out;
}

/**
 * Streaming per-firm statistics of one run: O(firms) memory, O(1) per release.
 *
 * A firm's seven sums are one row of doubles, not seven arrays: a release picks a firm at random
 * among 16,700, and seven arrays made that seven cache misses (and the histogram an eighth) in
 * every release; one row is one or two. Counts are doubles too, exact far past any run's.
 */
export class FirmTally {
  private readonly sums: Float64Array;
  private readonly hist: Uint32Array;

  constructor(readonly count: number) {
    this.sums = new Float64Array(count * Column.Stride);
    this.hist = new Uint32Array(count * BUCKETS);
  }

  record(firm: number, clearance: number, value: number, inspected: boolean, waived: number, lodged: number): void {
    const s = this.sums,
      r = firm * Column.Stride;
    s[r + Column.Declarations]++;
    s[r + Column.Value] += value;
    s[r + Column.Clearance] += clearance;
    s[r + Column.ValueHours] += value * clearance;
    if (inspected) s[r + Column.Inspections]++;
    s[r + Column.Waived] += waived;
    s[r + Column.Lodged] += lodged;
    this.hist[firm * BUCKETS + bucketOf(clearance)]++;
  }

  p90(firm: number): number {
    const n = this.sums[firm * Column.Stride + Column.Declarations];
    if (n === 0) return 0;
    const rank = Math.ceil(0.9 * n);
    let seen = 0;
    const base = firm * BUCKETS;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.hist[base + b];
      if (seen >= rank) return bucketMid(b);
    }
    return bucketMid(BUCKETS - 1);
  }

  rows(): FirmRows {
    const p90: number[] = [];
    for (let i = 0; i < this.count; i++) p90.push(this.p90(i));
    const s = this.sums,
      n = this.count;
    return {
      declarations: column(s, Column.Declarations, n),
      value_cny: column(s, Column.Value, n),
      clearance_hours_sum: column(s, Column.Clearance, n),
      value_hours_sum: column(s, Column.ValueHours, n),
      clearance_hours_p90: p90,
      inspections: column(s, Column.Inspections, n),
      guarantee_waived_cny: column(s, Column.Waived, n),
      guarantee_lodged_cny: column(s, Column.Lodged, n),
    };
  }
}

/**
 * Replications' rows pooled: sums added, each firm's p90 the declaration-weighted mean of its
 * replications' p90s (the histograms stay in their runs). Divide by the count for per-replication means.
 */
export function poolFirmRows(all: FirmRows[]): FirmRows {
  const n = all[0].declarations.length;
  const sum = (k: keyof FirmRows) => Array.from({ length: n }, (_, i) => all.reduce((a, r) => a + r[k][i], 0));
  const declarations = sum('declarations');
  return {
    declarations,
    value_cny: sum('value_cny'),
    clearance_hours_sum: sum('clearance_hours_sum'),
    value_hours_sum: sum('value_hours_sum'),
    clearance_hours_p90: Array.from({ length: n }, (_, i) =>
      declarations[i] > 0 ? all.reduce((a, r) => a + r.clearance_hours_p90[i] * r.declarations[i], 0) / declarations[i] : 0,
    ),
    inspections: sum('inspections'),
    guarantee_waived_cny: sum('guarantee_waived_cny'),
    guarantee_lodged_cny: sum('guarantee_lodged_cny'),
  };
}
