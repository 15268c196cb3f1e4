import { BucketQueue } from '../engine/bucket-queue.js';
import { Calendar } from '../engine/calendar.js';
import { Resource } from '../engine/resource.js';
import { ClearanceProcess, Wake, type ClearanceDriver, type Timeline } from '../model/clearance-process.js';
import type { RunObserver } from '../model/run-observer.js';
import type { Shipment } from '../model/shipment.js';
import type { ShipmentSourceFactory } from '../model/shipment-source.js';
import type { Scenario } from '../scenario/types.js';
import { RunStalled } from '../errors.js';
import { Collector } from '../stats/collector.js';
import { StageIntegrator } from '../stats/stage-integrator.js';

export type { Timeline };

/**
 * The embedded driver: one replication on the virtual-time kernel (a calendar and a resource per
 * stage). The clearance process decides what happens to every shipment; this class only supplies
 * simulated time and servers, so its event loop stays small and allocation-free.
 */
export class EmbeddedRun implements ClearanceDriver {
  readonly calendar: Calendar<Shipment>;
  readonly resources: Resource<Shipment>[];
  readonly collector: Collector;
  readonly process: ClearanceProcess;
  readonly start: number;
  private readonly horizon: number;
  /** Events on the calendar that move a shipment (arrivals, lodgements, service ends, delays ending). */
  private movesPending = 0;
  /**
   * The next draw and the next arrival are kept beside the calendar, not on it: the process has
   * at most one of each pending, one after another in time, so they need no heap. Each keeps the
   * scheduling number it would have had on the calendar and the loop merges the three by (time,
   * number): the order of events is exactly the calendar's. That takes two of a shipment's six
   * heap insertions and removals away, on a heap that holds ~20,000 events in a year of the
   * district (pre-lodged declarations scheduled up to the lookahead ahead).
   */
  private drawAt = Infinity;
  private drawSeq = Infinity;
  private arriveAt = Infinity;
  private arriveSeq = Infinity;
  /**
   * Lodgements of declarations lodged before arrival, beside the calendar too: ~19,000 of the
   * ~20,000 events pending in a year of the district, each due within the lookahead. Merged with
   * the others by (time, number), as the next draw and the next arrival are.
   */
  private readonly lodgements: BucketQueue;

  constructor(
    readonly scenario: Scenario,
    readonly replication = 0,
    observer: RunObserver | null = null,
    /** Where the shipments come from (a draw thread's); by default drawn here. */
    shipments?: ShipmentSourceFactory,
  ) {
    const s = scenario;
    this.collector = new Collector(s);
    this.process = new ClearanceProcess(s, replication, { accounting: this.collector, observer, shipments });
    this.horizon = s.horizonDays * 24;
    this.start = this.process.start;
    this.calendar = new Calendar<Shipment>(4096, this.start);
    this.lodgements = new BucketQueue(this.process.model.lookahead);
    const from = s.warmupDays * 24;
    this.resources = s.stages.map(
      (st) =>
        new Resource<Shipment>(
          st.name,
          s.tiers.length,
          this.process.capacityAt(st.index, this.start),
          new StageIntegrator(from, this.horizon, this.start),
        ),
    );
    this.process.begin(this);
  }

  set observer(o: RunObserver | null) {
    this.process.observer = o;
  }

  get now(): number {
    return this.calendar.now;
  }

  get done(): boolean {
    return this.process.done;
  }

  get events(): number {
    return this.process.events;
  }

  get arrived(): number {
    return this.process.arrived;
  }

  get released(): number {
    return this.process.released;
  }

  get timeline(): Timeline | null {
    return this.process.timeline;
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
    const p = this.process;
    while (!p.done) {
      // the earliest of the calendar, the next draw, the next arrival and the next lodgement
      // before arrival; ties in scheduling order
      let t = cal.peekTime();
      let seq = cal.peekSeq();
      let kind = -1;
      if (this.drawAt < t || (this.drawAt === t && this.drawSeq < seq)) {
        t = this.drawAt;
        seq = this.drawSeq;
        kind = Wake.Generate;
      }
      if (this.arriveAt < t || (this.arriveAt === t && this.arriveSeq < seq)) {
        t = this.arriveAt;
        seq = this.arriveSeq;
        kind = Wake.Arrive;
      }
      const lq = this.lodgements;
      if (lq.headTime < t || (lq.headTime === t && lq.headSeq < seq)) {
        t = lq.headTime;
        kind = Wake.Lodge;
      }
      if (t > until) return false;
      if (kind === Wake.Generate) {
        this.drawAt = Infinity;
        cal.now = t;
        p.wake(Wake.Generate, null, 0);
      } else if (kind === Wake.Arrive) {
        this.arriveAt = Infinity;
        cal.now = t;
        this.movesPending--;
        p.wake(Wake.Arrive, null, 0);
      } else if (kind === Wake.Lodge) {
        const n = lq.headArg;
        lq.shift();
        cal.now = t;
        this.movesPending--;
        p.wake(Wake.Lodge, null, n);
      } else {
        if (!cal.pop()) throw this.stalled();
        const k = cal.kind;
        if (k >= Wake.Arrive && k <= Wake.Resume) this.movesPending--;
        if (k === Wake.ServiceEnd) this.serviceEnd(cal.ref as Shipment, cal.arg);
        else p.wake(k, cal.ref, cal.arg);
      }
      // nothing left that moves a shipment: only a stage opening again can, or the run is stuck
      if (this.movesPending === 0 && p.arrivalsDone && !p.done) this.checkProgress();
    }
    if (p.done) {
      for (const r of this.resources) r.advance(Math.max(cal.now, this.horizon));
      return true;
    }
    return false;
  }

  /** Simulated time of the next event (Infinity if none): a sliced run jumps to it. */
  get nextEventTime(): number {
    return Math.min(this.calendar.peekTime(), this.drawAt, this.arriveAt, this.lodgements.headTime);
  }

  /**
   * Shipments remain but no event that moves one is on the calendar: they all wait in stage
   * queues. Unless one of those stages opens again, the run would go on for ever through opening
   * hours alone; stop it with the stages named instead.
   */
  private checkProgress(): void {
    const now = this.calendar.now;
    // a stage found to open at `reopens` needs no new look before then (no quadratic scan)
    if (now < this.reopens) return;
    for (let i = 0; i < this.resources.length; i++) {
      if (this.resources[i].queued === 0) continue;
      const t = this.process.openAt(i, now);
      if (t < Infinity) {
        this.reopens = t;
        return;
      }
    }
    throw this.stalled();
  }

  /** The time a waiting stage opens again, as the last progress check found it. */
  private reopens = -Infinity;

  /**
   * No event is left, yet shipments are: they wait at stages that will never have a server again.
   * Validation keeps such scenarios out; this names the stages should one get through.
   */
  private stalled(): Error {
    const waiting = this.resources.flatMap((r, i) =>
      r.queued > 0 ? [`${r.queued} at ${this.scenario.stages[i].name} (servers now ${r.capacity})`] : [],
    );
    return new RunStalled(
      `the run cannot go on at simulated day ${(this.calendar.now / 24).toFixed(2)}: no event is left but ${this.process.inSystem} shipments are not released` +
        (waiting.length ? `: waiting ${waiting.join(', ')}; check stages.<stage>.servers, hours and disruptions' capacity` : ''),
    );
  }

  recordTimeline(points = 400): void {
    this.process.recordTimeline(points);
  }

  // ClearanceDriver

  schedule(t: number, wake: Wake, sh: Shipment | null, arg: number): void {
    if (wake === Wake.Generate) {
      this.drawAt = t;
      this.drawSeq = this.calendar.takeSeq();
      return;
    }
    if (wake >= Wake.Arrive && wake <= Wake.Resume) this.movesPending++;
    if (wake === Wake.Arrive) {
      this.arriveAt = t;
      this.arriveSeq = this.calendar.takeSeq();
      return;
    }
    // a lodgement before arrival comes as the shipment's number in the incoming queue, within the lookahead
    if (wake === Wake.Lodge && sh === null && t - this.calendar.now <= this.lodgements.span) {
      this.lodgements.push(t, this.calendar.takeSeq(), arg);
      return;
    }
    this.calendar.schedule(t, wake, sh, arg);
  }

  enqueue(sh: Shipment, stage: number): void {
    const res = this.resources[stage];
    const now = this.calendar.now;
    if (res.queued === 0 && res.hasFreeServer) this.startService(sh, stage, res, now);
    else {
      res.enqueue(sh, sh.tier, now);
      this.process.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity, this.calendar.now);
    }
  }

  setServers(stage: number, servers: number): void {
    const now = this.calendar.now;
    const res = this.resources[stage];
    res.setCapacity(servers, now);
    this.drain(stage, res, now);
    this.process.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity, this.calendar.now);
  }

  setPriority(on: boolean): void {
    for (const r of this.resources) r.priority = on;
  }

  /** Nothing to do: the process's Arrive wake finds the shipment waiting. */
  awaitGoods(): void {}

  release(sh: Shipment): void {
    this.process.recordRelease(sh, this.calendar.now);
    this.process.recycle(sh);
  }

  levels(stage: number): { queued: number; busy: number; capacity: number } {
    const r = this.resources[stage];
    return { queued: r.queued, busy: r.busy, capacity: r.capacity };
  }

  private startService(sh: Shipment, stage: number, res: Resource<Shipment>, now: number): void {
    res.startService(now);
    const d = this.process.startService(sh, stage, now);
    this.movesPending++;
    this.calendar.schedule(now + d, Wake.ServiceEnd, sh, stage);
    this.process.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity, this.calendar.now);
  }

  private serviceEnd(sh: Shipment, stage: number): void {
    const res = this.resources[stage];
    const now = this.calendar.now;
    res.endService(now);
    this.process.endService(sh, stage);
    this.drain(stage, res, now);
    this.process.observer?.stageChanged?.(stage, res.queued, res.busy, res.capacity, this.calendar.now);
  }

  private drain(stage: number, res: Resource<Shipment>, now: number): void {
    while (res.queued > 0 && res.hasFreeServer) {
      const next = res.dequeue(now) as Shipment;
      this.startService(next, stage, res, now);
    }
  }
}
