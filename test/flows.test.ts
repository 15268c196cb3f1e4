import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import { clearsim } from './helpers/cli.js';

const FILE = 'test/fixtures/flows.yaml';
const load = (...sets: string[]) => loadScenarioFile(FILE, sets.map(parseOverride));
const tmp = mkdtempSync(join(tmpdir(), 'clearsim-flows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Trace rows as objects, from a CSV trace. */
function traceRows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('trade flows', () => {
  const s = load('horizon.days=21');
  const trace = join(tmp, 'flows.csv');
  const r = clearsim(['run', FILE, '--days', '21', '--trace', trace]);
  const rows = traceRows(trace);

  it('gives each tier the configured flow shares (within 4 binomial standard errors)', () => {
    expect(r.status).toBe(0);
    for (const [ti, t] of s.tiers.entries()) {
      const mine = rows.filter((x) => x.tier === t.name);
      expect(mine.length).toBeGreaterThan(300);
      for (const f of s.flows) {
        const p = f.shares[ti];
        const got = mine.filter((x) => x.flow === f.name).length / mine.length;
        const se = Math.sqrt((p * (1 - p)) / mine.length);
        expect(Math.abs(got - p), `${t.name} ${f.name}`).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it("follows each flow's route: handling stages only where the flow lists them", () => {
    const visited = (x: Record<string, string>, stage: string) => x[`${stage}_start_h`] !== '';
    for (const f of s.flows) {
      const mine = rows.filter((x) => x.flow === f.name);
      expect(mine.length).toBeGreaterThan(100);
      const handling = f.handling.map((i) => s.stages[i].name);
      for (const stage of ['unloading', 'yard'])
        expect(
          mine.every((x) => visited(x, stage) === handling.includes(stage)),
          `${f.name} ${stage}`,
        ).toBe(true);
      // every shipment passes intake and release, whatever its flow
      expect(mine.every((x) => visited(x, 'declaration') && visited(x, 'payment'))).toBe(true);
      // a handling stage needs the goods: it never starts before they arrive
      for (const stage of handling) expect(mine.every((x) => Number(x[`${stage}_start_h`]) >= Number(x.arrival_h) - 1e-6)).toBe(true);
    }
  });

  it('reports by direction and by mode, their counts adding up to the observed shipments', () => {
    const rep = runReplication(s).report;
    const dirs = rep.by_direction!;
    expect(Object.keys(dirs)).toEqual(['import', 'export']);
    expect(dirs.import.count + dirs.export.count).toBe(rep.shipments.observed);
    expect(Object.values(rep.by_mode!).reduce((a, m) => a + m.count, 0)).toBe(rep.shipments.observed);
    expect(Object.values(rep.by_flow!).reduce((a, f) => a + f.count, 0)).toBe(rep.shipments.observed);
    // imports pass port handling, exports are mostly cleared before they arrive
    expect(dirs.import.clearance_hours.mean).toBeGreaterThan(3 * dirs.export.clearance_hours.mean);
    expect(dirs.import.aeo_vs_non_aeo.mean_ratio!).toBeLessThan(1);
    expect(dirs.export.aeo_vs_non_aeo.mean_ratio!).toBeLessThan(1);
    // lodgement to release is never shorter than arrival to release for a shipment lodged after arrival
    expect(dirs.import.lodgement_to_release_hours.mean).toBeGreaterThan(0);
  });

  it('multiplies the lane rates of a flow: exports inspected at half the rate', () => {
    const base = runReplication(load('horizon.days=42')).report;
    const half = runReplication(
      load('horizon.days=42', ...['export-rail', 'export-water', 'export-air', 'export-road'].map((f) => `flows.${f}.lanes.red=0.5`)),
    ).report;
    // the same shipments, the same flows: only the red rate of exports changes
    expect(half.by_direction!.export.count).toBe(base.by_direction!.export.count);
    // imports keep their lanes (the same uniforms, the same tables): every red shipment fewer is an export
    const reds = (rep: typeof base) => rep.by_lane.red.count;
    expect(reds(half)).toBeLessThan(reds(base));
    expect(half.by_direction!.import.clearance_hours.mean).toBeCloseTo(base.by_direction!.import.clearance_hours.mean, 0);
  });
});

describe('mutual recognition', () => {
  it('changes only the destination segment: domestic clearance is identical, AEO exports to MRA partners clear faster abroad', () => {
    const none = runReplication(load('horizon.days=14', 'destination.mra_factor=1')).report;
    const mra = runReplication(load('horizon.days=14')).report;
    const domestic = (rep: typeof none) => JSON.stringify({ ...rep, destination: undefined, wall_seconds: 0 });
    expect(domestic(mra)).toBe(domestic(none));
    const d = mra.destination!;
    expect(d.aeo_mra.count).toBeGreaterThan(100);
    // same draws, factor 0.5: the MRA group's mean is half of what the same shipments take without it
    expect(none.destination!.aeo_mra.clearance_hours.mean * 0.5).toBeCloseTo(d.aeo_mra.clearance_hours.mean, 9);
    expect(d.non_aeo_mra.clearance_hours.mean).toBeCloseTo(none.destination!.non_aeo_mra.clearance_hours.mean, 9);
    expect(d.mra_saving_hours).toBeGreaterThan(0);
  });
});

describe('flow scenario errors', () => {
  const message = (...sets: string[]) => {
    try {
      load(...sets);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  it.each([
    [['flows.import-rail.share=0.3'], "flows: the flows' shares of tier aeo must sum to 1 (got 1.05"],
    [['flows.import-rail.handling=[crane]'], 'flows.import-rail.handling.0: unknown stage "crane"'],
    [['flows.import-rail.mra_share=0.2'], 'flows.import-rail.mra_share: is for exports only'],
    [['flows.import-rail.share={gold: 0.25}'], 'flows.import-rail.share.gold: unknown tier "gold"'],
    [['flows.export-rail.lanes.red=100'], "flows.export-rail.lanes: make tier discredited's red + yellow"],
    [['flows.import-rail.direction=inbound'], 'flows.import-rail.direction: must be one of import, export'],
  ])('%s', (sets, text) => {
    expect(message(...sets)).toContain(text);
  });

  it('needs a destination section when exports go to MRA partners', () => {
    const doc = readFileSync(FILE, 'utf8').replace(/\ndestination:\n( {2}.*\n)+/, '\n');
    const f = join(tmp, 'no-destination.yaml');
    writeFileSync(f, doc);
    expect(() => loadScenarioFile(f)).toThrow(/destination: is required: flow export-rail sends exports to MRA partners/);
  });
});

describe('two-step declaration', () => {
  const base = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=21')]);
  const two = loadScenarioFile('scenarios/two-step-declaration.yaml', [parseOverride('horizon.days=21')]);
  const none = loadScenarioFile('scenarios/two-step-declaration.yaml', [
    parseOverride('horizon.days=21'),
    ...['import-rail', 'import-river', 'import-air', 'import-road'].map((f) => parseOverride(`flows.${f}.two_step=0`)),
  ]);
  const doc = two.stages.findIndex((st) => st.name === 'documentary');
  const releasedAt = new Map<number, number>();
  const reviews: { id: number; start: number; wait: number }[] = [];
  const observer = {
    released: (sh: { id: number; twoStep: boolean }, _c: number, at: number) => {
      if (sh.twoStep) releasedAt.set(sh.id, at);
    },
    stageStarted: (sh: { id: number; completion: boolean }, stage: number, wait: number, at: number) => {
      if (sh.completion) {
        expect(stage).toBe(doc);
        reviews.push({ id: -1 - sh.id, start: at, wait });
      }
    },
  };
  const r2 = runReplication(two, 0, observer as never).report;
  const r0 = runReplication(none).report;

  it('releases goods before their complete declaration is reviewed, within the deadline', () => {
    expect(reviews.length).toBeGreaterThan(50);
    for (const x of reviews) {
      const rel = releasedAt.get(x.id)!;
      expect(rel, `shipment ${x.id}`).toBeDefined();
      expect(x.start).toBeGreaterThan(rel);
      // lodged (start - wait) within 14 days of release
      expect(x.start - x.wait - rel).toBeLessThanOrEqual(14 * 24 + 1e-9);
    }
    expect(r2.two_step!.complete_declarations.reviewed).toBeGreaterThan(0);
    expect(r2.two_step!.complete_declarations.done_after_release_hours.p50).toBeGreaterThan(0);
  });

  it("moves the documentary checks after release: the stage's work stays, in the stage's load", () => {
    // the same shipments with the same service draws: every check done before release without
    // two-step is a review after release with it
    const t = r2.two_step!;
    expect(r2.stages.documentary.count).toBe(r0.stages.documentary.count);
    expect(t.officer_hours).toBeGreaterThan(0);
    expect(t.share_of_stage_busy).toBeGreaterThan(0.1);
    expect(r0.two_step!.officer_hours).toBe(0);
    expect(Math.abs(r2.stages.documentary.busy_mean - r0.stages.documentary.busy_mean) / r0.stages.documentary.busy_mean).toBeLessThan(
      0.05,
    );
  });

  it('releases imports sooner, exports unchanged in count', () => {
    expect(r2.by_direction!.import.clearance_hours.mean).toBeLessThan(r0.by_direction!.import.clearance_hours.mean);
    expect(r2.two_step!.declarations).toBeGreaterThan(r0.two_step!.declarations);
    expect(r2.by_direction!.export.count).toBe(r0.by_direction!.export.count);
    expect(r2.shipments.arrived).toBe(r0.shipments.arrived);
  });

  it('calibrates the baseline to the published 2022 clearance times (import within 15%, export within 25%; AEO faster in both)', () => {
    const r = runReplication(loadScenarioFile('scenarios/chongqing-2023.yaml')).report;
    const d = r.by_direction!;
    expect(Math.abs(d.import.clearance_hours.mean - 32.02) / 32.02).toBeLessThan(0.15);
    expect(Math.abs(d.export.clearance_hours.mean - 1.03) / 1.03).toBeLessThan(0.25);
    expect(d.import.aeo_vs_non_aeo.mean_ratio!).toBeLessThan(1);
    expect(d.export.aeo_vs_non_aeo.mean_ratio!).toBeLessThan(1);
    expect(base.twoStep).not.toBeNull();
  });
});
