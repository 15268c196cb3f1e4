import { describe, expect, it } from 'vitest';
import { runReplication } from '../src/runtime/run.js';
import { queueScenario } from './helpers/scenario.js';

describe('embedded run', () => {
  it('releases every shipment that arrives (conservation)', () => {
    const s = queueScenario({ lambda: 3, servers: 4, service: { dist: 'exponential', mean: '1h' }, days: 20 });
    const { report } = runReplication(s);
    expect(report.shipments.arrived).toBeGreaterThan(1000);
    expect(report.shipments.released).toBe(report.shipments.arrived);
    expect(report.shipments.in_progress).toBe(0);
  });
});
