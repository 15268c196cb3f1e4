import { describe, expect, it } from 'vitest';
import { nextReplications, parsePrecision, runToPrecision } from '../src/experiments/precision.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { ci95 } from '../src/stats/replications.js';
import { runEmbedded } from '../src/runtime/run.js';
import { publicReport } from '../src/stats/report.js';
import { clearsim } from './helpers/cli.js';

const FIXTURE = 'test/fixtures/tandem-mmc.yaml';
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('--precision goals', () => {
  it('reads relative and absolute goals', () => {
    expect(parsePrecision('overall.clearance_hours.p90:5%')).toMatchObject({
      path: 'overall.clearance_hours.p90',
      relative: 0.05,
      absolute: null,
    });
    expect(parsePrecision('overall.clearance_hours.p90:0.5h')).toMatchObject({ relative: null, absolute: 0.5 });
    expect(parsePrecision('overall.clearance_hours.p90:30m').absolute).toBe(0.5);
    expect(parsePrecision('overall.inspection_rate:0.002').absolute).toBe(0.002);
    for (const bad of ['overall.clearance_hours.p90', 'overall.clearance_hours.p90:', 'x:-5%', 'x:fast', ':5%'])
      expect(() => parsePrecision(bad)).toThrow(/--precision/);
  });

  it('sizes the next round from the shortfall, at most doubling', () => {
    const p = (hw: number, goal: number) => ({
      replications: 5,
      max_replications: 200,
      met: false,
      targets: [{ path: 'x', goal: '1', half_width_goal: goal, estimate: 1, half_width: hw, met: false }],
    });
    expect(nextReplications(p(0.11, 0.1), 5, 200)).toBe(8); // 5 x 1.21 x 1.2 = 7.3
    expect(nextReplications(p(1, 0.1), 5, 200)).toBe(10); // wants 600: doubled
    expect(nextReplications(p(1, 0.1), 150, 200)).toBe(200);
  });
});

describe('run --precision', () => {
  it('stops at the first round whose half-width meets the goal, having needed more than the first', async () => {
    // relative goal 1% of the mean clearance (~1.86 h): one replication's mean has sd ~0.074 h
    // (test/optimize.test.ts), so 1% needs about (1.96 x 0.074 / 0.0186)^2 ~ 61 replications, far
    // more than the 5 it starts with
    const s = loadScenarioFile(FIXTURE);
    const rounds: number[] = [];
    const r = await runToPrecision(s, [parsePrecision('by_tier.all.clearance_hours.mean:1%')], {
      start: 5,
      max: 200,
      beforeRound: (n) => rounds.push(n),
    });
    const p = r.precision!;
    expect(p.met).toBe(true);
    expect(p.replications).toBe(rounds.at(-1));
    expect(r.replications).toBe(p.replications);
    expect(rounds.length).toBeGreaterThan(1);
    expect(p.replications).toBeGreaterThan(5);
    const t = p.targets[0];
    expect(t.half_width!).toBeLessThanOrEqual(t.half_width_goal);
    expect(t.half_width_goal).toBeCloseTo(0.01 * t.estimate!, 12);
    // the reported half-width is the report's own _ci95 of that statistic
    expect(t.half_width).toBeCloseTo(r.by_tier.all.clearance_hours.mean_ci95 as number, 12);
    // replications 0..k-1 are the same in every round (seeds (seed, r)): each earlier round missed the goal
    const values = r.per_replication!.map((x) => x.by_tier.all.mean);
    for (const k of rounds.slice(0, -1)) {
      const xs = values.slice(0, k);
      expect(ci95(xs)).toBeGreaterThan(0.01 * mean(xs));
    }
    expect(ci95(values)).toBeLessThanOrEqual(0.01 * mean(values));
    // the rounds added replications to the earlier ones: the report is that of one run of them all
    const once = await runEmbedded({ ...s, replications: p.replications });
    const strip = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'wall_seconds' || k === 'precision' ? undefined : v));
    expect(strip(publicReport(r))).toBe(strip(publicReport(once)));
  });

  it('prints how many replications it took, and gives up honestly at --max-replications', () => {
    const ok = clearsim(['run', FIXTURE, '--precision', 'overall.clearance_hours.mean:0.05h']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /precision: \d+ replications to reach every goal: overall\.clearance_hours\.mean ±[\d.]+ \(goal 0\.05h, met\)/,
    );
    const short = clearsim(['run', FIXTURE, '--precision', 'overall.clearance_hours.mean:0.1%', '--max-replications', '8', '--json']);
    expect(short.status).toBe(0);
    const p = JSON.parse(short.stdout).precision;
    expect(p).toMatchObject({ replications: 8, max_replications: 8, met: false });
    expect(p.targets[0].half_width).toBeGreaterThan(p.targets[0].half_width_goal);
  });

  it('refuses a path that is not in the report, naming the nearest, with exit 2', () => {
    const r = clearsim(['run', FIXTURE, '--precision', 'overall.clearance_hour.mean:1%']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--precision overall\.clearance_hour\.mean:1%: .*did you mean overall\.clearance_hours\.mean\?/);
    const bad = clearsim(['run', FIXTURE, '--precision', 'overall.clearance_hours.mean']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/must be PATH:GOAL/);
  });
});

describe('compare --precision', () => {
  it('replicates until the paired half-width of the difference meets the goal', () => {
    // 6 -> 7 servers at the first stage: the difference in mean clearance (~-0.10 h) is paired,
    // its sd far below either scenario's own, so 0.01 h needs more than the first 5 replications
    const r = clearsim([
      'compare',
      FIXTURE,
      '--set',
      'stages.first.servers=7',
      '--replications',
      '5',
      '--precision',
      'overall.clearance_hours.mean:0.01h',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    const t = c.precision.targets[0];
    expect(c.precision.met).toBe(true);
    expect(c.replications).toBe(c.precision.replications);
    expect(c.precision.replications).toBeGreaterThan(5);
    expect(t.half_width).toBeLessThanOrEqual(0.01);
    // it is the paired interval of b - a: the comparison's own for all shipments
    expect(t.estimate).toBeCloseTo(c.groups.all.mean.diff, 12);
    expect(t.half_width).toBeCloseTo(c.groups.all.mean.half_width, 12);
    expect(t.half_width).toBeLessThan(c.groups.all.mean.unpaired_half_width);
  });
});
