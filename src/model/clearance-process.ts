import type { Scenario } from '../scenario/types.js';
import type { RunObserver } from './run-observer.js';
import { capacityAt, hasCapacitySchedule, nextCapacityChange, openAt, priorityWindows } from './capacity-schedule.js';
import { DrawnShipments } from './drawn-shipments.js';
import { IncomingShipments } from './incoming-shipments.js';
import { ShipmentPool } from './shipment-pool.js';
import { Next, type Shipment, ShipmentModel } from './shipment.js';
import type { ShipmentSource, ShipmentSourceFactory } from './shipment-source.js';

/**
 * What wakes the clearance process: the kinds of event on a driver's calendar. ServiceEnd is the
 * driver's own (a server finishes); the driver then calls `endService`.
 */
export const enum Wake {
  /** Draw the next shipment (lookahead before its arrival) and schedule the one after. */
  Generate,
  /** The goods of the earliest incoming shipment reach the customs area. */
  Arrive,
  /** The declaration is lodged: the shipment enters its route. */
  Lodge,
  /** A server of stage `arg` finishes with the shipment (the driver's event). */
  ServiceEnd,
  /** A guarantee delay or a findings hold is over: the shipment moves on. */
  Resume,
  /** Stage `arg`'s servers change (opening hours, a disruption's edge). */
  Capacity,
  PriorityOn,
  PriorityOff,
  /** A disruption starts or ends. */
  DisruptionEdge,
  /** Record every stage's queue, busy servers and capacity for the timeline. */
  Sample,
}

/**
 * The port a runtime implements to drive the clearance process: a clock, a way to be woken at a
 * simulated time, stage queues with servers, and the release. The embedded driver is a calendar
 * and resources in virtual time; the BullMQ driver is delayed jobs and stage queues in Redis.
 */
export interface ClearanceDriver {
  /** Simulated hours now. */
  readonly now: number;
  /** Calls `process.wake(wake, sh, arg)` at simulated time t (>= now). */
  schedule(t: number, wake: Wake, sh: Shipment | null, arg: number): void;
  /**
   * The shipment joins stage `stage`'s queue, in its tier's class. When a server takes it the
   * driver calls `startService`, when it finishes `endService`.
   */
  enqueue(sh: Shipment, stage: number): void;
  /** Stage `stage` has `servers` servers from now on (0 while closed; Infinity for a pure delay). */
  setServers(stage: number, servers: number): void;
  /** Queues serve by tier from now on (on), or first come first served (off). */
  setPriority(on: boolean): void;
  /**
   * The shipment can go on only when its goods arrive (`waitingForGoods` or `releasePending` says
   * what then). A driver that holds every shipment in one place does nothing: the Arrive wake
   * calls `goodsArrived`; one that hands shipments elsewhere calls it at `sh.arrival` itself.
   */
  awaitGoods(sh: Shipment): void;
  /** The shipment is released now: the driver calls `recordRelease` (at once, or once it is stored). */
  release(sh: Shipment): void;
  /** Stage levels for the timeline; a driver that cannot see them leaves the timeline off. */
  levels?(stage: number): { queued: number; busy: number; capacity: number };
}

/** Where a run's observations go (the stats Collector implements it). */
export interface ClearanceAccounting {
  stageStart(sh: Shipment, stage: number, wait: number): void;
  serviceEnd(sh: Shipment, stage: number, duration: number): void;
  release(sh: Shipment, clearance: number, guaranteeHours: number, holdHours: number, waived: number): void;
  /** A two-step shipment's complete declaration has been processed, at `at` (after the goods' release). */
  completion?(sh: Shipment, at: number): void;
  /** A two-step shipment's complete declaration accepted as lodged, without review. */
  completionAccepted?(sh: Shipment): void;
}

/** Stage totals a driver that learns of visits at release adds them to (see StageIntegrator.addVisit). */
export interface VisitTotals {
  addVisit(enqueued: number, start: number, end: number): void;
}

export interface ClearanceOptions {
  /** Null in a process that only moves shipments on (a BullMQ worker): its releases are recorded elsewhere. */
  accounting: ClearanceAccounting | null;
  /**
   * Set by a driver that does not see stage visits as they happen (BullMQ): each released
   * shipment's visits are then accounted from its own record, into these stage totals.
   */
  visitsAtRelease?: VisitTotals[];
  observer?: RunObserver | null;
  /**
   * Where the shipments come from, given the process's model: by default drawn here as the run
   * needs them (DrawnShipments); a runtime may draw them ahead on another thread instead.
   */
  shipments?: ShipmentSourceFactory;
}

/** Queue length, busy servers and capacity of every stage at regular simulated times. */
export interface Timeline {
  hours: number[];
  stages: Record<string, { queue: number[]; busy: number[]; capacity: (number | null)[] }>;
}

/**
 * The life of every shipment of one replication, written once for both runtimes: arrivals and
 * the lookahead, the capacity and priority schedule, what each of the model's `Next` answers
 * means, the bookkeeping of each stage visit, and the one release path that feeds the accounting
 * and the observer. A driver (ClearanceDriver) supplies time, waking and stage queues.
 *
 * Events: every wake and every service end is one event. Run-level ones (drawing, arrivals,
 * capacity, priority, disruptions, timeline samples) are counted here; a shipment's own (its
 * lodgement, delays, services) on the shipment, and added at its release. So a driver that moves
 * shipments in other processes still reports the same count as one that moves them here.
 */
export class ClearanceProcess {
  readonly model: ShipmentModel;
  /** Simulated hour the process starts: the lookahead before time 0. */
  readonly start: number;
  readonly horizon: number;
  observer: RunObserver | null;
  timeline: Timeline | null = null;
  arrivalsDone = false;
  arrived = 0;
  released = 0;
  /** Complete declarations of two-step shipments processed after release. */
  completions = 0;
  inSystem = 0;
  private runEvents = 0;
  private shipmentEvents = 0;
  private driver!: ClearanceDriver;
  private readonly accounting: ClearanceAccounting | null;
  private readonly visitTotals: VisitTotals[] | null;
  private readonly shipments: ShipmentSource;
  private readonly pool: ShipmentPool;
  /**
   * Shipments drawn ahead of their arrival, in arrival order, packed until they are lodged or
   * arrive. Arrival times are monotonic, so a FIFO with only its head on the calendar keeps the
   * calendar small however far ahead we draw. A lodgement due before the arrival is on the
   * calendar with no shipment and the shipment's number here as its argument.
   */
  private readonly incoming: IncomingShipments;
  private readonly stageCount: number;
  private readonly detects: boolean[];
  private readonly unlimited: boolean[];
  private nextId = 0;
  private nextArrival = 0;
  private timelineStep = 0;

  constructor(
    readonly scenario: Scenario,
    readonly replication: number,
    opts: ClearanceOptions,
  ) {
    this.model = new ShipmentModel(scenario);
    this.shipments = opts.shipments ? opts.shipments(this.model) : new DrawnShipments(scenario, this.model, replication);
    this.stageCount = scenario.stages.length;
    this.pool = ShipmentPool.of(this.stageCount);
    this.incoming = new IncomingShipments(this.stageCount, this.pool);
    this.detects = scenario.stages.map((x) => x.detection > 0);
    this.unlimited = scenario.stages.map((x) => x.servers === Infinity);
    this.horizon = scenario.horizonDays * 24;
    this.start = -this.model.lookahead;
    this.accounting = opts.accounting;
    this.visitTotals = opts.visitsAtRelease ?? null;
    this.observer = opts.observer ?? null;
  }

  /** Events so far: see the class comment. */
  get events(): number {
    return this.runEvents + this.shipmentEvents;
  }

  /** Every shipment drawn has arrived and been released. */
  get done(): boolean {
    return this.arrivalsDone && this.inSystem === 0 && this.incoming.length === 0;
  }

  /** Servers stage `stage` has at time t. */
  capacityAt(stage: number, t: number): number {
    return capacityAt(this.scenario, stage, t);
  }

  /** The first time from t on at which stage `stage` has a server. */
  openAt(stage: number, t: number): number {
    return openAt(this.scenario, stage, t);
  }

  /** Attaches the driver without starting the run: a process that only moves shipments on (a BullMQ worker). */
  attach(driver: ClearanceDriver): void {
    this.driver = driver;
  }

  /**
   * Starts the run on a driver whose clock reads `start`: priority, disruption edges, capacity
   * changes and the first arrival go on its calendar (in this order: ties are served in the order
   * scheduled, so the order is part of the result).
   */
  begin(driver: ClearanceDriver): void {
    this.driver = driver;
    const s = this.scenario;
    for (const w of priorityWindows(s)) {
      if (w.from === -Infinity) driver.setPriority(true);
      else {
        driver.schedule(w.from, Wake.PriorityOn, null, 0);
        driver.schedule(w.to, Wake.PriorityOff, null, 0);
      }
    }
    s.disruptions.forEach((d, i) => {
      driver.schedule(d.start, Wake.DisruptionEdge, null, i);
      driver.schedule(d.end, Wake.DisruptionEdge, null, i);
    });
    for (let i = 0; i < this.stageCount; i++) {
      if (hasCapacitySchedule(s, i)) {
        const t = nextCapacityChange(s, i, this.start);
        if (t < Infinity) driver.schedule(t, Wake.Capacity, null, i);
      }
    }
    this.nextArrival = this.shipments.nextArrival;
    if (this.nextArrival < this.horizon) driver.schedule(this.nextArrival - this.model.lookahead, Wake.Generate, null, 0);
    else this.arrivalsDone = true;
  }

  /**
   * Samples every stage about `points` times over the horizon (from time 0), for plots of queues
   * over simulated time. Bounded by the number of points, not the number of shipments.
   */
  recordTimeline(points = 400): void {
    if (!this.driver.levels) return;
    this.timeline = {
      hours: [],
      stages: Object.fromEntries(this.scenario.stages.map((st) => [st.name, { queue: [], busy: [], capacity: [] }])),
    };
    this.timelineStep = Math.max(0.25, this.horizon / points);
    this.driver.schedule(Math.max(0, this.driver.now), Wake.Sample, null, 0);
  }

  /** One event from the driver's calendar (any wake but ServiceEnd, which goes to endService). */
  wake(kind: Wake, sh: Shipment | null, arg: number): void {
    switch (kind) {
      case Wake.Generate:
        this.runEvents++;
        this.generate();
        break;
      case Wake.Arrive:
        this.runEvents++;
        this.nextIncoming();
        break;
      case Wake.Lodge: {
        // a shipment drawn ahead comes as its number in the incoming ring (see generate)
        const lodged = sh ?? this.incoming.take(arg);
        lodged.events++;
        this.advance(lodged);
        break;
      }
      case Wake.Resume:
        (sh as Shipment).events++;
        this.advance(sh as Shipment);
        break;
      case Wake.Capacity:
        this.runEvents++;
        this.capacityChange(arg);
        break;
      case Wake.PriorityOn:
        this.runEvents++;
        this.driver.setPriority(true);
        break;
      case Wake.PriorityOff:
        this.runEvents++;
        this.driver.setPriority(false);
        break;
      case Wake.DisruptionEdge:
        this.runEvents++;
        this.observer?.disruption?.(this.activeDisruptions(), this.driver.now);
        break;
      case Wake.Sample:
        this.runEvents++;
        this.sample();
        break;
    }
  }

  /** Disruptions in force now. */
  activeDisruptions(): number {
    const t = this.driver.now;
    let n = 0;
    for (const d of this.scenario.disruptions) if (t >= d.start && t < d.end) n++;
    return n;
  }

  /**
   * A server of `stage` takes the shipment at simulated time `at`: records the wait and the
   * start; returns the service time (hours, mapped from its uniform when the shipment was drawn).
   */
  startService(sh: Shipment, stage: number, at: number): number {
    const wait = at - sh.enqueuedAt;
    sh.setStart(stage, wait, at);
    if (this.visitTotals === null) this.accounting?.stageStart(sh, stage, wait);
    const d = sh.service(stage);
    this.observer?.stageStarted?.(sh, stage, wait, at);
    return d;
  }

  /** The server of `stage` is done with the shipment (now): it moves on. */
  endService(sh: Shipment, stage: number): void {
    sh.events++;
    if (this.visitTotals === null) this.accounting?.serviceEnd(sh, stage, sh.service(stage));
    if (this.detects[stage]) this.observer?.checked?.(sh, stage, sh.finds(stage));
    sh.step++;
    this.advance(sh);
  }

  /**
   * The shipment's side of its goods arriving: a release that waited for them, or a stage that
   * needs them. False when the shipment was not waiting for its goods.
   */
  goodsArrived(sh: Shipment): boolean {
    if (sh.releasePending) {
      this.driver.release(sh);
      return true;
    }
    if (sh.waitingForGoods) {
      sh.waitingForGoods = false;
      this.enter(sh);
      return true;
    }
    return false;
  }

  /**
   * The one release path: accounting, observer, counts. `at` is the simulated release time;
   * clearance is arrival to release, 0 when released before the goods arrived.
   */
  recordRelease(sh: Shipment, at: number): void {
    if (sh.completion) {
      // not a release: the complete declaration of goods released earlier is done
      this.completions++;
      this.inSystem--;
      this.shipmentEvents += sh.events;
      const acc = this.accounting;
      if (acc !== null) {
        if (this.visitTotals !== null) this.accountVisits(sh, acc, this.visitTotals);
        acc.completion?.(sh, at);
      }
      return;
    }
    const clearance = at > sh.arrival ? at - sh.arrival : 0;
    this.released++;
    this.inSystem--;
    this.shipmentEvents += sh.events;
    const acc = this.accounting;
    if (acc !== null) {
      if (this.visitTotals !== null) this.accountVisits(sh, acc, this.visitTotals);
      acc.release(
        sh,
        clearance,
        sh.guaranteeHours > 0 ? sh.guaranteeHours : 0,
        sh.holdHours > 0 ? sh.holdHours : 0,
        this.model.guaranteeWaived(sh),
      );
    }
    this.observer?.released?.(sh, clearance, at);
    if (sh.twoStep) {
      if (this.model.reviewsCompletion(sh)) this.lodgeCompletion(sh, at);
      else this.accounting?.completionAccepted?.(sh);
    }
  }

  /**
   * Released on a summary declaration: its complete declaration is lodged later and processed
   * like any other work at the two-step stage. A new object (the shipment's is recycled on release).
   */
  private lodgeCompletion(sh: Shipment, at: number): void {
    const item = this.model.completionOf(sh, this.pool.take(), at);
    this.inSystem++;
    this.driver.schedule(Math.max(this.driver.now, item.lodgement), Wake.Lodge, item, 0);
  }

  /**
   * A shipment object the driver is done with after its release: reused for a later draw once
   * its goods have arrived too (until then the incoming queue still holds it).
   */
  recycle(sh: Shipment): void {
    sh.released = true;
    if (sh.goodsArrived) this.pool.give(sh);
  }

  /** Stage visits of a released shipment, for a driver that did not see them happen. */
  private accountVisits(sh: Shipment, acc: ClearanceAccounting, totals: VisitTotals[]): void {
    const stages = sh.route.stages;
    for (let i = 0; i < stages.length; i++) {
      const st = stages[i];
      acc.stageStart(sh, st, sh.wait(st));
      acc.serviceEnd(sh, st, sh.service(st));
      totals[st].addVisit(sh.start(st) - sh.wait(st), sh.start(st), sh.start(st) + sh.service(st));
    }
  }

  private generate(): void {
    const d = this.driver;
    const now = d.now;
    const at = this.nextArrival;
    // (a shipment thinned out by a disruption is drawn all the same, then dropped: n < 0, or take false)
    if (at > now) {
      // packed until lodged or arrived
      const inc = this.incoming;
      const n = this.shipments.takeAhead(inc, this.pool, this.nextId);
      if (n >= 0) {
        this.nextId++;
        this.inSystem++;
        if (inc.preLodged(n)) d.schedule(Math.max(now, inc.lodgement(n)), Wake.Lodge, null, n);
        if (inc.length === 1) d.schedule(at, Wake.Arrive, null, 0);
      }
    } else {
      const sh = this.pool.take();
      if (!this.shipments.take(sh, this.nextId)) this.pool.give(sh);
      else {
        this.nextId++;
        this.inSystem++;
        if (sh.preLodged) d.schedule(Math.max(now, sh.lodgement), Wake.Lodge, sh, 0);
        this.arrive(sh);
      }
    }
    const next = this.shipments.nextArrival;
    this.nextArrival = next;
    if (next < this.horizon) d.schedule(next - this.model.lookahead, Wake.Generate, null, 0);
    else this.arrivalsDone = true;
  }

  private nextIncoming(): void {
    const sh = this.incoming.shift() as Shipment;
    if (this.incoming.length > 0) this.driver.schedule(this.incoming.headArrival, Wake.Arrive, null, 0);
    this.arrive(sh);
  }

  private arrive(sh: Shipment): void {
    this.arrived++;
    sh.goodsArrived = true;
    this.observer?.arrived?.(sh, this.driver.now);
    if (this.goodsArrived(sh)) return;
    if (sh.released) {
      // released at this very instant, before its arrival event: only now may it be recycled
      this.pool.give(sh);
      return;
    }
    if (!sh.preLodged) {
      if (sh.lodgement > this.driver.now) this.driver.schedule(sh.lodgement, Wake.Lodge, sh, 0);
      else this.advance(sh);
    }
  }

  /** Moves a shipment on from its current step until it waits for something. */
  private advance(sh: Shipment): void {
    const d = this.driver;
    switch (this.model.next(sh, d.now)) {
      case Next.Stage:
        this.enter(sh);
        break;
      case Next.Delay:
        d.schedule(sh.until, Wake.Resume, sh, 0);
        break;
      case Next.WaitForGoods:
        sh.waitingForGoods = true;
        d.awaitGoods(sh);
        break;
      case Next.Release:
        d.release(sh);
        break;
      case Next.ReleaseOnArrival:
        sh.releasePending = true;
        d.awaitGoods(sh);
        break;
    }
  }

  private enter(sh: Shipment): void {
    sh.enqueuedAt = this.driver.now;
    this.driver.enqueue(sh, sh.route.stages[sh.step]);
  }

  private capacityChange(stage: number): void {
    const now = this.driver.now;
    this.driver.setServers(stage, capacityAt(this.scenario, stage, now));
    const next = nextCapacityChange(this.scenario, stage, now);
    if (next < Infinity) this.driver.schedule(next, Wake.Capacity, null, stage);
  }

  private sample(): void {
    const tl = this.timeline as Timeline;
    const d = this.driver;
    const now = d.now;
    tl.hours.push(now);
    this.scenario.stages.forEach((st, i) => {
      const row = tl.stages[st.name];
      const l = d.levels!(i);
      row.queue.push(l.queued);
      row.busy.push(l.busy);
      row.capacity.push(l.capacity === Infinity ? null : l.capacity);
    });
    if (now + this.timelineStep <= this.horizon) d.schedule(now + this.timelineStep, Wake.Sample, null, 0);
  }

  /** Whether stage `stage` is a pure delay (unlimited servers). */
  isUnlimited(stage: number): boolean {
    return this.unlimited[stage];
  }
}
