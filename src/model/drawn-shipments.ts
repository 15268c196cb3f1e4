import type { Scenario } from '../scenario/types.js';
import { ArrivalProcess } from './arrivals.js';
import type { IncomingShipments } from './incoming-shipments.js';
import { Streams } from './random.js';
import type { Shipment, ShipmentModel } from './shipment.js';
import type { ShipmentPool } from './shipment-pool.js';
import type { ShipmentSource } from './shipment-source.js';

/**
 * A replication's shipments drawn where they are taken: the arrival profile's process and, with a
 * disruption that adds arrivals, the surge process beside it, merged by time; each shipment drawn
 * from the streams of the process it came from; a profile arrival inside a window that removes
 * arrivals thinned out with a uniform of its own stream.
 */
export class DrawnShipments implements ShipmentSource {
  nextArrival = Infinity;
  private readonly streams: Streams;
  private readonly arrivals: ArrivalProcess;
  /** Extra arrivals of disruptions with an arrival multiplier above 1, and their own streams; null without. */
  private readonly surge: ArrivalProcess | null;
  private readonly surgeStreams: Streams | null;
  /** Some disruption has an arrival multiplier below 1: the profile's arrivals in its window are thinned. */
  private readonly thins: boolean;
  /** The next arrival of the profile and of the surge process (Infinity when none). */
  private nextProfile: number;
  private nextSurge = Infinity;

  constructor(
    scenario: Scenario,
    private readonly model: ShipmentModel,
    replication: number,
  ) {
    const names = scenario.stages.map((x) => x.name);
    this.streams = new Streams(scenario.seed, replication, names);
    this.arrivals = new ArrivalProcess(scenario);
    const surges = ArrivalProcess.surges(scenario);
    this.surge = surges ? new ArrivalProcess(scenario, true) : null;
    this.surgeStreams = surges ? new Streams(scenario.seed, replication, names, 'surge:') : null;
    this.thins = ArrivalProcess.thins(scenario);
    this.nextProfile = this.arrivals.after(0, this.streams.arrivals);
    if (this.surge !== null) this.nextSurge = this.surge.after(0, this.surgeStreams!.arrivals);
    this.nextArrival = Math.min(this.nextProfile, this.nextSurge);
  }

  take(sh: Shipment, id: number): boolean {
    const surge = this.nextSurge < this.nextProfile;
    const at = this.nextArrival;
    const streams = surge ? this.surgeStreams! : this.streams;
    this.model.draw(sh, streams, id, at);
    // thinned: drawn all the same (the next shipment's draws stay those without the disruption), then dropped
    const dropped = !surge && this.thins && this.thinnedOut(at);
    if (surge) this.nextSurge = this.surge!.after(this.nextSurge, this.surgeStreams!.arrivals);
    else this.nextProfile = this.arrivals.after(this.nextProfile, this.streams.arrivals);
    this.nextArrival = this.nextProfile < this.nextSurge ? this.nextProfile : this.nextSurge;
    return !dropped;
  }

  takeAhead(incoming: IncomingShipments, pool: ShipmentPool, id: number): number {
    const sh = pool.take();
    if (this.take(sh, id)) return incoming.push(sh);
    pool.give(sh);
    return -1;
  }

  /** A profile arrival at t inside windows whose multipliers make m < 1 is kept with probability m. */
  private thinnedOut(t: number): boolean {
    const m = this.arrivals.multiplier(t);
    return m < 1 && !(this.streams.thinning.next() < m);
  }
}
