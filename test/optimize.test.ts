import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optimize, parseVary } from '../src/experiments/optimize.js';
import { evaluateTarget, parseTarget } from '../src/experiments/target.js';
import { clearsim } from './helpers/cli.js';
import { mmc } from './helpers/queueing.js';

const FIXTURE = 'test/fixtures/tandem-mmc.yaml';
const LAMBDA = 4; // arrivals per hour (96 a day)
// first: mean service 1 h (mu 1); second: 30 min (mu 2). Mean clearance = Wq1 + Wq2 + 1.5 h.
const clearance = (c1: number, c2: number) => mmc(c1, LAMBDA, 1).Wq + mmc(c2, LAMBDA, 2).Wq + 1.5;

describe('target expressions', () => {
  it('reads comparators, numbers and durations (in hours)', () => {
    expect(parseTarget('by_tier.general.clearance_hours.p90<=48')).toMatchObject({
      path: 'by_tier.general.clearance_hours.p90',
      op: '<=',
      value: 48,
    });
    expect(parseTarget('disruptions.0.non_aeo.clearance_hours.p90 <= 2d').value).toBe(48);
    expect(parseTarget('overall.inspection_rate>0.05')).toMatchObject({ op: '>', value: 0.05 });
    expect(parseTarget('x.y<90m').value).toBe(1.5);
    for (const bad of ['overall.clearance_hours.mean', 'overall.clearance_hours.mean==3', 'a.b<=fast', '<=3'])
      expect(() => parseTarget(bad)).toThrow(/--target/);
  });

  it('holds only when the one-sided bound meets the threshold, fails when the other bound misses it', () => {
    const t = parseTarget('x<=10');
    expect(evaluateTarget(t, [8, 8.2, 7.9, 8.1]).verdict).toBe('holds');
    expect(evaluateTarget(t, [12, 12.2, 11.9, 12.1]).verdict).toBe('fails');
    expect(evaluateTarget(t, [9, 11, 9.5, 10.5]).verdict).toBe('unsure');
    // the estimate meets it, but one replication shows nothing
    const one = evaluateTarget(t, [9]);
    expect(one.meets).toBe(true);
    expect(one.verdict).toBe('unsure');
  });
});

describe('clearsim optimize on a tandem of two M/M/c stages', () => {
  /*
   * Target: mean clearance <= 1.95 h. By Erlang C (costs 1 a server) the cheapest staffings are
   * cost 8: (5,3) 2.276 h; cost 9: (5,4) 2.098 h and (6,3) 1.865 h; the others are overloaded
   * (c1 <= 4 or c2 <= 2, offered load >= 1). So the answer is (6,3), cost 9.
   * Margins: (6,3) is 0.086 h under the target, (5,4) 0.148 h and (5,3) 0.33 h over it. Over 20
   * replications of this fixture (40 days, ~3,500 shipments each), the per-replication mean has
   * sd 0.074 h at (6,3) and 0.158 h at (5,4) (0.17 h at (5,3)). With n = 5 the one-sided 95% bound
   * is t(0.95,4) sd / sqrt 5 = 2.13 x 0.033 = 0.071 h from the estimate at (6,3), so a wrong
   * verdict there needs an estimate off by 0.086 - 0.071 = 0.015 h... and then it is only unsure
   * and doubles to 10, 20, 40, where rejecting it needs an error of ~0.065 h = 5.6 standard errors;
   * accepting (5,4) needs its estimate 0.3 h (4.2 standard errors at n = 5) below its value.
   */
  const target = 'overall.clearance_hours.mean<=1.95h';
  const r = clearsim([
    'optimize',
    FIXTURE,
    '--vary',
    'stages.first.servers=4..8',
    '--vary',
    'stages.second.servers=2..5',
    '--target',
    target,
    '--json',
  ]);

  it('checks the oracle: the cost order and margins the target is chosen by', () => {
    expect(clearance(6, 3)).toBeLessThan(1.95 - 0.08);
    expect(clearance(5, 4)).toBeGreaterThan(1.95 + 0.14);
    expect(clearance(5, 3)).toBeGreaterThan(1.95 + 0.3);
  });

  it('returns the exact cheapest staffing by Erlang C', () => {
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.search).toBe('cost-ordered');
    expect(o.best.values).toEqual({ 'stages.first.servers': 6, 'stages.second.servers': 3 });
    expect(o.best.cost).toBe(9);
    const t = o.best.targets[0];
    expect(t.verdict).toBe('holds');
    expect(t.bound).toBeLessThanOrEqual(1.95);
    // the estimate agrees with Erlang C within its interval (plus a little warm-up bias)
    expect(Math.abs(t.estimate - clearance(6, 3))).toBeLessThan(t.half_width + 0.03);
  });

  it('shows in its evidence that every cheaper candidate fails', () => {
    const o = JSON.parse(r.stdout);
    const cheaper = o.candidates.filter((c: any) => c.cost < 9 || (c.cost === 9 && !c.feasible));
    expect(cheaper.length).toBeGreaterThan(0);
    for (const c of cheaper) expect(c.feasible).toBe(false);
    const by = (a: number, b: number) =>
      o.candidates.find((c: any) => c.values['stages.first.servers'] === a && c.values['stages.second.servers'] === b);
    // the simulated ones fail their targets, and their estimates sit near Erlang C's
    for (const [a, b] of [
      [5, 3],
      [5, 4],
    ]) {
      const c = by(a, b);
      expect(c.verdict).toBe('fails');
      expect(c.targets[0].estimate).toBeGreaterThan(1.95);
      expect(Math.abs(c.targets[0].estimate - clearance(a, b))).toBeLessThan(3 * c.targets[0].half_width + 0.05);
    }
    // the one-step-cheaper neighbours: (5,3) simulated and failing, (6,2) overloaded
    const n = o.rejected_neighbours.map((c: any) => [c.values['stages.first.servers'], c.values['stages.second.servers'], c.verdict]);
    expect(n).toEqual([
      [5, 3, 'fails'],
      [6, 2, 'overloaded'],
    ]);
  });

  it('ran every candidate on the same seeds and never simulated an overloaded one', () => {
    const o = JSON.parse(r.stdout);
    for (const c of o.candidates) {
      if (c.verdict === 'overloaded') {
        expect(c.replications).toBe(0);
        expect(c.overloaded.length).toBeGreaterThan(0);
        for (const x of c.overloaded) expect(x.load).toBeGreaterThanOrEqual(1);
      } else expect(c.replications).toBeGreaterThanOrEqual(5);
    }
    expect(o.seed).toBe(1);
  });

  it('prints the answer first, then the rejected neighbours and the evidence', () => {
    const text = clearsim([
      'optimize',
      FIXTURE,
      '--vary',
      'stages.first.servers=4..8',
      '--vary',
      'stages.second.servers=2..5',
      '--target',
      target,
    ]);
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/cheapest configuration meeting every target with 95% confidence/);
    expect(lines[1]).toMatch(/stages\.first\.servers = 6/);
    expect(lines[2]).toMatch(/stages\.second\.servers = 3/);
    expect(lines[3]).toMatch(/cost 9/);
    expect(text.stdout).toMatch(/cheaper neighbours rejected/);
    expect(text.stdout).toMatch(/overloaded \(second load 1\.00\): fails without simulating/);
    expect(text.stdout).toMatch(/evidence: \d+ candidates by cost-ordered search/);
  });
});

describe('clearsim optimize with an unstable part of the range', () => {
  // one stage varied 1..12 at offered load 4: 1-4 servers are overloaded. Target: the first
  // stage's mean wait <= 15 min; Erlang C: 5 servers 0.554 h, 6 servers 0.142 h (margins 0.30 h
  // and 0.11 h; the per-replication sd of the mean wait is below 0.15 h at 5 servers, so with 5
  // replications the one-sided bound is within 0.15 h of the estimate)
  const out = join(mkdtempSync(join(tmpdir(), 'clearsim-optimize-')), 'opt.json');
  const html = out.replace(/\.json$/, '.html');
  const r = clearsim([
    'optimize',
    FIXTURE,
    '--vary',
    'stages.first.servers=1..12:2.5',
    '--set',
    'stages.second.servers=5',
    '--target',
    'stages.first.wait_hours.mean<=15m',
    '--out',
    out,
    '--report',
    html,
  ]);

  it('answers by bisection, failing the overloaded candidates without simulating them', () => {
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(readFileSync(out, 'utf8'));
    expect(o.search).toBe('bisection');
    expect(mmc(6, LAMBDA, 1).Wq).toBeLessThan(0.25 - 0.1);
    expect(mmc(5, LAMBDA, 1).Wq).toBeGreaterThan(0.25 + 0.3);
    expect(o.best.values).toEqual({ 'stages.first.servers': 6 });
    expect(o.best.cost).toBe(15);
    const over = o.candidates.filter((c: any) => c.verdict === 'overloaded');
    expect(over.length).toBeGreaterThan(0);
    for (const c of over) {
      expect(c.values['stages.first.servers']).toBeLessThanOrEqual(4);
      expect(c.replications).toBe(0);
      expect(c.targets).toEqual([]);
    }
    // bisection: a handful of candidates, not all twelve
    expect(o.candidates.length).toBeLessThanOrEqual(6);
    expect(o.rejected_neighbours[0].values).toEqual({ 'stages.first.servers': 5 });
    expect(o.rejected_neighbours[0].verdict).toBe('fails');
    expect(readFileSync(html, 'utf8')).toMatch(
      /Cheapest configuration meeting every target[\s\S]*stages\.first\.servers = <strong>6<\/strong>/,
    );
  });

  it('says so when even the top of the range fails', () => {
    const none = clearsim([
      'optimize',
      FIXTURE,
      '--vary',
      'stages.first.servers=1..4',
      '--target',
      'stages.first.wait_hours.mean<=15m',
      '--json',
    ]);
    expect(none.status).toBe(0);
    const o = JSON.parse(none.stdout);
    expect(o.best).toBeNull();
    expect(o.note).toMatch(/most expensive configuration/);
    expect(o.candidates).toHaveLength(1);
    expect(o.candidates[0].verdict).toBe('overloaded');
  });
});

describe('clearsim optimize refuses bad input with exit 2', () => {
  it.each([
    [['--vary', 'stages.first.servers=8..4', '--target', 'overall.clearance_hours.mean<=2h'], /HI must be above LO/],
    [
      ['--vary', 'stages.first.servers=5..8', '--target', 'overall.clearance_hours.mean=<2h'],
      /--target overall\.clearance_hours\.mean=<2h/,
    ],
    [
      ['--vary', 'stages.first.servers=5..8', '--target', 'overall.clearance_hour.mean<=2h'],
      /did you mean overall\.clearance_hours\.mean\?/,
    ],
    [['--vary', 'stages.first.servers=5..8'], /at least one --target/],
    [['--vary', 'stages.frist.servers=5..8', '--target', 'overall.clearance_hours.mean<=2h'], /frist/],
  ])('%j', (args, message) => {
    const r = clearsim(['optimize', FIXTURE, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('parses ranges: integers, continuous steps, durations, costs', () => {
    expect(parseVary('a.b=2..4').ladder).toEqual([2, 3, 4]);
    const c = parseVary('a.b=1.0..2.0:-1', 4);
    expect(c.integer).toBe(false);
    expect(c.ladder).toEqual([2, 1.75, 1.5, 1.25, 1]);
    expect(parseVary('a.b=30m..2h').duration).toBe(true);
    expect(() => parseVary('a.b=1..2:0')).toThrow(/COST/);
  });

  it('keeps to the work budget over the whole search', async () => {
    await expect(
      optimize(FIXTURE, [parseVary('stages.first.servers=5..8')], [parseTarget('overall.clearance_hours.mean<=2h')], {
        confidence: 0.95,
        replications: 5,
        maxReplications: 40,
        maxEvents: 200_000,
      }),
    ).rejects.toThrow(/budget of 200,000 simulated events/);
  });
});
