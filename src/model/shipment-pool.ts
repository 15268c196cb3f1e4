import { Shipment } from './shipment.js';

/** At most this many spare shipments are kept per stage count (~700 bytes each: ~45 MiB at most). */
const MAX_KEPT = 1 << 16;

/**
 * Spare Shipment objects, shared by every clearance process of this thread whose scenario has the
 * same number of stages. A shipment is an object from its lodgement or arrival to its release
 * (before that it is packed in the process's IncomingShipments): ~1,500 at once in the baseline.
 * Without sharing, every replication of a run, compare or sweep allocated them all again, each
 * surviving the young generation (measured, when all ~25,000 drawn ahead were objects: the second
 * and later 28-day replications ~25% faster with the shipments of the one before).
 *
 * A shipment goes back only once nothing refers to it (released and its goods arrived), so
 * processes running side by side may share one pool. `ShipmentModel.draw` sets every field a
 * run reads (a stage's wait, start and service are written when the shipment gets there, and only
 * the stages of its route are ever read), so what a shipment was before never shows, as within
 * one run. Each worker thread has its own pool (modules are per thread).
 */
export class ShipmentPool {
  private static readonly byStages = new Map<number, ShipmentPool>();

  /** The pool for shipments of `stageCount` stages. */
  static of(stageCount: number): ShipmentPool {
    let p = ShipmentPool.byStages.get(stageCount);
    if (p === undefined) {
      p = new ShipmentPool(stageCount);
      ShipmentPool.byStages.set(stageCount, p);
    }
    return p;
  }

  private readonly spare: Shipment[] = [];

  private constructor(private readonly stageCount: number) {}

  /** A shipment to draw into: a spare one, or a new one. */
  take(): Shipment {
    return this.spare.pop() ?? new Shipment(this.stageCount);
  }

  /** A shipment nothing refers to any more. */
  give(sh: Shipment): void {
    if (this.spare.length < MAX_KEPT) this.spare.push(sh);
  }

  /** Spare shipments held (for tests). */
  get size(): number {
    return this.spare.length;
  }
}
