import { describe, expect, it } from 'vitest';
import { Streams } from '../src/model/random.js';
import { routeIndex } from '../src/model/route.js';
import { Shipment, ShipmentModel } from '../src/model/shipment.js';
import { ShipmentCodec } from '../src/runtime/bullmq/shipment-codec.js';
import { loadScenarioFile } from '../src/scenario/load.js';

/** Every own field but the route, which is compared on its own. */
const fields = (sh: Shipment) => Object.fromEntries(Object.entries(sh).filter(([k]) => k !== 'route'));

describe('a shipment as a BullMQ job carries it (ShipmentCodec)', () => {
  for (const file of ['scenarios/flood-disruption.yaml', 'scenarios/two-step-declaration.yaml']) {
    it(`gives back every field and the route, into a recycled object too (${file})`, () => {
      const s = loadScenarioFile(file);
      const model = new ShipmentModel(s);
      const codec = new ShipmentCodec(model);
      const streams = new Streams(
        s.seed,
        0,
        s.stages.map((x) => x.name),
      );
      const stale = new Shipment(s.stages.length);
      let completions = 0;
      for (let id = 0; id < 400; id++) {
        const sh = model.draw(new Shipment(s.stages.length), streams, id, id * 0.7);
        sh.step = id % 3;
        sh.queueSeq = id * 3;
        sh.events = id % 11;
        // every stage's later blocks travel too, exactly: -0 and Infinity, which JSON would not keep
        for (let k = 0; k < s.stages.length; k++) {
          sh.setStart(k, id / 7 + k, id % 13 === 0 ? -0 : id + k / 3);
          sh.setService(k, id % 17 === 0 ? Infinity : Math.PI * k);
        }
        sh.releasePending = id % 5 === 0;
        sh.goodsArrived = id % 2 === 0;
        if (sh.twoStep && id % 4 === 0) {
          sh.completion = true;
          completions++;
        }
        const text = codec.encode(sh);
        const back = codec.decode(text, stale);
        expect(back).toBe(stale);
        expect(fields(back), `shipment ${id}`).toEqual(fields(sh));
        for (let i = 0; i < sh.numbers.length; i++)
          expect(Object.is(back.numbers[i], sh.numbers[i]), `shipment ${id} number ${i}`).toBe(true);
        expect(back.route).toBe(
          sh.completion ? model.completionRoute : model.routes[routeIndex(sh.flow, sh.lane, sh.twoStep ? 1 : 0, model.variants)],
        );
        expect(codec.decode(text).id).toBe(id);
      }
      if (file.includes('two-step')) expect(completions).toBeGreaterThan(0);
    });
  }

  it("refuses a record that is not one of its scenario's shipments", () => {
    // six stages against one: another length of record
    const flood = new ShipmentModel(loadScenarioFile('scenarios/flood-disruption.yaml'));
    const mmc = new ShipmentModel(loadScenarioFile('bench/mmc.yaml'));
    expect(mmc.scenario.stages.length).not.toBe(flood.scenario.stages.length);
    const text = new ShipmentCodec(flood).encode(new Shipment(flood.scenario.stages.length));
    const codec = new ShipmentCodec(mmc);
    expect(() => codec.decode(text)).toThrow(/not one of this scenario's/);
    expect(() => codec.decode(text.slice(0, -4))).toThrow(/not one of this scenario's/);
    expect(() => codec.decode('')).toThrow(/not one of this scenario's/);
  });
});
