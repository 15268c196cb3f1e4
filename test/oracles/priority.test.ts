import { beforeAll, describe, expect, it } from 'vitest';
import { cobham, mmc, showInterval, tInterval } from '../helpers/queueing.js';
import { note, replicate } from '../helpers/replicate.js';
import { queueScenario } from '../helpers/scenario.js';

/**
 * Two tiers sharing one M/M/5 desk (mu = 1/h, lambda = 4/h, rho = 0.8): 30% of shipments in the
 * high tier (lambda1 = 1.2/h), 70% in the low tier (lambda2 = 2.8/h), identical exponential service.
 *
 * - priority 'always': non-preemptive head-of-line priority, so each tier's mean wait is Cobham's
 *   Wq_k = C(5, 4) / (c mu (1 - sigma_{k-1}) (1 - sigma_k)): 0.1458 h (high) and 0.7291 h (low).
 * - priority 'never': one FIFO queue across tiers, so both tiers see Erlang C's Wq = 0.5541 h.
 *
 * Tolerance: 99% Student-t interval over 30 independent replications of 300 days (5 days warm-up),
 * as in erlang-c.test.ts; each interval must also be narrower than 6% of its target so the check
 * cannot pass by being vague.
 */
const c = 5,
  mu = 1,
  lambda = 4,
  shares = { high: 0.3, low: 0.7 };
const N = 30,
  LEVEL = 0.99;
const lambdas = [lambda * shares.high, lambda * shares.low];
const fifo = mmc(c, lambda, mu);
const [wHigh, wLow] = cobham(c, mu, lambdas);

type Metrics = Record<'high' | 'low' | 'all' | 'nHigh' | 'nLow', number[]>;
const run = (priority: 'always' | 'never', seed: number): Metrics => {
  const s = queueScenario({
    lambda,
    servers: c,
    service: { dist: 'exponential', mean: '1h' },
    days: 300,
    warmupDays: 5,
    seed,
    tiers: shares,
    priority,
  });
  return replicate(s, N, (r) => {
    const d = r.stages.desk;
    return {
      high: d.by_tier.high.wait_hours.mean,
      low: d.by_tier.low.wait_hours.mean,
      all: d.wait_hours.mean,
      nHigh: d.by_tier.high.count,
      nLow: d.by_tier.low.count,
    };
  });
};

const covers = (xs: number[], target: number, what: string) => {
  const iv = tInterval(xs, LEVEL);
  note(`${what}: observed ${showInterval(iv)} vs theory ${target.toFixed(4)} (diff ${(((iv.mean - target) / target) * 100).toFixed(2)}%)`);
  expect(iv.half / target, `${what}: interval too wide to be meaningful`).toBeLessThan(0.06);
  expect(Math.abs(iv.mean - target), `${what}: ${showInterval(iv)} does not cover ${target}`).toBeLessThanOrEqual(iv.half);
};

describe('non-preemptive priority against Cobham', () => {
  let m: Metrics;
  beforeAll(() => {
    m = run('always', 7);
  });

  it('oracle: the weighted tier waits conserve the FIFO mean', () => {
    expect((lambdas[0] * wHigh + lambdas[1] * wLow) / lambda).toBeCloseTo(fifo.Wq, 10);
  });

  it('splits the arrivals by the configured shares', () => {
    const share = tInterval(
      m.nHigh.map((h, i) => h / (h + m.nLow[i])),
      LEVEL,
    );
    expect(Math.abs(share.mean - shares.high)).toBeLessThanOrEqual(share.half);
  });

  it('high tier mean wait matches Cobham Wq_1', () => {
    covers(m.high, wHigh, 'priority always, high tier');
  });

  it('low tier mean wait matches Cobham Wq_2', () => {
    covers(m.low, wLow, 'priority always, low tier');
  });

  it('overall mean wait is unchanged by priority (conservation): Erlang C Wq', () => {
    covers(m.all, fifo.Wq, 'priority always, all tiers');
  });
});

describe('no priority: both tiers see Erlang C', () => {
  let m: Metrics;
  beforeAll(() => {
    m = run('never', 7);
  });

  it('high tier mean wait matches Erlang C Wq', () => {
    covers(m.high, fifo.Wq, 'priority never, high tier');
  });

  it('low tier mean wait matches Erlang C Wq', () => {
    covers(m.low, fifo.Wq, 'priority never, low tier');
  });
});
