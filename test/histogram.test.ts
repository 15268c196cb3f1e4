import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../src/stats/histogram.js';
import { Summary } from '../src/stats/summary.js';

describe('LogHistogram', () => {
  it('returns percentiles within 2^-9 relative of the exact order statistic', () => {
    const h = new LogHistogram();
    const xs: number[] = [];
    for (let i = 1; i <= 10000; i++) {
      const x = Math.exp(Math.sin(i) * 6);
      xs.push(x);
      h.record(x);
    }
    xs.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9]) {
      const exact = xs[Math.ceil((p / 100) * xs.length) - 1];
      expect(Math.abs(h.percentile(p) / exact - 1)).toBeLessThanOrEqual(2 ** -9);
    }
  });

  it('keeps exact zeros apart and merges', () => {
    const a = new LogHistogram(),
      b = new LogHistogram();
    for (let i = 0; i < 60; i++) a.record(0);
    for (let i = 0; i < 40; i++) b.record(5);
    a.add(b);
    expect(a.total).toBe(100);
    expect(a.percentile(60)).toBe(0);
    expect(Math.abs(a.percentile(61) / 5 - 1)).toBeLessThanOrEqual(2 ** -9);
  });

  it('merges summaries with exact moments (Chan)', () => {
    const a = new Summary(),
      b = new Summary(),
      all = new Summary();
    for (let i = 0; i < 500; i++) {
      const x = (i * 7919) % 101;
      (i % 3 ? a : b).record(x);
      all.record(x);
    }
    a.add(b);
    expect(a.count).toBe(all.count);
    expect(a.mean).toBeCloseTo(all.mean, 10);
    expect(a.variance).toBeCloseTo(all.variance, 8);
    expect(a.max).toBe(all.max);
  });
});
