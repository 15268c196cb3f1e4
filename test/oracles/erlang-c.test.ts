import { beforeAll, describe, expect, it } from 'vitest';
import {
  allenCunneen,
  cobham,
  erlangB,
  erlangC,
  mmc,
  mmcWaitQuantile,
  mmcWaitTail,
  showInterval,
  tInterval,
  type Interval,
} from '../helpers/queueing.js';
import { note, replicate } from '../helpers/replicate.js';
import { queueScenario } from '../helpers/scenario.js';

describe('queueing oracle helper', () => {
  it('Erlang C matches the published example c=5, lambda=4.5, mu=1', () => {
    expect(erlangC(5, 4.5)).toBeCloseTo(0.762493, 6);
    const q = mmc(5, 4.5, 1);
    expect(q.C).toBeCloseTo(0.762493, 6);
    expect(q.Wq).toBeCloseTo(1.524986, 6);
    expect(q.rho).toBeCloseTo(0.9, 12);
  });

  it('Erlang C reduces to M/M/1 and stays stable for large c', () => {
    // M/M/1: C = rho, Wq = rho / (mu - lambda)
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    expect(mmc(1, 0.7, 1).Wq).toBeCloseTo(0.7 / 0.3, 12);
    // Erlang B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 12);
    // factorials and powers would overflow here; the recursion does not
    const big = erlangC(500, 480);
    expect(Number.isFinite(big)).toBe(true);
    expect(big).toBeGreaterThan(0);
    expect(big).toBeLessThan(1);
    expect(() => erlangC(5, 5)).toThrow();
  });

  it("Cobham's formula matches the published example and conserves work", () => {
    const [w1, w2] = cobham(5, 1, [1.5, 3]);
    expect(w1).toBeCloseTo(0.2179, 4);
    expect(w2).toBeCloseTo(2.1786, 4);
    // Conservation: with identical service the priority order does not change the overall mean wait.
    expect((1.5 * w1 + 3 * w2) / 4.5).toBeCloseTo(mmc(5, 4.5, 1).Wq, 10);
    // one class = FIFO
    expect(cobham(5, 1, [4.5])[0]).toBeCloseTo(mmc(5, 4.5, 1).Wq, 12);
  });

  it('Allen-Cunneen is exact for M/M/c and for M/D/1 (Pollaczek-Khinchine)', () => {
    expect(allenCunneen(5, 4.5, 1, 1, 1)).toBeCloseTo(mmc(5, 4.5, 1).Wq, 12);
    const rho = 0.8;
    expect(allenCunneen(1, rho, 1, 1, 0)).toBeCloseTo(rho / (2 * (1 - rho)), 12);
  });

  it('the wait-time tail and its quantiles agree', () => {
    const { C } = mmc(5, 3.5, 1);
    expect(mmcWaitTail(5, 3.5, 1, 0)).toBeCloseTo(C, 12);
    const t90 = mmcWaitQuantile(5, 3.5, 1, 0.9);
    expect(mmcWaitTail(5, 3.5, 1, t90)).toBeCloseTo(0.1, 12);
    expect(mmcWaitQuantile(5, 3.5, 1, 0.5)).toBe(0); // P(wait) = 0.378 < 0.5: the median is the atom at 0
  });

  it('t interval matches a hand computation', () => {
    // mean 3, s = sqrt(2.5), t_{0.975,4} = 2.776445
    const iv = tInterval([1, 2, 3, 4, 5], 0.95);
    expect(iv.mean).toBe(3);
    expect(iv.half).toBeCloseTo((2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
    expect(tInterval([1, 2, 3, 4, 5], 0.99).half).toBeCloseTo((4.604095 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
  });
});

/**
 * M/M/5 with lambda = 3.5/h and mu = 1/h (rho = 0.7), N independent replications of 300 days
 * (5 days warm-up from empty, far beyond the ~10 h relaxation time at this load) ~ 25,000 waits each.
 *
 * Tolerance: every check is a 99% Student-t interval over the N replication means (independent
 * replications, so the autocorrelation inside a run is accounted for by the spread between runs).
 * 99% rather than 95% keeps the suite from failing 1 time in 20 per check if a code change reshuffles
 * the random streams; each test also asserts that the interval is narrow (a few % of the target) so
 * a wide, noisy interval cannot pass vacuously.
 */
describe('M/M/c against Erlang C', () => {
  const c = 5,
    lambda = 3.5,
    mu = 1,
    N = 30,
    LEVEL = 0.99;
  const theory = mmc(c, lambda, mu);
  let m: Record<'wait' | 'p50' | 'p90' | 'p95' | 'p99' | 'service' | 'util' | 'count', number[]>;

  beforeAll(() => {
    const s = queueScenario({ lambda, servers: c, service: { dist: 'exponential', mean: '1h' }, days: 300, warmupDays: 5, seed: 4242 });
    m = replicate(s, N, (r) => {
      const d = r.stages.desk;
      return {
        wait: d.wait_hours.mean,
        p50: d.wait_hours.p50,
        p90: d.wait_hours.p90,
        p95: d.wait_hours.p95,
        p99: d.wait_hours.p99,
        service: d.service_hours.mean,
        util: d.utilization,
        count: d.count,
      };
    });
  });

  const covers = (iv: Interval, target: number, maxRelHalf: number, what: string) => {
    note(
      `${what}: observed ${showInterval(iv)} vs theory ${target.toFixed(4)} (diff ${(((iv.mean - target) / target) * 100).toFixed(2)}%)`,
    );
    expect(iv.half / target, `${what}: interval too wide to be meaningful`).toBeLessThan(maxRelHalf);
    expect(Math.abs(iv.mean - target), `${what}: ${showInterval(iv)} does not cover ${target}`).toBeLessThanOrEqual(iv.half);
  };

  it('runs enough shipments per replication', () => {
    // 295 observed days x 84 per day
    for (const n of m.count) expect(n).toBeGreaterThan(0.95 * lambda * 24 * 295);
  });

  it('mean wait matches Erlang C Wq', () => {
    // Wq = C / (c mu - lambda) = 0.37784 / 1.5 = 0.25189 h
    covers(tInterval(m.wait, LEVEL), theory.Wq, 0.06, 'M/M/5 mean wait');
  });

  it('waiting-time tail matches P(Wq > t) = C exp(-(c mu - lambda) t)', () => {
    // The report's percentiles come from a log-linear histogram and are bucket midpoints: relative
    // error at most half a bucket, 2^-9 ~ 0.2%. The quantile estimator's own bias is O(1/n) with
    // n ~ 25,000 waits per replication, negligible. Its sampling error (inflated by autocorrelation,
    // which a closed form would miss) is measured by the spread of the N replication percentiles.
    // Tolerance = 99% t half-width of the replicated percentile + the histogram's 0.2%.
    // P(wait > 0) = C = 0.378 < 0.5, so the median wait is the atom at exactly 0.
    expect(mmcWaitQuantile(c, lambda, mu, 0.5)).toBe(0);
    for (const p50 of m.p50) expect(p50).toBe(0);
    const HIST = 2 ** -9;
    for (const [key, p] of [
      ['p90', 0.9],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      const target = mmcWaitQuantile(c, lambda, mu, p);
      const iv = tInterval(m[key], LEVEL);
      const tol = iv.half + HIST * target;
      note(
        `M/M/5 wait ${key}: observed ${showInterval(iv)} vs theory ${target.toFixed(4)} (tol ${tol.toFixed(4)}, diff ${(((iv.mean - target) / target) * 100).toFixed(2)}%)`,
      );
      expect(iv.half / target, `${key} interval too wide`).toBeLessThan(0.08);
      expect(Math.abs(iv.mean - target), `${key}: ${showInterval(iv)} vs ${target}`).toBeLessThanOrEqual(tol);
    }
  });

  it('mean service time matches 1/mu', () => {
    covers(tInterval(m.service, LEVEL), 1 / mu, 0.01, 'M/M/5 mean service');
  });

  it('utilization matches rho', () => {
    covers(tInterval(m.util, LEVEL), theory.rho, 0.01, 'M/M/5 utilization');
  });
});
