import { describe, expect, inject, it } from 'vitest';
import { runBullmq } from '../../src/runtime/bullmq/index.js';
import { runReplication } from '../../src/runtime/run.js';
import { leftovers, shortScenario } from '../helpers/bullmq.js';

const redisUrl = inject('redisUrl');
// 12 simulated hours per wall second: at 400 declarations a day the pipeline's peak job rate
// stays well inside what two worker processes and Redis serve on two cores.
const TIME_SCALE = 43200;

describe.each([
  ['chongqing-2023', []],
  ['aeo-expansion', []],
  // the flood moved inside the shortened horizon: 12 h from day 0.5, priority switching on and off
  ['flood-disruption', ['disruptions.0.start=12h', 'disruptions.0.duration=12h', 'priority.recovery=6h']],
] as [string, string[]][])('%s on both runtimes', (name, sets) => {
  const s = shortScenario(name, ...sets);
  const embedded = runReplication(s).report;

  it('draws the same shipments, releases each exactly once, and agrees on clearance', async () => {
    const b = await runBullmq(s, { redisUrl, timeScale: TIME_SCALE, workers: 2 });
    expect(b.runtime).toBe('bullmq');
    expect(b.shipments.arrived).toBe(embedded.shipments.arrived);
    expect(b.shipments.released).toBe(b.shipments.arrived);
    expect(b.shipments.in_progress).toBe(0);
    expect(b.bullmq.duplicate_releases).toBe(0);
    const lagHours = b.bullmq.lag.mean_wall_seconds * TIME_SCALE / 3600;
    for (const [tier, e] of Object.entries<any>(embedded.by_tier)) {
      const q = b.by_tier[tier];
      // same draws, so the same lanes, tier by tier
      expect(q.count).toBe(e.count);
      expect(q.lanes).toEqual(e.lanes);
      // Clearance differs only through queueing at wall-clock timing. Tolerance: 3 standard errors
      // of a difference of two independent means (conservative: common random numbers make the
      // two runs positively correlated) plus twice the mean lag, the simulated time by which a
      // delayed step started late.
      const se = Math.sqrt(e.clearance_hours.sd ** 2 / e.count + q.clearance_hours.sd ** 2 / q.count);
      expect(Math.abs(q.clearance_hours.mean - e.clearance_hours.mean)).toBeLessThanOrEqual(3 * se + 2 * lagHours);
    }
    expect(b.bullmq.lag.keeping_up).toBe(true);
    expect(await leftovers(redisUrl, b.bullmq.run_id)).toEqual([]);
  });
});
