import { tQuantile } from '../lazy-quantiles.js';

export interface Interval {
  /** Mean of b - a. */
  diff: number;
  lo: number;
  hi: number;
  /** 95% half-width from the paired differences (common random numbers). */
  half_width: number;
  /** What the half-width would be had a and b run on independent seeds (Welch). */
  unpaired_half_width: number;
  mean_a: number;
  mean_b: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.length > 1 ? xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1) : 0;
};

/**
 * 95% interval of the mean difference b - a over replications paired by seed, and the interval an
 * unpaired comparison of the same runs would give (Welch–Satterthwaite degrees of freedom).
 */
export function pairedInterval(a: number[], b: number[]): Interval {
  const n = a.length;
  const d = a.map((x, i) => b[i] - x);
  const diff = mean(d);
  const t = n > 1 ? tQuantile(0.975, n - 1) : NaN;
  const hw = n > 1 ? t * Math.sqrt(variance(d) / n) : NaN;
  const va = variance(a) / n,
    vb = variance(b) / n;
  const df = (va + vb) ** 2 / ((va * va) / Math.max(1, n - 1) + (vb * vb) / Math.max(1, n - 1));
  const unpaired = n > 1 ? (va + vb > 0 ? tQuantile(0.975, Math.max(1, df)) : 0) * Math.sqrt(va + vb) : NaN;
  return { diff, lo: diff - hw, hi: diff + hw, half_width: hw, unpaired_half_width: unpaired, mean_a: mean(a), mean_b: mean(b) };
}
