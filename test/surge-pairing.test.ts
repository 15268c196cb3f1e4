import { describe, expect, it } from 'vitest';
import { EmbeddedRun } from '../src/runtime/embedded.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';

/*
 * Common random numbers must survive an arrival surge or lull (docs/scenario-format.md,
 * "Disruptions"): a disruption's arrival multiplier changes the arrivals inside its window only.
 * Outside it, the same shipments arrive — same times, tiers, lanes, firms, values, lodgements and
 * service uniforms — as in the scenario without it.
 */
const FILE = 'scenarios/chongqing-2023.yaml';
const WINDOW = { start: 5 * 24, end: 6 * 24 };
const load = (...o: string[]) => loadScenarioFile(FILE, ['horizon.days=10', ...o].map(parseOverride));
const withArrivals = (m: number) => load(`disruptions=[{name: rush, start: 5d, duration: 1d, arrivals: ${m}}]`, 'priority.mode=always');

/** Every arrival of replication 0, as a key of everything drawn for it, split by the window. */
function arrivals(s: Scenario): { inside: string[]; outside: string[] } {
  const run = new EmbeddedRun(s, 0);
  const inside: string[] = [];
  const outside: string[] = [];
  run.observer = {
    arrived(sh) {
      const key = [
        sh.arrival,
        sh.tier,
        sh.firm,
        sh.flow,
        sh.lane,
        sh.value,
        sh.lodgement,
        sh.twoStep,
        ...Array.from({ length: sh.stageCount }, (_, i) => sh.serviceUniform(i)),
      ].join('|');
      (sh.arrival >= WINDOW.start && sh.arrival < WINDOW.end ? inside : outside).push(key);
    },
  };
  expect(run.runUntil(Infinity)).toBe(true);
  return { inside, outside };
}

describe('arrival surges keep the pairing', () => {
  const base = arrivals(load('priority.mode=always'));

  it('a surge (x1.6) adds arrivals inside its window and changes none outside it', () => {
    const surge = arrivals(withArrivals(1.6));
    expect(surge.outside).toEqual(base.outside);
    // the profile's own arrivals are all still there; the extra ones are Poisson with mean 0.6 x
    const baseSet = new Set(surge.inside);
    expect(base.inside.every((k) => baseSet.has(k))).toBe(true);
    const extra = surge.inside.length - base.inside.length;
    const mean = 0.6 * base.inside.length;
    expect(Math.abs(extra - mean)).toBeLessThan(4 * Math.sqrt(mean));
  });

  it('a lull (x0.5) keeps each arrival of its window with probability 0.5 and changes none outside it', () => {
    const lull = arrivals(withArrivals(0.5));
    expect(lull.outside).toEqual(base.outside);
    const kept = new Set(base.inside);
    expect(lull.inside.every((k) => kept.has(k))).toBe(true);
    // binomial(n, 0.5): within 4 standard deviations
    const n = base.inside.length;
    expect(Math.abs(lull.inside.length - 0.5 * n)).toBeLessThan(4 * Math.sqrt(0.25 * n));
  });

  it('pairing still narrows the interval of a difference against a surge', () => {
    const a = load('priority.mode=always');
    const b = withArrivals(1.6);
    const n = 8;
    const mean = (s: Scenario, r: number) => runReplication(s, r).report.by_tier.general.clearance_hours.mean;
    const xa = Array.from({ length: n }, (_, r) => mean(a, r));
    const xb = Array.from({ length: n }, (_, r) => mean(b, r));
    const variance = (x: number[]) => {
      const m = x.reduce((p, q) => p + q, 0) / x.length;
      return x.reduce((p, q) => p + (q - m) ** 2, 0) / (x.length - 1);
    };
    const paired = variance(xa.map((x, i) => xb[i] - x)) / n;
    const unpaired = variance(xa) / n + variance(xb) / n;
    // the surge lasts one day of ten: the other nine days' shipments are the same in a and b, so
    // most of the replication-to-replication variation cancels in the paired difference
    expect(paired).toBeLessThan(0.5 * unpaired);
  });
});
