/**
 * MSER-5 (White 1997; the oracles' output-analysis note): batch the output series in fives,
 * choose the truncation d (in batches, d <= k/2) minimising the standard error of the mean of
 * what remains, sum((x - mean)^2) / (k - d)^2. Returns d in batches (0 = no warm-up needed).
 */
export function mser5(series: number[]): { batches: number; truncate: number } {
  const b: number[] = [];
  for (let i = 0; i + 5 <= series.length; i += 5) b.push((series[i] + series[i + 1] + series[i + 2] + series[i + 3] + series[i + 4]) / 5);
  const k = b.length;
  if (k < 4) return { batches: k, truncate: 0 };
  // suffix sums make every candidate d O(1)
  const s1 = new Float64Array(k + 1),
    s2 = new Float64Array(k + 1);
  for (let i = k - 1; i >= 0; i--) {
    s1[i] = s1[i + 1] + b[i];
    s2[i] = s2[i + 1] + b[i] * b[i];
  }
  let best = 0,
    bestStat = Infinity;
  for (let d = 0; d <= Math.floor(k / 2); d++) {
    const n = k - d;
    const mean = s1[d] / n;
    const stat = (s2[d] - n * mean * mean) / (n * n);
    if (stat < bestStat) {
      bestStat = stat;
      best = d;
    }
  }
  return { batches: k, truncate: best };
}
