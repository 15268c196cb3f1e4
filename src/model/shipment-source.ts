import type { IncomingShipments } from './incoming-shipments.js';
import type { Shipment, ShipmentModel } from './shipment.js';
import type { ShipmentPool } from './shipment-pool.js';

/**
 * Where a clearance process gets its shipments: every shipment of one replication, in arrival
 * order, each with its arrival time. A replication's shipments are a pure function of (scenario,
 * seed, replication): they depend on no queue, so they can be drawn here as the run needs them
 * (DrawnShipments) or ahead of it on another thread (runtime/draw-thread.ts), and either way the
 * process sees the same shipments, bit for bit.
 */
export interface ShipmentSource {
  /** Arrival time of the next shipment (hours; may lie past the horizon, or be Infinity when none follows). */
  readonly nextArrival: number;
  /**
   * Writes the next shipment into `sh` (a recycled object), as shipment `id`, and moves on to the
   * one after. False when a disruption's thinning drops it: drawn all the same, but it never
   * arrives and `id` stays free for the next.
   */
  take(sh: Shipment, id: number): boolean;
  /**
   * `take` for a shipment drawn ahead of its arrival: packs it at the tail of `incoming` (an
   * object from `pool` may carry it there) and returns its number there, or -1 when it is thinned out.
   */
  takeAhead(incoming: IncomingShipments, pool: ShipmentPool, id: number): number;
}

/** A process's source, made from its model: what a runtime hands a run that should not draw its own shipments. */
export type ShipmentSourceFactory = (model: ShipmentModel) => ShipmentSource;
