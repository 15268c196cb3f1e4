import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRun } from '../../src/runtime/embedded.js';
import { runReplication } from '../../src/runtime/run.js';
import { loadScenarioFile, loadScenarioObject, parseOverride } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import type { Report } from '../../src/stats/report.js';
import { note } from '../helpers/replicate.js';

const CHONGQING = fileURLToPath(new URL('../../scenarios/chongqing-2023.yaml', import.meta.url));

/** The bundled scenario with a two-day disruption: capacity cuts on every server stage, an
 * arrival surge, and tier priority switching on and off (mode disruption, 72 h recovery). */
const DISRUPTED = [
  parseOverride(
    'disruptions=[{name: flood, start: 10d, duration: 2d, capacity: {declaration: 0.1, documentary: 0.3, inspection: 0.5}, arrivals: 1.3}]',
  ),
];

describe("Little's law, exact over the whole run", () => {
  // Every unit of time a shipment spends in a stage's queue adds that much to the queue's area and
  // to the shipment's wait; once the run has drained, the two sums must agree up to rounding.
  const check = (s: Scenario, label: string) => {
    const run = new EmbeddedRun(s, 0);
    const waits = s.stages.map(() => 0);
    const starts = s.stages.map(() => 0);
    run.observer = {
      stageStarted(_sh, stage, wait) {
        waits[stage] += wait;
        starts[stage]++;
      },
    };
    expect(run.runUntil(Infinity)).toBe(true);
    let queued = 0;
    s.stages.forEach((st, i) => {
      const area = run.resources[i].totals.totalQueueArea;
      note(`${label} ${st.name}: sum of waits ${waits[i].toFixed(6)} vs queue area ${area.toFixed(6)} (${starts[i]} starts)`);
      expect(starts[i], `${st.name} never used`).toBeGreaterThan(0);
      expect(Math.abs(waits[i] - area), `${label} ${st.name}: sum of waits ${waits[i]} vs queue area ${area}`).toBeLessThanOrEqual(
        1e-6 * area,
      );
      if (area > 0) queued++;
    });
    expect(queued, 'no stage ever queued: the check would be vacuous').toBeGreaterThan(0);
    return queued;
  };

  it('holds for every stage of chongqing-2023', () => {
    check(loadScenarioFile(CHONGQING), 'chongqing');
  });

  it('holds through a disruption with priority switching', () => {
    // the cut to 4 declaration servers makes even the intake stage queue: declaration,
    // documentary, inspection and the import unloading all have queues to check
    expect(check(loadScenarioFile(CHONGQING, DISRUPTED), 'disrupted')).toBe(4);
  });
});

describe('chongqing-2023, one replication', () => {
  let s: Scenario;
  let report: Report;
  /** Per stage: sum of the waits of shipments whose time in the system straddles a window edge. */
  let straddle: number[];

  beforeAll(() => {
    s = loadScenarioFile(CHONGQING);
    const T0 = s.warmupDays * 24,
      T1 = s.horizonDays * 24;
    straddle = s.stages.map(() => 0);
    const res = runReplication(s, 0, {
      stageStarted(sh, stage, wait, now) {
        // [lo, hi] spans both the shipment's arrival and its wait at this stage
        const enq = now - wait;
        const lo = Math.min(sh.arrival, enq),
          hi = Math.max(sh.arrival, now);
        if ((lo < T0 && hi >= T0) || (lo < T1 && hi >= T1)) straddle[stage] += wait;
      },
    });
    report = res.report;
  });

  it("satisfies Little's law per stage in the report: queue.mean = (count / window) x wait mean", () => {
    // queue.mean x T is the queue area inside the window [T0, T1); count x wait mean is the summed
    // wait of the shipments that arrived inside it. A shipment whose span [min(arrival, enqueue),
    // max(arrival, start)] lies inside the window contributes its wait w to both; one wholly before
    // T0 contributes to neither; only a shipment whose span crosses T0 or T1 can contribute
    // differently, and by at most w. So |queue.mean - count / T x wait mean| <= S / T exactly, with
    // S the summed waits of the straddlers, measured by the observer on the same run.
    const T = (s.horizonDays - s.warmupDays) * 24;
    let meaningful = 0;
    for (const st of s.stages) {
      const x = report.stages[st.name];
      const little = (x.count / T) * x.wait_hours.mean;
      const bound = straddle[st.index] / T;
      note(
        `stage ${st.name}: queue.mean ${x.queue.mean.toFixed(4)} vs lambda W ${little.toFixed(4)} (bound ${bound.toFixed(4)}, count ${x.count})`,
      );
      expect(Math.abs(x.queue.mean - little), `${st.name}: L ${x.queue.mean} vs lambda W ${little}`).toBeLessThanOrEqual(
        bound + 1e-9 * (1 + x.queue.mean),
      );
      if (x.queue.mean > 0) {
        // edge effects must stay small against the stage's queue, or the check would say nothing
        expect(bound / x.queue.mean).toBeLessThan(0.1);
        meaningful++;
      }
    }
    expect(meaningful).toBeGreaterThanOrEqual(2);
  });

  it("assigns lanes at each tier's configured rates (within 4 binomial standard errors)", () => {
    for (const t of s.tiers) {
      const x = report.by_tier[t.name];
      const n = x.count;
      expect(n).toBeGreaterThan(400);
      const expected = { red: t.red, yellow: t.yellow, green: 1 - t.red - t.yellow - t.blue };
      for (const lane of ['red', 'yellow', 'green'] as const) {
        const p = expected[lane];
        const share = x.lanes[lane] / n;
        const se = Math.sqrt((p * (1 - p)) / n);
        note(`${t.name} ${lane}: ${x.lanes[lane]}/${n} = ${share.toFixed(4)} vs ${p} (${((share - p) / se).toFixed(2)} SE)`);
        expect(Math.abs(share - p), `${t.name} ${lane}: ${share} vs ${p} (se ${se})`).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it('conserves shipments: every arrival is released, every observed one passes intake and release', () => {
    const sh = report.shipments;
    expect(sh.arrived).toBeGreaterThan(30_000);
    expect(sh.released).toBe(sh.arrived);
    expect(sh.in_progress).toBe(0);
    const byTier = Object.values(report.by_tier).reduce((a: number, t: any) => a + t.count, 0);
    expect(byTier).toBe(sh.observed);
    expect(report.stages.declaration.count).toBe(sh.observed);
    expect(report.stages.payment.count).toBe(sh.observed);
    const byLane = Object.values(report.by_lane).reduce((a: number, l: any) => a + l.count, 0);
    expect(byLane).toBe(sh.observed);
  });

  it('is deterministic: the same seed gives the same report, another seed or replication does not', () => {
    const strip = (r: Report) => {
      const c = structuredClone(r);
      delete c.wall_seconds;
      return c;
    };
    // no observer this time: observing must not change the run either
    const again = runReplication(s, 0).report;
    expect(strip(again)).toEqual(strip(report));

    const other = runReplication(loadScenarioFile(CHONGQING, [parseOverride('seed=2024')]), 0).report;
    const core = (r: Report) => ({ by_tier: r.by_tier, stages: r.stages, shipments: r.shipments });
    expect(other.seed).toBe(2024);
    expect(core(other)).not.toEqual(core(report));
    expect(core(runReplication(s, 1).report)).not.toEqual(core(report));
  });
});

describe('pre-lodged green shipments cleared before arrival', () => {
  // Every declaration is lodged 0-12 h before the goods arrive and goes green (desk, then payment);
  // M/M/3 at rho 0.67 plus 30 min payment is done ~2 h after lodgement, so most are cleared
  // before the goods arrive (clearance exactly 0), and some are not (clearance = done - arrival).
  const s = loadScenarioObject({
    name: 'prelodged',
    seed: 77,
    horizon: { days: 30, warmup_days: 2 },
    arrivals: { per_day: 48 },
    tiers: {
      aeo: { aeo: true, shipment_share: 1, noncompliance: 0, lanes: { red: 0, yellow: 0 }, pre_arrival_share: 1, guarantee_exempt: true },
    },
    lodgement: { lead: { dist: 'uniform', min: 0, max: '12h' }, delay: { dist: 'constant', value: 0 } },
    stages: {
      desk: { servers: 3, service: { dist: 'exponential', mean: '1h' } },
      payment: { servers: 'unlimited', service: { dist: 'exponential', mean: '30m' } },
    },
    flow: { intake: ['desk'], lanes: { green: [], yellow: [], red: [] }, release: ['payment'] },
    risk: { targeting_lift: 1 },
    findings: { hold: { dist: 'constant', value: 0 } },
    priority: { mode: 'never' },
  });

  it('releases them at arrival with clearance exactly 0', () => {
    const doneAt = new Map<number, number>();
    let zero = 0,
      late = 0,
      total = 0;
    const { report } = runReplication(s, 0, {
      stageStarted(sh, stage, _wait, now) {
        // stages run in sequence, so the last start + its service is when processing is done
        doneAt.set(sh.id, now + sh.service(stage));
      },
      released(sh, clearance, now) {
        total++;
        expect(sh.preLodged).toBe(true);
        expect(sh.lane).toBe(0);
        const done = doneAt.get(sh.id);
        expect(done).toBeDefined();
        if (done! <= sh.arrival) {
          zero++;
          expect(clearance).toBe(0);
          expect(now).toBe(sh.arrival);
        } else {
          late++;
          expect(clearance).toBeGreaterThan(0);
          expect(clearance).toBeCloseTo(done! - sh.arrival, 9);
        }
        doneAt.delete(sh.id);
      },
    });
    note(
      `pre-lodged: ${zero} cleared before arrival, ${late} after, of ${total}; p50 ${report.by_tier.aeo.clearance_hours.p50}, p90 ${report.by_tier.aeo.clearance_hours.p90}`,
    );
    expect(total).toBe(report.shipments.arrived);
    expect(zero).toBeGreaterThan(0.6 * total);
    expect(late).toBeGreaterThan(0.05 * total);
    const t = report.by_tier.aeo;
    expect(t.pre_lodged_share).toBe(1);
    expect(t.clearance_hours.p50).toBe(0);
    expect(t.clearance_hours.p90).toBeGreaterThan(0);
    // the zero-clearance share shows up in "released within 1 h" too
    expect(t.released_within['1h']).toBeGreaterThanOrEqual(0.6);
  });
});
