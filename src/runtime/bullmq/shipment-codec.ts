import {
  PACKED_INTS,
  packedDoubles,
  packShipment,
  Shipment,
  shipmentDoubles,
  type ShipmentModel,
  shipmentRoute,
  unpackShipment,
} from '../../model/shipment.js';

/**
 * A shipment as a BullMQ job carries it: one base64 string of its bytes, every double of its
 * `numbers` (the drawn scalars and every stage's wait, service and start) followed by its small
 * integers and flags, packed as the incoming ring packs them (packShipment). The route is not
 * carried: it follows from the flow, lane and flags.
 *
 * Why bytes and not JSON: a job's shipment is written and read four times per step (the job's
 * add, the worker's fetch, the release record, the coordinator's read). As JSON the 41 doubles of
 * a six-stage shipment and its 23 field names made a job's data ~960 characters, printed and
 * parsed digit by digit; as bytes they are 364, 488 in base64, copied (516 with the job's data). Bytes are also exact where JSON is not: -0,
 * NaN and Infinity come back as they went.
 */
export class ShipmentCodec {
  private readonly total: number;
  private readonly drawn: number;
  /** The bytes of one shipment: `doubles` and `ints` are views of `bytes`, reused for every call. */
  private readonly bytes: Buffer;
  private readonly doubles: Float64Array;
  private readonly ints: Int32Array;
  /** Characters of one shipment's base64. */
  private readonly chars: number;

  constructor(private readonly model: ShipmentModel) {
    const stageCount = model.scenario.stages.length;
    this.total = shipmentDoubles(stageCount);
    this.drawn = packedDoubles(stageCount);
    // an ArrayBuffer of its own: a Float64Array needs its offset aligned, which Buffer's pool does not promise
    const buffer = new ArrayBuffer(this.total * 8 + PACKED_INTS * 4);
    this.bytes = Buffer.from(buffer);
    this.doubles = new Float64Array(buffer, 0, this.total);
    this.ints = new Int32Array(buffer, this.total * 8, PACKED_INTS);
    this.chars = 4 * Math.ceil(this.bytes.length / 3);
  }

  encode(sh: Shipment): string {
    packShipment(sh, this.doubles, 0, this.ints, 0);
    const num = sh.numbers;
    for (let i = this.drawn; i < this.total; i++) this.doubles[i] = num[i];
    return this.bytes.toString('base64');
  }

  /** The shipment `text` encodes, written into `sh` (recycled) or a new one. */
  decode(text: string, sh = new Shipment(this.model.scenario.stages.length)): Shipment {
    if (text.length !== this.chars || this.bytes.write(text, 'base64') !== this.bytes.length)
      throw new Error(`a shipment's record is not one of this scenario's (${this.chars} base64 characters, ${this.bytes.length} bytes)`);
    unpackShipment(sh, sh.route, this.doubles, 0, this.ints, 0);
    const num = sh.numbers;
    for (let i = this.drawn; i < this.total; i++) num[i] = this.doubles[i];
    sh.route = shipmentRoute(this.model, sh);
    return sh;
  }
}
