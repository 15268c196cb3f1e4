import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { hasCapacitySchedule, nextCapacityChange, priorityWindows } from '../../src/model/capacity-schedule.js';
import { runBullmq } from '../../src/runtime/bullmq/index.js';
import { runReplication } from '../../src/runtime/run.js';
import type { Scenario } from '../../src/scenario/types.js';
import type { Report } from '../../src/stats/report.js';
import { TraceWriter } from '../../src/trace/trace-writer.js';
import { leftovers, shortScenario } from '../helpers/bullmq.js';
import { validateReport } from '../helpers/report-schema.js';

/**
 * The driver contract: the clearance process run by the embedded driver (calendar and resources,
 * virtual time) and by the BullMQ driver (stage queues and delayed jobs on Redis, wall time x
 * scale) must account for the same shipments exactly, and agree statistically on everything that
 * depends on queueing at wall-clock timing. Every tolerance below says where it comes from.
 */
const redisUrl = inject('redisUrl');
// 12 simulated hours per wall second: at 400 declarations a day the pipeline's peak job rate
// stays well inside what two worker processes and Redis serve on two cores.
const TIME_SCALE = 43200;

/** Capacity, priority and disruption changes in (from, to]: run-level events a longer drain also takes. */
function scheduleChangesIn(s: Scenario, from: number, to: number): number {
  let n = 0;
  s.stages.forEach((_, i) => {
    if (!hasCapacitySchedule(s, i)) return;
    for (let t = nextCapacityChange(s, i, from); t <= to; t = nextCapacityChange(s, i, t)) n++;
  });
  for (const w of priorityWindows(s)) for (const t of [w.from, w.to]) if (t > from && t <= to) n++;
  for (const d of s.disruptions) for (const t of [d.start, d.end]) if (t > from && t <= to) n++;
  return n;
}

/** 3 standard errors of a difference of two independent means: conservative, since common random numbers correlate them positively. */
const se3 = (a: { sd: number }, na: number, b: { sd: number }, nb: number) =>
  3 * Math.sqrt(a.sd ** 2 / Math.max(1, na) + b.sd ** 2 / Math.max(1, nb));

describe.each([
  ['chongqing-2023', []],
  ['aeo-expansion', []],
  // the flood moved inside the shortened horizon: 12 h from day 0.5, priority switching on and off
  ['flood-disruption', ['disruptions.0.start=12h', 'disruptions.0.duration=12h', 'priority.recovery=6h']],
] as [string, string[]][])('%s through both drivers', (name, sets) => {
  const s = shortScenario(name, ...sets);
  const { run, report: e } = runReplication(s);
  const embeddedLastRelease = run.now;
  let b: Report;
  const traceFile = join(tmpdir(), `clearsim-conformance-${name}-${process.pid}.csv`);

  it('runs on BullMQ with a trace and leaves nothing in Redis', async () => {
    const trace = new TraceWriter(traceFile, s);
    try {
      b = await runBullmq(s, { redisUrl, timeScale: TIME_SCALE, workers: 2, observer: trace, flush: () => trace.flush() });
    } finally {
      await trace.close();
    }
    expect(b.runtime).toBe('bullmq');
    // the report JSON Schema (docs/report.schema.json) holds for a real BullMQ report too
    expect(validateReport('Report', JSON.parse(JSON.stringify(b)))).toEqual([]);
    expect(b.bullmq!.duplicate_releases).toBe(0);
    expect(b.bullmq!.lag.keeping_up, `workers behind the clock: ${JSON.stringify(b.bullmq!.lag)}`).toBe(true);
    expect(await leftovers(redisUrl, b.bullmq!.run_id)).toEqual([]);
  });

  it('accounts for the same shipments exactly', () => {
    expect(b.shipments).toEqual(e.shipments);
    expect(b.shipments.in_progress).toBe(0);
    for (const [tier, et] of Object.entries(e.by_tier)) {
      const bt = b.by_tier[tier];
      // same draws: the same lanes, findings, values and waivers, tier by tier
      for (const k of [
        'count',
        'lanes',
        'noncompliant',
        'findings',
        'inspection_rate',
        'hit_rate',
        'detection_rate',
        'pre_lodged_share',
      ] as const) {
        expect(bt[k], `${tier}.${k}`).toEqual(et[k]);
      }
      // sums of the same values, added in release order: equal to rounding
      for (const k of ['value_cny', 'guarantee_waived_cny'] as const) {
        expect(Math.abs(bt[k] - et[k]), `${tier}.${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, et[k]) * et.count);
      }
    }
    for (const [lane, el] of Object.entries(e.by_lane)) expect(b.by_lane[lane].count, lane).toBe(el.count);
    for (const [stage, es] of Object.entries(e.stages)) {
      const bs = b.stages[stage];
      expect(bs.count, `${stage} visits`).toBe(es.count);
      for (const [tier, x] of Object.entries(es.by_tier)) expect(bs.by_tier[tier].count, `${stage} ${tier} visits`).toBe(x.count);
      // the same service times, shipment by shipment: their mean differs by rounding only
      expect(Math.abs(bs.service_hours.mean - es.service_hours.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, es.service_hours.mean));
    }
  });

  it('counts the same events, up to the schedule changes of a longer drain', () => {
    // BullMQ's last release comes later by the workers' lag; the capacity changes in between are
    // events the embedded engine, stopping at its last release, never took.
    const last = b.bullmq!.last_release_hours;
    const lo = Math.min(embeddedLastRelease, last),
      hi = Math.max(embeddedLastRelease, last);
    const extra = scheduleChangesIn(s, lo, hi) * Math.sign(last - embeddedLastRelease);
    expect(b.events).toBe(e.events + extra);
  });

  it('agrees on clearance by tier and lane, and on stage waits, utilization and queues', () => {
    const lagHours = (b.bullmq!.lag.mean_wall_seconds * TIME_SCALE) / 3600;
    // Clearance differs only through queueing at wall-clock timing: 3 standard errors plus twice
    // the mean lag (the simulated time by which a delayed step started late).
    for (const [tier, et] of Object.entries(e.by_tier)) {
      const bt = b.by_tier[tier];
      expect(Math.abs(bt.clearance_hours.mean - et.clearance_hours.mean), `${tier} clearance`).toBeLessThanOrEqual(
        se3(et.clearance_hours, et.count, bt.clearance_hours, bt.count) + 2 * lagHours,
      );
    }
    for (const [lane, el] of Object.entries(e.by_lane)) {
      const bl = b.by_lane[lane];
      expect(Math.abs(bl.clearance_hours.mean - el.clearance_hours.mean), `${lane} clearance`).toBeLessThanOrEqual(
        se3(el.clearance_hours, el.count, bl.clearance_hours, bl.count) + 2 * lagHours,
      );
    }
    const window = (s.horizonDays - s.warmupDays) * 24;
    for (const [stage, es] of Object.entries(e.stages)) {
      const bs = b.stages[stage];
      const waitTol = se3(es.wait_hours, es.count, bs.wait_hours, bs.count) + 2 * lagHours;
      expect(Math.abs(bs.wait_hours.mean - es.wait_hours.mean), `${stage} wait`).toBeLessThanOrEqual(waitTol);
      // The queue's area is the sum of the waits (both drivers integrate exactly), so its mean
      // differs by visits x the wait difference over the window, plus the visits that straddle the
      // window's two edges, each shifted by at most the same.
      const queueTol = ((es.count + 2 * Math.max(es.queue.max, bs.queue.max, 1)) * waitTol) / window;
      expect(Math.abs(bs.queue.mean - es.queue.mean), `${stage} queue`).toBeLessThanOrEqual(queueTol);
      if (es.utilization === null) {
        expect(bs.utilization).toBeNull();
        continue;
      }
      // Busy area: the same services, shifted by at most the wait difference; only visits at the
      // window's edges (at most the servers' number at each) change how much of them falls inside.
      // Utilization is busy over *available* server-hours, which opening hours and disruptions
      // make smaller than servers x window: the bound is over the area actually available.
      const servers = Number(es.servers);
      const available = es.utilization > 0 ? (es.busy_mean * window) / es.utilization : servers * window;
      const busyTol = (2 * servers * (waitTol + lagHours)) / available;
      expect(Math.abs(bs.utilization! - es.utilization), `${stage} utilization`).toBeLessThanOrEqual(busyTol);
    }
  });

  it('traces every shipment with the embedded columns', () => {
    const rows = readFileSync(traceFile, 'utf8').trim().split('\n');
    rmSync(traceFile, { force: true });
    const header = rows.shift()!.split(',');
    const ref = join(tmpdir(), `clearsim-conformance-${name}-${process.pid}-embedded.csv`);
    const t = new TraceWriter(ref, s);
    runReplication(s, 0, t);
    return t.close().then(() => {
      const eRows = readFileSync(ref, 'utf8').trim().split('\n');
      rmSync(ref, { force: true });
      expect(header).toEqual(eRows[0].split(','));
      expect(rows.length).toBe(b.shipments.released);
      // the same shipment in both, column for column where no wall-clock timing enters
      const key = (r: string) => {
        const c = r.split(',');
        return [c[1], c[2], c[3], c[4], c[5], c[6], c[c.length - 2], c[c.length - 1]].join(',');
      };
      expect(rows.map(key).sort()).toEqual(eRows.slice(1).map(key).sort());
    });
  });
});
