import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Queueing-theory oracles for the engine tests. Rates are per hour, times in hours.
 * c servers, arrival rate lambda, service rate mu (mean service 1/mu), offered load a = lambda/mu,
 * utilization rho = a/c.
 */

/**
 * Erlang B by the stable recursion B_0 = 1, B_k = a B_{k-1} / (k + a B_{k-1}); no factorials or
 * powers, so it is accurate for any c and a.
 */
export function erlangB(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 1) throw new Error(`erlangB: c must be a positive integer (got ${c})`);
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b;
}

/** Erlang C: the probability an arrival has to wait in M/M/c, C = B_c / (1 - rho (1 - B_c)). */
export function erlangC(c: number, a: number): number {
  const rho = a / c;
  if (!(rho < 1)) throw new Error(`erlangC: needs a < c (got a=${a}, c=${c})`);
  const b = erlangB(c, a);
  return b / (1 - rho * (1 - b));
}

export interface MMc {
  /** Probability of waiting. */
  C: number;
  /** Mean wait in queue, C / (c mu - lambda). */
  Wq: number;
  /** Decay rate of the conditional wait: P(Wq > t) = C exp(-theta t), theta = c mu - lambda. */
  theta: number;
  rho: number;
  /** Mean number waiting (Little): lambda Wq. */
  Lq: number;
}

export function mmc(c: number, lambda: number, mu: number): MMc {
  const C = erlangC(c, lambda / mu);
  const theta = c * mu - lambda;
  const Wq = C / theta;
  return { C, Wq, theta, rho: lambda / (c * mu), Lq: lambda * Wq };
}

/** P(Wq > t) for M/M/c FIFO. */
export function mmcWaitTail(c: number, lambda: number, mu: number, t: number): number {
  const { C, theta } = mmc(c, lambda, mu);
  return t < 0 ? 1 : C * Math.exp(-theta * t);
}

/**
 * The p-quantile (0 < p < 1) of the M/M/c FIFO wait: 0 when p <= 1 - C (the atom at zero),
 * otherwise the t with C exp(-theta t) = 1 - p.
 */
export function mmcWaitQuantile(c: number, lambda: number, mu: number, p: number): number {
  const { C, theta } = mmc(c, lambda, mu);
  if (p <= 1 - C) return 0;
  return Math.log(C / (1 - p)) / theta;
}

/**
 * Cobham's formula: mean wait per class in M/M/c with non-preemptive priority and the same
 * exponential service for every class. lambdas are in priority order (index 0 = highest).
 * Wq_k = C(c, lambda/mu) / (c mu (1 - sigma_{k-1}) (1 - sigma_k)), sigma_k = sum_{i<=k} lambda_i / (c mu).
 */
export function cobham(c: number, mu: number, lambdas: number[]): number[] {
  const lambda = lambdas.reduce((x, y) => x + y, 0);
  const C = erlangC(c, lambda / mu);
  const out: number[] = [];
  let prev = 0;
  for (const l of lambdas) {
    const sigma = prev + l / (c * mu);
    out.push(C / (c * mu * (1 - prev) * (1 - sigma)));
    prev = sigma;
  }
  return out;
}

/**
 * Allen-Cunneen approximation for GI/G/c: Wq ~ Wq(M/M/c) (ca2 + cs2) / 2, with ca2 and cs2 the
 * squared coefficients of variation of interarrival and service times (ca2 = 1 for Poisson,
 * cs2 = 0 for constant service, cs2 = cv^2 for gamma). Exact for M/M/c and for M/G/1.
 */
export function allenCunneen(c: number, lambda: number, mu: number, ca2: number, cs2: number): number {
  return (mmc(c, lambda, mu).Wq * (ca2 + cs2)) / 2;
}

export interface Interval {
  n: number;
  mean: number;
  sd: number;
  /** Half-width: t_{n-1, (1+level)/2} s / sqrt(n). */
  half: number;
  lo: number;
  hi: number;
  level: number;
}

/** Two-sided t confidence interval for the mean of independent observations xs. */
export function tInterval(xs: number[], level = 0.95): Interval {
  const n = xs.length;
  if (n < 2) throw new Error('tInterval: needs at least 2 observations');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  const half = tQuantile((1 + level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, half, lo: mean - half, hi: mean + half, level };
}

/** Short form of an interval for assertion messages and logs. */
export function showInterval(iv: Interval, digits = 4): string {
  return `${iv.mean.toFixed(digits)} ± ${iv.half.toFixed(digits)} (${Math.round(iv.level * 100)}% t, n=${iv.n})`;
}
