import { describe, expect, it } from 'vitest';
import { IncomingShipments } from '../src/model/incoming-shipments.js';
import { Streams } from '../src/model/random.js';
import { ShipmentPool } from '../src/model/shipment-pool.js';
import { PACKED_INTS, packedDoubles, packShipment, Shipment, ShipmentModel, unpackShipment } from '../src/model/shipment.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

/*
 * Shipments drawn ahead of their arrival are kept packed (src/model/incoming-shipments.ts) and
 * become objects again when lodged or arrived: what comes back must be the shipment that went in,
 * field for field, or a run would change without any report test knowing why.
 */
const scenario = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=7')]);
const model = new ShipmentModel(scenario);
const n = scenario.stages.length;

/** Every own field of a shipment as plain data: the numbers only as far as a drawn shipment has them. */
function fieldsOf(sh: Shipment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sh)) out[k] = k === 'numbers' ? (v as number[]).slice(0, packedDoubles(n)) : v;
  return out;
}

function drawn(count: number, seed = 0): Shipment[] {
  const streams = new Streams(
    scenario.seed,
    seed,
    scenario.stages.map((x) => x.name),
  );
  return Array.from({ length: count }, (_, i) => model.draw(new Shipment(n), streams, i, 10 + i));
}

describe('a packed shipment', () => {
  it('comes back with every field it had, over shipments of every lane, tier and flow', () => {
    const d = new Float64Array(packedDoubles(n));
    const ints = new Int32Array(PACKED_INTS);
    const lanes = new Set<number>();
    const flags = new Map<string, Set<boolean>>();
    for (const sh of drawn(3000)) {
      // runtime fields too: a packed shipment is one that nothing has happened to yet, but the form does not rely on it
      sh.step = sh.id % 3;
      sh.events = sh.id % 5;
      sh.queueSeq = sh.id * 7;
      sh.goodsArrived = sh.id % 2 === 0;
      sh.released = sh.id % 3 === 0;
      sh.waitingForGoods = sh.id % 4 === 0;
      sh.releasePending = sh.id % 5 === 0;
      sh.completion = sh.id % 7 === 0;
      packShipment(sh, d, 0, ints, 0);
      const back = unpackShipment(new Shipment(n), sh.route, d, 0, ints, 0);
      expect(fieldsOf(back)).toEqual(fieldsOf(sh));
      lanes.add(sh.lane);
      for (const [k, v] of Object.entries(sh)) if (typeof v === 'boolean') flags.set(k, (flags.get(k) ?? new Set()).add(v));
    }
    // every flag took both values, so one packed into the wrong bit would show
    expect(lanes.size).toBeGreaterThanOrEqual(3);
    expect(flags.size).toBe(13);
    for (const [k, seen] of flags) expect(seen.size, k).toBe(2);
  });
});

describe('the incoming ring', () => {
  it('keeps arrival order through growing, and gives one object per shipment until it is shifted out', () => {
    const pool = ShipmentPool.of(n);
    const ring = new IncomingShipments(n, pool, 4);
    const src = drawn(50, 1);
    const expected = src.map(fieldsOf);
    const numbers = src.map((sh) => ring.push(sh));
    expect(ring.length).toBe(50);
    expect(ring.headArrival).toBe(10);
    // lodged ahead of arrival: an object now, the same one at its arrival
    const lodged = ring.take(numbers[7]);
    expect(ring.take(numbers[7])).toBe(lodged);
    lodged.events = 1;
    for (let i = 0; i < 50; i++) {
      const sh = ring.shift()!;
      if (i === 7) expect(sh).toBe(lodged);
      else expect(fieldsOf(sh)).toEqual(expected[i]);
      // interleaved pushes wrap around the ring
      if (i < 20) ring.push(drawn(1, 100 + i)[0]);
    }
    expect(ring.length).toBe(20);
    expect(ring.headArrival).toBe(10);
    for (let i = 0; i < 20; i++) ring.shift();
    expect(ring.shift()).toBeUndefined();
    expect(ring.headArrival).toBe(Infinity);
  });
});
