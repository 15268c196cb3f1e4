import { describe, expect, it } from 'vitest';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

const run = (file: string, ...sets: string[]) => runReplication(loadScenarioFile(`scenarios/${file}.yaml`, sets.map(parseOverride))).report;

describe('AEO benefits in the baseline (chongqing-2023)', () => {
  // 12 weeks so that the AEO inspection count (~0.5% of ~36k) is large enough to compare rates.
  const r = run('chongqing-2023', 'horizon.days=84');
  const aeo = r.by_tier.aeo,
    gen = r.by_tier.general;

  it('inspects AEO shipments at the configured fraction of the general rate (within binomial error)', () => {
    const configured = 0.0057 / 0.0244;
    const pA = aeo.lanes.red / aeo.count,
      pG = gen.lanes.red / gen.count;
    // delta method: relative variance of a ratio of independent binomial proportions
    const se = (pA / pG) * Math.sqrt((1 - pA) / (pA * aeo.count) + (1 - pG) / (pG * gen.count));
    expect(Math.abs(pA / pG - configured)).toBeLessThan(3 * se);
    expect(aeo.inspection_rate).toBeCloseTo(pA, 12);
    // the GACC rule the scenario is calibrated to: AEO below 20-25% of the regular rate
    expect(configured).toBeLessThan(0.25);
  });

  it('clears AEO shipments faster', () => {
    // port handling of imports (unloading, yard) is the same for everyone: the AEO gain is the customs part
    expect(aeo.clearance_hours.mean).toBeLessThan(0.85 * gen.clearance_hours.mean);
    expect(aeo.clearance_hours.p90).toBeLessThan(gen.clearance_hours.p90);
    expect(aeo.released_within['24h']).toBeGreaterThan(gen.released_within['24h']);
    expect(r.aeo_vs_non_aeo.mean_ratio).toBeLessThan(0.85);
  });

  it("waives AEO guarantees (expected value within 4 standard errors) and no one else's", () => {
    // on the tier-share form of the baseline (test/fixtures/v1), where every AEO declaration's value has one law
    const r = runReplication(loadScenarioFile('test/fixtures/v1/chongqing-2023.yaml', [parseOverride('horizon.days=84')])).report;
    const aeo = r.by_tier.aeo,
      gen = r.by_tier.general;
    // waived per AEO shipment W = B * V * rate with B ~ Bernoulli(share), V lognormal(mean m, cv)
    const share = 0.3,
      rate = 0.15,
      m = 220000,
      cv = 1.5;
    const ew = share * rate * m;
    const ew2 = share * rate * rate * m * m * (1 + cv * cv);
    const sd = Math.sqrt(aeo.count * (ew2 - ew * ew));
    expect(Math.abs(aeo.guarantee_waived_cny - aeo.count * ew)).toBeLessThan(4 * sd);
    expect(gen.guarantee_waived_cny).toBe(0);
    expect(r.by_tier.discredited.guarantee_waived_cny).toBe(0);
    expect(gen.segments_mean_hours.guarantee).toBeGreaterThan(0);
    expect(aeo.segments_mean_hours.guarantee).toBe(0);
  });

  it('is calibrated: AEOs carry ~60% of declared value and ~0.6% of firms', () => {
    expect(aeo.value_share).toBeGreaterThan(0.5);
    expect(aeo.value_share).toBeLessThan(0.7);
    expect(r.by_tier.discredited.inspection_rate).toBeGreaterThan(0.8);
  });
});

describe('aeo-expansion: 100 more AEO firms', () => {
  const base = run('chongqing-2023');
  const exp = run('aeo-expansion');
  const overall = (r: any) => {
    let n = 0,
      sum = 0;
    for (const t of Object.values<any>(r.by_tier)) {
      n += t.count;
      sum += t.count * t.clearance_hours.mean;
    }
    return sum / n;
  };

  it('moves declarations to the AEO tier and cuts mean clearance and inspections', () => {
    // exactly the declarations of the 100 firms certified move: the same firms lodge the same declarations in both
    const moved = loadScenarioFile('scenarios/aeo-expansion.yaml').population!.moved[0];
    const rows = base.firm_rows as { declarations: number[] };
    const movedDeclarations = Array.from(moved).reduce((a, i) => a + rows.declarations[i], 0);
    expect(movedDeclarations).toBeGreaterThan(0);
    expect(exp.by_tier.aeo.count).toBe(base.by_tier.aeo.count + movedDeclarations);
    expect(exp.by_tier.general.count).toBe(base.by_tier.general.count - movedDeclarations);
    // common random numbers: the same shipments arrive in both runs
    expect(exp.shipments.arrived).toBe(base.shipments.arrived);
    expect(overall(exp)).toBeLessThan(0.99 * overall(base));
    const red = (r: any) => Object.values<any>(r.by_tier).reduce((a, t) => a + t.lanes.red, 0);
    expect(red(exp)).toBeLessThan(red(base));
  });
});

describe('flood-disruption: AEO priority during and after the disruption', () => {
  const noFlood = run(
    'flood-disruption',
    'disruptions.0.capacity.inspection=1',
    'disruptions.0.capacity.documentary=1',
    'disruptions.0.capacity.declaration=1',
  );
  const flood = run('flood-disruption');
  const never = run('flood-disruption', 'priority.mode=never');
  const window = (r: any) => r.disruptions[0].aeo_vs_non_aeo;

  it('raises AEO clearance much less than non-AEO clearance during the disruption', () => {
    const aeoRise = window(flood).aeo.clearance_hours.mean - window(noFlood).aeo.clearance_hours.mean;
    const nonRise = window(flood).non_aeo.clearance_hours.mean - window(noFlood).non_aeo.clearance_hours.mean;
    expect(nonRise).toBeGreaterThan(1); // the flood matters: over an hour on average for non-AEO
    expect(aeoRise).toBeLessThan(0.2 * nonRise);
  });

  it('loses much of the AEO advantage when priority is switched off', () => {
    const advantage = (r: any) => window(r).non_aeo.clearance_hours.mean - window(r).aeo.clearance_hours.mean;
    const aeoRiseNever = window(never).aeo.clearance_hours.mean - window(noFlood).aeo.clearance_hours.mean;
    const aeoRise = window(flood).aeo.clearance_hours.mean - window(noFlood).aeo.clearance_hours.mean;
    expect(advantage(never)).toBeLessThan(advantage(flood));
    expect(aeoRiseNever).toBeGreaterThan(aeoRise + 0.5);
  });
});
