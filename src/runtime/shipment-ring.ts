import type { IncomingShipments } from '../model/incoming-shipments.js';
import {
  PACKED_INTS,
  packedArrival,
  packedRoute,
  packShipment,
  type Shipment,
  type ShipmentModel,
  unpackShipment,
} from '../model/shipment.js';

/** Int32 slots at the head of the ring's buffer. */
export const enum RingHeader {
  /** Records written so far (a count that wraps at 2^32: positions are compared by difference). */
  Written,
  /** Records the reader is done with: the writer may reuse their slots. */
  Read,
  Status,
  /** Set by the reader: the writer stops. */
  Closed,
  /** Set by the reader while it waits for records: the writer wakes it once `WaitFor` is written. */
  Waiting,
  /** The count written the reader waits for. */
  WaitFor,
  /** Set by the writer while it waits for room: the reader then wakes it. */
  WriterWaiting,
  Count,
}

export const enum RingStatus {
  Running,
  /** Every task's shipments are written. */
  Done,
  /** The writer failed: the reader draws the shipments itself. */
  Failed,
}

/** A record's flags. */
export const enum RecordFlag {
  /** The shipment arrives (not thinned out). */
  Kept = 1,
  /** No shipment: the end of its task's shipments; its arrival is the task's next (past the horizon, or Infinity). */
  End = 2,
}

/** Int32s of a record: its task, its index within the task, its flags, then the packed shipment's. */
const RECORD_INTS = 3 + PACKED_INTS;
const HEADER_BYTES = 64;

/**
 * The shipments a draw thread hands its reader, one writer and one reader, in a SharedArrayBuffer:
 * a ring of fixed-size records, each a shipment packed as IncomingShipments packs it (its doubles,
 * then its small integers and flags), tagged with the task (one replication of one scenario) and
 * its index among that task's shipments. The writer publishes a record by storing the count
 * written (Atomics, so the record's bytes are visible before the count); the reader frees slots
 * by storing the count read.
 */
export class ShipmentRing {
  readonly header: Int32Array;
  readonly mask: number;
  private readonly doubles: Float64Array;
  private readonly ints: Int32Array;

  /** `stride`: doubles per record (the largest packedDoubles of the tasks' scenarios). */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly capacity: number,
    readonly stride: number,
  ) {
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, 0, RingHeader.Count);
    this.doubles = new Float64Array(buffer, HEADER_BYTES, capacity * stride);
    this.ints = new Int32Array(buffer, HEADER_BYTES + capacity * stride * 8, capacity * RECORD_INTS);
  }

  /** A ring of `capacity` records (a power of two) of `stride` doubles each. */
  static create(capacity: number, stride: number): ShipmentRing {
    return new ShipmentRing(new SharedArrayBuffer(HEADER_BYTES + capacity * (stride * 8 + RECORD_INTS * 4)), capacity, stride);
  }

  /** Writes the record at position `pos` (its slot must be free). */
  write(pos: number, task: number, index: number, flags: number, sh: Shipment): void {
    const k = pos & this.mask;
    const ni = k * RECORD_INTS;
    this.ints[ni] = task;
    this.ints[ni + 1] = index;
    this.ints[ni + 2] = flags;
    packShipment(sh, this.doubles, k * this.stride, this.ints, ni + 3);
  }

  task(pos: number): number {
    return this.ints[(pos & this.mask) * RECORD_INTS];
  }

  index(pos: number): number {
    return this.ints[(pos & this.mask) * RECORD_INTS + 1];
  }

  flags(pos: number): number {
    return this.ints[(pos & this.mask) * RECORD_INTS + 2];
  }

  arrival(pos: number): number {
    return packedArrival(this.doubles, (pos & this.mask) * this.stride);
  }

  /** Copies the shipment of the record at `pos` to the tail of `incoming`, on its route in `model`; returns its number there. */
  moveTo(pos: number, incoming: IncomingShipments, model: ShipmentModel): number {
    const k = pos & this.mask;
    const ni = k * RECORD_INTS + 3;
    return incoming.pushPacked(this.doubles, k * this.stride, this.ints, ni, packedRoute(model, this.ints, ni));
  }

  /** The shipment of the record at `pos`, written into `sh` on its route in `model`. */
  read(pos: number, sh: Shipment, model: ShipmentModel): void {
    const k = pos & this.mask;
    const ni = k * RECORD_INTS + 3;
    unpackShipment(sh, packedRoute(model, this.ints, ni), this.doubles, k * this.stride, this.ints, ni);
  }
}
