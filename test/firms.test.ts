import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../src/experiments/compare.js';
import { firmId } from '../src/model/firm-population.js';
import { runReplication } from '../src/runtime/run.js';
import { ScenarioError } from '../src/errors.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import type { FirmRows } from '../src/stats/firm-tally.js';
import { clearsim } from './helpers/cli.js';

const load = (file: string, ...sets: string[]) => loadScenarioFile(`scenarios/${file}.yaml`, sets.map(parseOverride));
const tmp = mkdtempSync(join(tmpdir(), 'clearsim-firms-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Expected share of declarations (and of value) each tier's firms lodge, from the population alone. */
function expectedShares(s: Scenario) {
  const p = s.population!;
  const decl = s.tiers.map(() => 0),
    value = s.tiers.map(() => 0);
  let total = 0;
  for (let i = 0; i < p.count; i++) {
    decl[p.tier[i]] += p.weight[i];
    value[p.tier[i]] += p.expectedValue(i);
    total += p.expectedValue(i);
  }
  return { decl, value: value.map((v) => v / total) };
}

describe('the firm population', () => {
  const s = load('chongqing-2023');

  it('is drawn from the seed alone: the same firms for every policy, other firms for another seed', () => {
    const b = load('aeo-expansion');
    const c = load('chongqing-2023', 'seed=7');
    expect(b.population!.weight).toEqual(s.population!.weight);
    expect(b.population!.valueMean).toEqual(s.population!.valueMean);
    expect(b.population!.sector).toEqual(s.population!.sector);
    expect(b.population!.baseTier).toEqual(s.population!.baseTier);
    expect(c.population!.weight).not.toEqual(s.population!.weight);
  });

  it('picks firms by size: draws of the alias table follow the weights (chi-square over size classes)', () => {
    const p = s.population!;
    // 10 classes of equal expected share, largest firms first
    const order = Array.from(p.weight.keys()).sort((a, b) => p.weight[b] - p.weight[a]);
    const cls = new Int32Array(p.count);
    let acc = 0;
    for (const i of order) {
      cls[i] = Math.min(9, Math.floor(acc * 10));
      acc += p.weight[i];
    }
    const expected = new Array(10).fill(0);
    for (let i = 0; i < p.count; i++) expected[cls[i]] += p.weight[i];
    const n = 200_000;
    const seen = new Array(10).fill(0);
    let x = 12345;
    for (let k = 0; k < n; k++) {
      x = (x * 48271) % 2147483647;
      seen[cls[p.pick(x / 2147483647)]]++;
    }
    let chi2 = 0;
    for (let c = 0; c < 10; c++) chi2 += (seen[c] - n * expected[c]) ** 2 / (n * expected[c]);
    // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
    expect(chi2).toBeLessThan(27.9);
  });

  it('gives every declaration a firm, and tier shares that follow from the firms within sampling error', () => {
    const { report } = runReplication(load('chongqing-2023', 'horizon.days=60'));
    const { decl } = expectedShares(s);
    const n = report.shipments.observed;
    const f = report.firms!;
    s.tiers.forEach((t, i) => {
      const got = f.by_tier[t.name].share_of_declarations;
      // declarations cluster by firm: the variance of a share is sum over firms of w_i^2 per draw
      // plus the binomial part; a few firms are large, so the clustering term is what bounds it
      const p = s.population!;
      let w2 = 0;
      for (let k = 0; k < p.count; k++) if (p.tier[k] === i) w2 += p.weight[k] * p.weight[k];
      const se = Math.sqrt((decl[i] * (1 - decl[i])) / n + w2 / n);
      expect(Math.abs(got - decl[i]), `${t.name}: ${got} vs ${decl[i]}`).toBeLessThan(4 * se);
    });
    const sum = Object.values(f.by_tier).reduce((a, t) => a + t.declarations, 0);
    expect(sum).toBe(n);
    expect(Object.values(f.by_tier).reduce((a, t) => a + t.firms, 0)).toBe(16_700);
  });
});

describe('the baseline reproduces the published figures (chongqing-2023)', () => {
  // half a year: enough AEO declarations (~65,000) for the inspection rate (~370 reds) to be checked
  const s = load('chongqing-2023', 'horizon.days=182');
  const { report } = runReplication(s);
  const f = report.firms!;

  it('has 100 AEO firms of 16,700, 0.55-0.65% of firms, 68% of them manufacturers', () => {
    expect(f.count).toBe(16_700);
    expect(f.by_tier.aeo.firms).toBe(100);
    expect(f.by_tier.aeo.share_of_firms).toBeGreaterThanOrEqual(0.0055);
    expect(f.by_tier.aeo.share_of_firms).toBeLessThanOrEqual(0.0065);
    expect(f.by_tier.aeo.sectors.manufacturing).toBeGreaterThanOrEqual(0.63);
    expect(f.by_tier.aeo.sectors.manufacturing).toBeLessThanOrEqual(0.73);
  });

  it('gives AEO firms 55-65% of declared value', () => {
    expect(f.by_tier.aeo.share_of_value).toBeGreaterThanOrEqual(0.55);
    expect(f.by_tier.aeo.share_of_value).toBeLessThanOrEqual(0.65);
    expect(report.by_tier.aeo.value_share).toBeCloseTo(f.by_tier.aeo.share_of_value, 12);
  });

  it('inspects each tier within 15% of GACC 2019 (and within 4 binomial standard errors)', () => {
    for (const [tier, gacc] of [
      ['aeo', 0.0057],
      ['general', 0.0244],
      ['discredited', 0.8476],
    ] as const) {
      const t = report.by_tier[tier];
      expect(Math.abs(t.inspection_rate - gacc) / gacc, tier).toBeLessThan(0.15);
      const configured = s.tiers.find((x) => x.name === tier)!.red;
      expect(Math.abs(t.inspection_rate - configured), tier).toBeLessThan(4 * Math.sqrt((configured * (1 - configured)) / t.count));
    }
  });

  it("has its largest AEO manufacturer avoid guarantees of the order of the seed's 70 M yuan a year", () => {
    const big = f.top.find((x) => x.tier === 'aeo' && x.sector === 'manufacturing')!;
    expect(big.guarantee_waived_cny_per_year).toBeGreaterThan(70e6 / 3);
    expect(big.guarantee_waived_cny_per_year).toBeLessThan(70e6 * 3);
  });

  it('lists the 20 largest firms by value, in order, consistent with the rows', () => {
    expect(f.top).toHaveLength(20);
    for (let k = 1; k < f.top.length; k++) expect(f.top[k - 1].value_cny).toBeGreaterThanOrEqual(f.top[k].value_cny);
    const rows = report.firm_rows as FirmRows;
    const maxValue = Math.max(...rows.value_cny);
    expect(f.top[0].value_cny).toBe(maxValue);
    expect(report.costs!.overall.time_cost_cny).toBeGreaterThan(0);
  });
});

describe('certification policies', () => {
  const a = load('chongqing-2023', 'horizon.days=14');
  const b = load('aeo-expansion', 'horizon.days=14');
  const ra = runReplication(a).report,
    rb = runReplication(b).report;

  it('moves exactly the chosen firms: the 100 largest eligible general firms by value', () => {
    const pa = a.population!,
      pb = b.population!;
    const moved = Array.from(pb.moved[0]);
    expect(moved).toHaveLength(100);
    const general = 1,
      aeo = 0;
    const eligible = Array.from(pa.tier.keys()).filter((i) => pa.tier[i] === general && pa.noncompliance[i] <= 0.015);
    eligible.sort((x, y) => pa.expectedValue(y) - pa.expectedValue(x) || x - y);
    expect(moved).toEqual(eligible.slice(0, 100));
    for (let i = 0; i < pa.count; i++) expect(pb.tier[i]).toBe(moved.includes(i) ? aeo : pa.tier[i]);
    expect(rb.firms!.by_tier.aeo.firms).toBe(200);
    expect(rb.firms!.certifications[0].ids).toEqual(moved.map(firmId));
  });

  it('keeps total declarations and total value, firm by firm', () => {
    const fa = ra.firm_rows as FirmRows,
      fb = rb.firm_rows as FirmRows;
    expect(fb.declarations).toEqual(fa.declarations);
    // the same declarations with the same values; released in another order, so summed in another order
    fa.value_cny.forEach((v, i) => expect(Math.abs(fb.value_cny[i] - v)).toBeLessThanOrEqual(1e-9 * v));
    const total = (r: typeof ra) => Object.values(r.by_tier).reduce((x, t) => x + t.value_cny, 0);
    expect(total(rb)).toBeCloseTo(total(ra), 3);
    expect(rb.shipments.observed).toBe(ra.shipments.observed);
  });

  it('refuses a certification that asks for more firms than are eligible, naming the field', () => {
    try {
      load('aeo-expansion', 'certifications.0.firms=100000');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as Error).message).toMatch(
        /certifications\.0\.firms: certification next-100 asks for 100000 firms but only \d+ are eligible/,
      );
    }
  });
});

describe('firm-level scenario errors', () => {
  const message = (...sets: string[]) => {
    try {
      load('chongqing-2023', ...sets);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  it.each([
    [
      ['tiers.aeo.shipment_share=0.3'],
      "tiers.aeo.shipment_share: with a firms section, a tier's share of declarations follows from its firms",
    ],
    [['tiers.general.firms=100'], 'tiers: the tiers hold 434 of the 16700 firms: give one tier no count'],
    [['tiers.aeo.firms=20000'], 'tiers: the tiers ask for 20234 firms, more than the 16700 of firms.count'],
    [['tiers.aeo.sectors.farming=0.1'], 'tiers.aeo.sectors.farming: unknown sector "farming" (sectors: manufacturing, trading, logistics)'],
    [['firms.sectors.trading=0.6'], 'firms.sectors: shares must sum to 1 (got 1.05)'],
    [
      ['certifications=[{firms: 1, from: general, to: gold}]'],
      'certifications.0.to: unknown tier "gold" (tiers: aeo, general, discredited)',
    ],
    [['firms.count=0'], 'firms.count: must be >= 1'],
  ])('%s', (sets, text) => {
    expect(message(...sets)).toContain(text);
  });

  it('refuses firm keys in a scenario without firms', () => {
    expect(() => loadScenarioFile('test/fixtures/v1/chongqing-2023.yaml', [parseOverride('tiers.aeo.firms=10')])).toThrow(
      /tiers\.aeo\.firms: needs a firms section/,
    );
  });
});

describe('common random numbers at firm level, and per-firm outputs', () => {
  it('keeps every shipment with its firm across two policies (trace)', () => {
    const ta = join(tmp, 'a.csv'),
      tb = join(tmp, 'b.csv');
    expect(clearsim(['run', 'scenarios/chongqing-2023.yaml', '--days', '5', '--trace', ta]).status).toBe(0);
    expect(clearsim(['run', 'scenarios/aeo-expansion.yaml', '--days', '5', '--trace', tb]).status).toBe(0);
    const rows = (f: string) => {
      const [head, ...lines] = readFileSync(f, 'utf8').trim().split('\n');
      const cols = head.split(',');
      return new Map(lines.map((l) => l.split(',')).map((c) => [c[cols.indexOf('id')], c[cols.indexOf('firm')]]));
    };
    const a = rows(ta),
      b = rows(tb);
    expect(a.size).toBeGreaterThan(5000);
    expect(b.size).toBe(a.size);
    for (const [id, firm] of a) expect(b.get(id), id).toBe(firm);
    expect([...a.values()].every((f) => /^F\d{5}$/.test(f))).toBe(true);
  });

  it('compares firm by firm: the 100 new AEOs save hours and money, and --firms writes every firm', async () => {
    const a = load('chongqing-2023', 'horizon.days=10'),
      b = load('aeo-expansion', 'horizon.days=10');
    const c = await compare(a, b, 3);
    const f = c.firms!;
    expect(f.moved).toEqual({ firms: 100, by_move: { 'general -> aeo': 100 } });
    const moved = f.groups.moved;
    expect(moved.mean.hi!).toBeLessThan(0); // their mean clearance falls, interval below 0
    expect(moved.money_saved_cny_per_year.lo!).toBeGreaterThan(0);
    expect(moved.guarantee_waived_cny_per_year_change.estimate).toBeGreaterThan(0);
    expect(f.benefit.bands.reduce((x, y) => x + y.firms, 0)).toBe(f.benefit.firms);
    expect(c.firmRows).toHaveLength(16_700);
    expect(c.lines.some((l) => l.startsWith('Firms that change tier (100): '))).toBe(true);

    const file = join(tmp, 'firms.csv');
    const r = clearsim([
      'compare',
      'scenarios/chongqing-2023.yaml',
      'scenarios/aeo-expansion.yaml',
      '--days',
      '4',
      '--replications',
      '2',
      '--firms',
      file,
    ]);
    expect(r.status).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(16_701);
    expect(lines[0]).toMatch(/^id,sector,tier_a,tier_b,declarations,/);
    expect(lines.filter((l) => l.includes(',general,aeo,'))).toHaveLength(100);
  });

  it('refuses --firms for a scenario without firms, and a file that is neither .csv nor .jsonl', () => {
    const r = clearsim(['run', 'test/fixtures/v1/chongqing-2023.yaml', '--firms', join(tmp, 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no firms section');
    const r2 = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--firms', join(tmp, 'x.txt')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('give a .csv or .jsonl file');
  });
});
