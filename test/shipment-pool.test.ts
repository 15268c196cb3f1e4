import { describe, expect, it } from 'vitest';
import { ShipmentPool } from '../src/model/shipment-pool.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

/*
 * Shipment objects are shared between the runs of a thread (src/model/shipment-pool.ts): a
 * replication must not depend on which runs came before it and left their shipments behind.
 */
const withoutWall = (r: unknown) => JSON.stringify(r, (k, v) => (k === 'wall_seconds' ? undefined : v));

describe('the shipment pool shared by the runs of a thread', () => {
  it('gives a replication the same report whatever ran before it', () => {
    const base = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=7')]);
    const flood = loadScenarioFile('scenarios/flood-disruption.yaml', [parseOverride('horizon.days=12')]);
    expect(flood.stages.length).toBe(base.stages.length); // so the flood's shipments go to the same pool
    const pool = ShipmentPool.of(base.stages.length);
    const first = withoutWall(runReplication(base, 3).report);
    const kept = pool.size;
    expect(kept).toBeGreaterThan(1000); // the run's shipments came back
    runReplication(flood, 0); // another scenario's shipments, other lanes, routes and waits
    runReplication(base, 1);
    expect(pool.size).toBeGreaterThanOrEqual(kept);
    expect(withoutWall(runReplication(base, 3).report)).toBe(first);
  });

  it('keeps shipments of each stage count apart', () => {
    expect(ShipmentPool.of(2)).not.toBe(ShipmentPool.of(3));
    const sh = ShipmentPool.of(2).take();
    expect(sh.stageCount).toBe(2);
    expect(sh.wait(1)).toBe(0);
    expect(ShipmentPool.of(3).take().stageCount).toBe(3);
  });
});
