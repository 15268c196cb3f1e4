import type { Route } from './route.js';
import type { ShipmentPool } from './shipment-pool.js';
import {
  PACKED_INTS,
  packedArrival,
  packedDoubles,
  packedLodgement,
  packedPreLodged,
  packShipment,
  type Shipment,
  unpackShipment,
} from './shipment.js';

/**
 * Shipments drawn ahead of their arrival, in arrival order (a FIFO ring), kept in compact form
 * until something happens to them.
 *
 * Why: a process draws shipments up to the pre-lodging lookahead ahead of their arrival (22 days
 * in the baseline), so ~25,000 are drawn at any time, and all but ~1,000 of them are neither
 * lodged nor arrived yet (measured over days 30-110 of the baseline). As objects, each was ~600
 * bytes on the heap, spread over 15 MB; a shipment drawn weeks ago was then cold in memory when
 * it was lodged. Packed, each is its drawn numbers and small integers side by side in typed
 * arrays, which the garbage collector never scans. A shipment becomes an object (from the pool)
 * when it is lodged or arrives, whichever comes first: `take` by its number, `shift` at the head.
 *
 * Numbers: `push` returns the shipment's number here, an integer that grows by one per push; a
 * lodgement scheduled for it carries that number (the calendar keeps it as an int32: only the
 * low bits, which are all `& mask` reads). A number stays valid until the shipment is shifted
 * out, which is at its arrival, and a lodgement is never after its arrival.
 */
export class IncomingShipments {
  private capacity: number;
  private mask: number;
  private readonly doubles: number;
  private numbers: Float64Array;
  private ints: Int32Array;
  private routes: (Route | null)[];
  /** The object a shipment became, once it did (else null). */
  private objects: (Shipment | null)[];
  /** Number of the head (the earliest arrival) and the next number to give. */
  private head = 0;
  private tail = 0;

  constructor(
    readonly stageCount: number,
    private readonly pool: ShipmentPool,
    capacity = 1024,
  ) {
    this.doubles = packedDoubles(stageCount);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.numbers = new Float64Array(capacity * this.doubles);
    this.ints = new Int32Array(capacity * PACKED_INTS);
    this.routes = new Array(capacity).fill(null);
    this.objects = new Array(capacity).fill(null);
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Arrival of the head (Infinity when empty). */
  get headArrival(): number {
    return this.tail > this.head ? packedArrival(this.numbers, (this.head & this.mask) * this.doubles) : Infinity;
  }

  /**
   * Packs the shipment at the tail and gives its object back to the pool (nothing else may hold
   * it). Returns its number here.
   */
  push(sh: Shipment): number {
    if (this.tail - this.head === this.capacity) this.grow();
    const k = this.tail & this.mask;
    packShipment(sh, this.numbers, k * this.doubles, this.ints, k * PACKED_INTS);
    this.routes[k] = sh.route;
    this.objects[k] = null;
    this.pool.give(sh);
    return this.tail++;
  }

  /**
   * Copies a shipment packed elsewhere (`d[di]`, `n[ni]`, as packShipment writes it) to the tail,
   * on `route`. Returns its number here.
   */
  pushPacked(d: Float64Array, di: number, n: Int32Array, ni: number, route: Route): number {
    if (this.tail - this.head === this.capacity) this.grow();
    const k = this.tail & this.mask;
    const to = k * this.doubles;
    const nums = this.numbers;
    for (let i = 0; i < this.doubles; i++) nums[to + i] = d[di + i];
    const ints = this.ints,
      ti = k * PACKED_INTS;
    for (let i = 0; i < PACKED_INTS; i++) ints[ti + i] = n[ni + i];
    this.routes[k] = route;
    this.objects[k] = null;
    return this.tail++;
  }

  /** Whether shipment `n` (not yet shifted out) is lodged before its arrival, and when it is lodged. */
  preLodged(n: number): boolean {
    return packedPreLodged(this.ints, (n & this.mask) * PACKED_INTS);
  }

  lodgement(n: number): number {
    return packedLodgement(this.numbers, (n & this.mask) * this.doubles);
  }

  /** The shipment of number `n` (not yet shifted out) as an object: the one it became, or a new one from the pool. */
  take(n: number): Shipment {
    const k = n & this.mask;
    const o = this.objects[k];
    if (o !== null) return o;
    const sh = unpackShipment(this.pool.take(), this.routes[k] as Route, this.numbers, k * this.doubles, this.ints, k * PACKED_INTS);
    this.objects[k] = sh;
    return sh;
  }

  /** Removes the head (the earliest arrival) and returns it as an object. Empty: undefined. */
  shift(): Shipment | undefined {
    if (this.tail === this.head) return undefined;
    const sh = this.take(this.head);
    const k = this.head & this.mask;
    this.objects[k] = null;
    this.routes[k] = null;
    this.head++;
    return sh;
  }

  /** Doubles the ring, keeping every shipment at its number (slots are numbers & mask). */
  private grow(): void {
    const cap = this.capacity * 2;
    const mask = cap - 1;
    const d = this.doubles;
    const numbers = new Float64Array(cap * d);
    const ints = new Int32Array(cap * PACKED_INTS);
    const routes: (Route | null)[] = new Array(cap).fill(null);
    const objects: (Shipment | null)[] = new Array(cap).fill(null);
    for (let n = this.head; n < this.tail; n++) {
      const from = n & this.mask;
      const to = n & mask;
      numbers.set(this.numbers.subarray(from * d, from * d + d), to * d);
      ints.set(this.ints.subarray(from * PACKED_INTS, from * PACKED_INTS + PACKED_INTS), to * PACKED_INTS);
      routes[to] = this.routes[from];
      objects[to] = this.objects[from];
    }
    this.capacity = cap;
    this.mask = mask;
    this.numbers = numbers;
    this.ints = ints;
    this.routes = routes;
    this.objects = objects;
  }
}
