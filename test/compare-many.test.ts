import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { describe, expect, it } from 'vitest';
import { adjustedInterval, compareMany, manyComparisonJson, probabilityBest } from '../src/experiments/compare-many.js';
import { pairedInterval } from '../src/experiments/paired.js';
import { renderCompareManyReport } from '../src/html-report/compare-many-report.js';
import { clearsim } from './helpers/cli.js';
import { mmc } from './helpers/queueing.js';
import { validateDocument } from './helpers/document-schema.js';
import { queueScenario } from './helpers/scenario.js';

const LAMBDA = 2.5;
const desk = (servers: number) =>
  queueScenario({ lambda: LAMBDA, servers, service: { dist: 'exponential', mean: '1h' }, days: 20, seed: 5 });

describe('compare several scenarios against a base (src/experiments/compare-many.ts)', () => {
  it('M/M/c with 3 to 6 servers: ranked by mean wait as Erlang C orders them, intervals covering its differences', async () => {
    const n = 8;
    const c = await compareMany(desk(3), [desk(4), desk(6), desk(5)], n, {
      rankBy: 'stages.desk.wait_hours.mean',
      names: ['c3', 'c4', 'c6', 'c5'],
    });
    expect(c.adjustment).toBe('bonferroni');
    expect(c.family_size).toBe(3);
    // Erlang C: Wq falls with every server; each simultaneous interval covers the exact difference
    const wq = (k: number) => mmc(k, LAMBDA, 1).Wq;
    for (const [name, k] of [
      ['c4', 4],
      ['c5', 5],
      ['c6', 6],
    ] as const) {
      const x = c.comparisons.find((y) => y.name === name)!;
      const exact = wq(k) - wq(3);
      expect(x.rank_stat.lo).toBeLessThanOrEqual(exact);
      expect(x.rank_stat.hi).toBeGreaterThanOrEqual(exact);
      // clearly better than 3 servers (Wq(3) = 3.5 h)
      expect(x.rank_stat.hi).toBeLessThan(0);
    }
    // the 3-server base is last, and far from best; 4 servers are clearly behind 5 and 6
    expect(c.ranking.map((r) => r.name).slice(2)).toEqual(['c4', 'c3']);
    const p = Object.fromEntries(c.ranking.map((r) => [r.name, r.probability_best]));
    expect(p.c3).toBe(0);
    expect(p.c4).toBe(0);
    expect(p.c5 + p.c6).toBeCloseTo(1, 12);
    // more servers never make a shipment wait longer on the same arrivals: 6 is best or tied with 5
    expect(p.c6).toBeGreaterThanOrEqual(0.5);
    // Bonferroni: the paired half-width with t at 1 - 0.05/(2 x 3) instead of 0.975
    const x = c.comparisons[0];
    const base = c.reports[0].map((r) => r.stages.desk.wait_hours.mean);
    const four = c.reports[1].map((r) => r.stages.desk.wait_hours.mean);
    const plain = pairedInterval(base, four);
    expect(x.rank_stat.half_width / plain.half_width).toBeCloseTo(tQuantile(1 - 0.05 / 6, n - 1) / tQuantile(0.975, n - 1), 10);
    expect(x.rank_stat.diff).toBeCloseTo(plain.diff, 12);
    expect(validateDocument('ComparisonMany', manyComparisonJson(c))).toEqual([]);
    // the HTML report
    const html = renderCompareManyReport(c);
    expect(html).toContain('data-table="compare-many"');
    expect(html).toContain('Bonferroni');
  });

  it('probability of being best: a dominating scenario always wins, two identical ones share, seeded', () => {
    const a = [1, 2, 3, 4, 5, 6];
    expect(probabilityBest([a, a.map((x) => x + 1)], 'lower')).toEqual([1, 0]);
    expect(probabilityBest([a, a.map((x) => x + 1)], 'higher')).toEqual([0, 1]);
    expect(probabilityBest([a, a], 'lower')).toEqual([0.5, 0.5]);
    // crossing scenarios: the bootstrap gives each a share, the same every time
    const b = [2, 1, 4, 3, 6, 5.5];
    const p = probabilityBest([a, b], 'lower');
    expect(p[0]).toBeGreaterThan(0.05);
    expect(p[1]).toBeGreaterThan(0.05);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    expect(probabilityBest([a, b], 'lower')).toEqual(p);
  });

  it('adjustedInterval at 95% is the paired interval', () => {
    const a = [3, 5, 4, 6, 5],
      b = [2, 4.5, 3.1, 5.2, 4.4];
    const x = adjustedInterval(a, b, 0.95),
      y = pairedInterval(a, b);
    expect(x.half_width).toBeCloseTo(y.half_width, 12);
    expect(x.lo).toBeCloseTo(y.lo, 12);
  });

  it('CLI: compare <base> <a> <b> and --variant; bad flags exit 2 naming the flag', () => {
    const days = ['--days', '5', '--replications', '2'];
    const ok = clearsim([
      'compare',
      'scenarios/chongqing-2023.yaml',
      'scenarios/aeo-expansion.yaml',
      'scenarios/before-12-certifications.yaml',
      '--variant',
      'more-teams:--set stages.inspection.servers=30',
      '--json',
      ...days,
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(j.base).toBe('chongqing-2023');
    expect(j.variants).toEqual(['aeo-expansion', 'before-12-certifications', 'more-teams']);
    expect(j.family_size).toBe(3);
    expect(j.ranking).toHaveLength(4);
    expect(j.ranking.reduce((s: number, r: { probability_best: number }) => s + r.probability_best, 0)).toBeCloseTo(1, 9);

    const bad = (args: string[], flag: string) => {
      const r = clearsim(['compare', 'scenarios/chongqing-2023.yaml', ...args, ...days]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(flag);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    };
    bad(['--variant', 'x:--set stages.inspection.servers=30', '--rank-by', 'stages.nosuch.wait_hours.mean'], '--rank-by');
    bad(['--variant', 'no-colon'], '--variant');
    bad(['--variant', 'x:--set stages.inspection.servers=30', '--set', 'stages.inspection.servers=2'], '--set');
    // a two-scenario comparison does not rank
    bad(['scenarios/aeo-expansion.yaml', '--rank-by', 'overall.clearance_hours.mean'], '--rank-by');
  });

  it('CLI: compare <a> --set ... is the paired comparison as before', () => {
    const r = clearsim([
      'compare',
      'scenarios/chongqing-2023.yaml',
      '--set',
      'stages.inspection.servers=30',
      '--days',
      '5',
      '--replications',
      '2',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['a', 'b', 'groups', 'pairing_narrows_by']));
    expect(j.ranking).toBeUndefined();
  });
});
