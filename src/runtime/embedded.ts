import Denque from 'denque';
import { Calendar } from '../engine/calendar.js';
import { Resource } from '../engine/resource.js';
import { ArrivalProcess } from '../model/arrivals.js';
import { Streams } from '../model/random.js';
import { Next, Shipment, ShipmentModel } from '../model/shipment.js';
import type { Scenario } from '../scenario/types.js';
import { Collector } from '../stats/collector.js';
import { capacityAt, hasCapacitySchedule, nextCapacityChange, priorityWindows } from './capacity.js';
import type { RunObserver } from './observer.js';

const enum Ev {
  /** Draw the next shipment (lookahead before its arrival) and schedule the one after. */
  Generate,
  /** The goods reach the customs area. */
  Arrive,
  /** The declaration is lodged: the shipment enters its route. */
  Lodge,
  ServiceEnd,
  /** A guarantee delay or a findings hold is over: the shipment moves on. */
  Resume,
  Capacity,
  PriorityOn,
  PriorityOff,
  DisruptionEdge,
  /** Records every stage's queue, busy servers and capacity for the timeline. */
  Sample,
}

/** Queue length, busy servers and capacity of every stage at regular simulated times. */
export interface Timeline {
  hours: number[];
  stages: Record<string, { queue: number[]; busy: number[]; capacity: (number | null)[] }>;
}

/**
 * One replication of a scenario on the virtual-time kernel. Shipments follow the pure model;
 * this class only moves them between stages at the right simulated times. Shipment objects are
 * recycled, so memory is bounded by the shipments in the system, not the run length.
 */
export class EmbeddedRun {
  readonly model: ShipmentModel;
  readonly calendar = new Calendar<Shipment>(4096);
  readonly resources: Resource<Shipment>[];
  readonly collector: Collector;
  readonly streams: Streams;
  private readonly arrivals: ArrivalProcess;
  private readonly horizon: number;
  readonly start: number;
  private readonly pool: Shipment[] = [];
  /**
   * Shipments drawn ahead of their arrival, in arrival order. Arrival times are monotonic, so a
   * FIFO with only its head on the calendar keeps the heap small however far ahead we draw.
   */
  private readonly incoming = new Denque<Shipment>();
  private readonly stageCount: number;
  private nextId = 0;
  private nextArrival: number;
  arrivalsDone = false;
  arrived = 0;
  released = 0;
  inSystem = 0;
  observer: RunObserver | null = null;
  timeline: Timeline | null = null;
  private timelineStep = 0;

  constructor(readonly scenario: Scenario, readonly replication = 0) {
    const s = scenario;
    this.model = new ShipmentModel(s);
    this.streams = new Streams(s.seed, replication, s.stages.map((x) => x.name));
    this.arrivals = new ArrivalProcess(s);
    this.collector = new Collector(s);
    this.stageCount = s.stages.length;
    this.horizon = s.horizonDays * 24;
    this.start = -this.model.lookahead;
    this.calendar.now = this.start;
    const from = s.warmupDays * 24;
    this.resources = s.stages.map((st) => new Resource<Shipment>(st.name, s.tiers.length, capacityAt(s, st.index, this.start), from, this.horizon, this.start));

    for (const w of priorityWindows(s)) {
      if (w.from === -Infinity) for (const r of this.resources) r.priority = true;
      else {
        this.calendar.schedule(w.from, Ev.PriorityOn, null);
        this.calendar.schedule(w.to, Ev.PriorityOff, null);
      }
    }
    s.disruptions.forEach((d, i) => {
      this.calendar.schedule(d.start, Ev.DisruptionEdge, null, i);
      this.calendar.schedule(d.end, Ev.DisruptionEdge, null, i);
    });
    for (let i = 0; i < this.stageCount; i++) {
      if (hasCapacitySchedule(s, i)) {
        const t = nextCapacityChange(s, i, this.start);
        if (t < Infinity) this.calendar.schedule(t, Ev.Capacity, null, i);
      }
    }
    this.nextArrival = this.arrivals.after(0, this.streams.arrivals);
    if (this.nextArrival < this.horizon) this.calendar.schedule(this.nextArrival - this.model.lookahead, Ev.Generate, null);
    else this.arrivalsDone = true;
  }

  get now(): number {
    return this.calendar.now;
  }

  get done(): boolean {
    return this.arrivalsDone && this.inSystem === 0;
  }

  get events(): number {
    return this.calendar.popped;
  }

  /**
   * Share of the run done, by simulated time from the first day (drawing ahead before it is quick;
   * the drain counts as the last percent).
   */
  get progress(): number {
    if (this.done) return 1;
    return Math.max(0, Math.min(0.99, this.calendar.now / this.horizon));
  }

  /** Processes events up to simulated time `until`; returns true once the run has drained. */
  runUntil(until = Infinity): boolean {
    const cal = this.calendar;
    while (!(this.arrivalsDone && this.inSystem === 0)) {
      if (cal.peekTime() > until) return false;
      if (!cal.pop()) break;
      const sh = cal.ref as Shipment;
      switch (cal.kind) {
        case Ev.Generate: this.generate(); break;
        case Ev.Arrive: this.nextIncoming(); break;
        case Ev.Lodge: this.advance(sh); break;
        case Ev.ServiceEnd: this.serviceEnd(sh, cal.arg); break;
        case Ev.Resume: this.advance(sh); break;
        case Ev.Capacity: this.capacityChange(cal.arg); break;
        case Ev.PriorityOn: for (const r of this.resources) r.priority = true; break;
        case Ev.PriorityOff: for (const r of this.resources) r.priority = false; break;
        case Ev.DisruptionEdge: this.observer?.disruption?.(this.activeDisruptions(), cal.now); break;
        case Ev.Sample: this.sample(); break;
      }
    }
    if (this.arrivalsDone && this.inSystem === 0) {
      for (const r of this.resources) r.advance(Math.max(cal.now, this.horizon));
      return true;
    }
    return false;
  }

  /**
   * Samples every stage about `points` times over the horizon (from time 0), for plots of queues
   * over simulated time. Bounded by the number of points, not the number of shipments.
   */
  recordTimeline(points = 400): void {
    this.timeline = { hours: [], stages: Object.fromEntries(this.scenario.stages.map((st) => [st.name, { queue: [], busy: [], capacity: [] }])) };
    this.timelineStep = Math.max(0.25, (this.scenario.horizonDays * 24) / points);
    this.calendar.schedule(Math.max(0, this.calendar.now), Ev.Sample, null);
  }

  private sample(): void {
    const tl = this.timeline!;
    const now = this.calendar.now;
    tl.hours.push(now);
    this.resources.forEach((r, i) => {
      const row = tl.stages[this.scenario.stages[i].name];
      row.queue.push(r.queued);
      row.busy.push(r.busy);
      row.capacity.push(r.capacity === Infinity ? null : r.capacity);
    });
    if (now + this.timelineStep <= this.scenario.horizonDays * 24) this.calendar.schedule(now + this.timelineStep, Ev.Sample, null);
  }

  activeDisruptions(): number {
    const t = this.calendar.now;
    let n = 0;
    for (const d of this.scenario.disruptions) if (t >= d.start && t < d.end) n++;
    return n;
  }

  private generate(): void {
    const now = this.calendar.now;
    const sh = this.model.draw(this.pool.pop() ?? new Shipment(this.stageCount), this.streams, this.nextId++, this.nextArrival);
    this.inSystem++;
    if (sh.preLodged) this.calendar.schedule(Math.max(now, sh.lodgement), Ev.Lodge, sh);
    if (sh.arrival > now) {
      this.incoming.push(sh);
      if (this.incoming.length === 1) this.calendar.schedule(sh.arrival, Ev.Arrive, null);
    } else {
      this.arrive(sh);
    }
    const next = this.arrivals.after(this.nextArrival, this.streams.arrivals);
    this.nextArrival = next;
    if (next < this.horizon) this.calendar.schedule(next - this.model.lookahead, Ev.Generate, null);
    else this.arrivalsDone = true;
  }

  private nextIncoming(): void {
    const sh = this.incoming.shift() as Shipment;
    const head = this.incoming.peekFront();
    if (head !== undefined) this.calendar.schedule(head.arrival, Ev.Arrive, null);
    this.arrive(sh);
  }

  private arrive(sh: Shipment): void {
    this.arrived++;
    sh.goodsArrived = true;
    this.observer?.arrived?.(sh, this.calendar.now);
    if (sh.releasePending) {
      this.finish(sh, 0);
      return;
    }
    if (sh.released) {
      // released at this very instant, before its arrival event: only now may it be recycled
      this.pool.push(sh);
      return;
    }
    if (sh.waitingForGoods) {
      sh.waitingForGoods = false;
      this.enter(sh, sh.route.stages[sh.step]);
      return;
    }
    if (!sh.preLodged) {
      if (sh.lodgement > this.calendar.now) this.calendar.schedule(sh.lodgement, Ev.Lodge, sh);
      else this.advance(sh);
    }
  }

  /** Moves a shipment on from its current step until it waits for something. */
  private advance(sh: Shipment): void {
    switch (this.model.next(sh, this.calendar.now)) {
      case Next.Stage: this.enter(sh, sh.route.stages[sh.step]); break;
      case Next.Delay: this.calendar.schedule(sh.until, Ev.Resume, sh); break;
      case Next.WaitForGoods: sh.waitingForGoods = true; break;
      case Next.Release: this.finish(sh, this.calendar.now - sh.arrival); break;
      case Next.ReleaseOnArrival: sh.releasePending = true; break;
    }
  }

  private enter(sh: Shipment, stage: number): void {
    const res = this.resources[stage];
    const now = this.calendar.now;
    sh.enqueuedAt = now;
    if (res.queued === 0 && res.hasFreeServer) this.startService(sh, stage, res, now);
    else {
      res.enqueue(sh, sh.tier, now);
      this.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity);
    }
  }

  private startService(sh: Shipment, stage: number, res: Resource<Shipment>, now: number): void {
    const wait = now - sh.enqueuedAt;
    sh.waits[stage] = wait;
    sh.starts[stage] = now;
    this.collector.stageStart(sh, stage, wait);
    res.startService(now);
    const d = this.model.serviceTime(sh, stage);
    sh.services[stage] = d;
    this.calendar.schedule(now + d, Ev.ServiceEnd, sh, stage);
    const obs = this.observer;
    if (obs !== null) {
      obs.stageStarted?.(sh, stage, wait, now);
      obs.stageChanged?.(stage, res.queued, res.busy, res.capacity);
    }
  }

  private serviceEnd(sh: Shipment, stage: number): void {
    const res = this.resources[stage];
    const now = this.calendar.now;
    res.endService(now);
    this.collector.serviceEnd(sh, stage, sh.services[stage]);
    if (this.scenario.stages[stage].detection > 0) this.observer?.checked?.(sh, stage, sh.found[stage] === 1);
    sh.step++;
    this.advance(sh);
    this.drain(stage, res, now);
    this.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity);
  }

  private drain(stage: number, res: Resource<Shipment>, now: number): void {
    while (res.queued > 0 && res.hasFreeServer) {
      const next = res.dequeue(now) as Shipment;
      this.startService(next, stage, res, now);
    }
  }

  private capacityChange(stage: number): void {
    const now = this.calendar.now;
    const res = this.resources[stage];
    res.setCapacity(capacityAt(this.scenario, stage, now), now);
    this.drain(stage, res, now);
    this.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity);
    const next = nextCapacityChange(this.scenario, stage, now);
    if (next < Infinity) this.calendar.schedule(next, Ev.Capacity, null, stage);
  }

  private finish(sh: Shipment, clearance: number): void {
    this.released++;
    this.inSystem--;
    this.collector.release(sh, clearance, sh.guaranteeHours > 0 ? sh.guaranteeHours : 0, sh.holdHours > 0 ? sh.holdHours : 0, this.model.guaranteeWaived(sh));
    this.observer?.released?.(sh, clearance, this.calendar.now);
    sh.released = true;
    // a shipment still in the incoming queue must not be reused before its arrival event
    if (sh.goodsArrived) this.pool.push(sh);
  }
}
