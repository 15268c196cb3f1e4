import { describe, expect, it } from 'vitest';
import { ArrivalProcess } from '../src/model/arrivals.js';
import { isOpen, nextOpeningChange } from '../src/model/opening-hours.js';
import { laneTable } from '../src/model/risk.js';
import { Distribution } from '../src/scenario/distributions.js';
import { parseDuration } from '../src/scenario/duration.js';
import type { Tier } from '../src/scenario/types.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

const grid = (d: Distribution, n = 20000) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += d.quantile((i + 0.5) / n);
  return s / n;
};

describe('durations and distributions', () => {
  it('parses durations with units into hours', () => {
    expect(parseDuration('90s')).toBeCloseTo(0.025, 12);
    expect(parseDuration('20m')).toBeCloseTo(1 / 3, 12);
    expect(parseDuration('1.5h')).toBe(1.5);
    expect(parseDuration('2d')).toBe(48);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration('15')).toBeNaN();
    expect(parseDuration(15)).toBeNaN();
  });

  it('maps uniforms to the configured means by inversion', () => {
    const cases: [Distribution, number][] = [
      [Distribution.exponential(2), 2],
      [Distribution.lognormalMedian(3, 0.6), 3 * Math.exp(0.18)],
      [Distribution.lognormalMean(5, 1.5), 5],
      [Distribution.gamma(4, 0.5), 4],
      [Distribution.triangular(1, 2, 6), 3],
      [Distribution.uniform(2, 4), 3],
      [Distribution.constant(7), 7],
    ];
    for (const [d, mean] of cases) {
      expect(Math.abs(grid(d) / mean - 1)).toBeLessThan(0.02);
      expect(d.mean).toBeCloseTo(mean, 9);
    }
  });
});

describe('the lognormal', () => {
  it("is exp(mu + sigma z) with z stdlib's normal quantile, bit for bit, across the body and both tails", () => {
    // it calls the quantile's erfinv directly (src/scenario/distributions.ts): every v1 report
    // was computed through normalQuantile(u, 0, 1), so the two must give the same double
    const d = Distribution.lognormalMedian(3, 0.6),
      unit = Distribution.lognormalMedian(1, 1.3);
    const us = [0, 0.5, 1e-300, 1e-17, 1 - 2 ** -53, 0.25, 0.75, 0.125, 0.875];
    for (let i = 0; i < 20000; i++) us.push((i + 0.5) / 20000);
    let x = 12345;
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      us.push(10 ** (-1 - (14 * x) / 2 ** 31)); // the far tail, 1e-15 to 1e-1
    }
    for (const u of us) {
      expect(d.quantile(u)).toBe(Math.exp(d.a + d.b * normalQuantile(u, 0, 1)));
      expect(unit.quantile(u)).toBe(Math.exp(unit.a + unit.b * normalQuantile(u, 0, 1)));
      expect(d.quantile(1 - u)).toBe(Math.exp(d.a + d.b * normalQuantile(1 - u, 0, 1)));
    }
  });
});

describe('risk selection with targeting', () => {
  const tier = (n: number, red: number, yellow: number, blue = 0): Tier => ({
    name: 't',
    rank: 0,
    label: 't',
    aeo: false,
    traderShare: null,
    shipmentShare: 1,
    value: null,
    noncompliance: n,
    red,
    yellow,
    blue,
    preArrivalShare: 0,
    guaranteeExempt: false,
  });

  it("keeps each tier's overall lane rates whatever the lift, and targets the non-compliant", () => {
    for (const [n, r, y, b, lift] of [
      [0.03, 0.0244, 0.08, 0, 4],
      [0.2, 0.85, 0.1, 0, 4],
      [0.003, 0.0057, 0.02, 0.05, 1],
      [0.1, 0.05, 0.1, 0.1, 8],
    ]) {
      const t = laneTable(tier(n, r, y, b), lift);
      const overall = (k: number) => (1 - n) * t.compliant[k] + n * t.noncompliant[k];
      expect(overall(0)).toBeCloseTo(r, 12);
      expect(overall(1) - overall(0)).toBeCloseTo(y, 12);
      expect(overall(2) - overall(1)).toBeCloseTo(b, 12);
      expect(t.noncompliant[0]).toBeCloseTo(Math.min(1, r * lift), 12);
    }
  });
});

describe('arrivals and opening hours', () => {
  const s = loadScenarioFile('scenarios/chongqing-2023.yaml');

  it('generates the configured mean arrivals per week (Poisson count within 4 sd)', () => {
    const a = new ArrivalProcess(s);
    let t = 0,
      n = 0,
      x = 42;
    const u = () => (x = (x * 16807) % 2147483647) / 2147483647;
    while ((t = a.next(t, -Math.log(1 - u()))) < 24 * 7 * 20) n++;
    const expected = s.arrivals.perDay * 7 * 20;
    expect(Math.abs(n - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('follows the weekly profile: Sunday rate is 0.4/mean of Monday-first weights', () => {
    const a = new ArrivalProcess(s);
    const mondayNoon = a.rate(12),
      sundayNoon = a.rate(6 * 24 + 12);
    expect(sundayNoon / mondayNoon).toBeCloseTo(0.4, 12);
  });

  it('opens and closes inspection at 08:00 and 20:00', () => {
    const h = s.stages.find((x) => x.name === 'inspection')!.hours!;
    expect(isOpen(h, 7.99)).toBe(false);
    expect(isOpen(h, 8)).toBe(true);
    expect(isOpen(h, 19.99)).toBe(true);
    expect(isOpen(h, 20)).toBe(false);
    expect(nextOpeningChange(h, 3)).toBe(8);
    expect(nextOpeningChange(h, 8)).toBe(20);
    expect(nextOpeningChange(h, 21)).toBe(32);
  });
});

describe('UniformStream', () => {
  it("draws seedrandom's alea numbers, in the same order", async () => {
    const { UniformStream } = await import('../src/model/random.js');
    const seedrandom = (await import('seedrandom')).default;
    for (const seed of ['clearsim:2023:0:tier', 'clearsim:7:3:service:inspection', 'clearsim:1:firms:size']) {
      const a = new UniformStream(seed);
      const b = seedrandom.alea(seed);
      let same = 0;
      for (let i = 0; i < 200_000; i++) if (a.next() === b()) same++;
      expect(same).toBe(200_000);
    }
  });
});
