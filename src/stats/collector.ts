import type { Shipment } from '../model/shipment.js';
import { LANES, Lane, type Scenario } from '../scenario/types.js';
import { FirmTally } from './firm-tally.js';
import { Summary, Within } from './summary.js';

export const WITHIN_HOURS = [1, 24, 48];

export class TierTally {
  count = 0;
  readonly clearance = new Summary();
  readonly within = new Within(WITHIN_HOURS);
  readonly lanes = LANES.map(() => 0);
  checked = 0;
  hits = 0;
  noncompliant = 0;
  detected = 0;
  value = 0;
  guaranteeWaived = 0;
  /** Guarantee amounts lodged (CNY): what a fee is paid on. */
  guaranteeLodged = 0;
  /** Sum of value x clearance hours: what the time cost of goods held is proportional to. */
  valueHours = 0;
  preLodged = 0;
}

/** One trade flow's released shipments (scenarios with flows). */
export class FlowTally {
  readonly clearance = new Summary();
  readonly within: Within;
  /** Lodgement to release: what a Time Release Study reports beside arrival to release. */
  readonly lodgementToRelease = new Summary();
  readonly aeo = new Summary();
  readonly nonAeo = new Summary();
  /** Exports' destination clearance: [AEO to an MRA partner, AEO elsewhere, non-AEO to an MRA partner, non-AEO elsewhere]. */
  readonly destination = [new Summary(), new Summary(), new Summary(), new Summary()];
  constructor(readonly thresholds: number[]) {
    this.within = new Within(thresholds);
  }
}

/** Two-step declaration: imports released on a summary declaration, and their complete declarations after release. */
export class TwoStepTally {
  /** Clearance of imports released on a summary declaration, and of the other imports. */
  readonly twoStep = new Summary();
  readonly full = new Summary();
  /** Complete declarations processed (observed): the wait and officer time at the stage, release to done. */
  readonly wait = new Summary();
  readonly service = new Summary();
  readonly afterRelease = new Summary();
  /** Complete declarations accepted without review (observed): those of green-lane shipments. */
  accepted = 0;
  /** Officer hours on complete declarations within the observation window: against the stage's busy hours there. */
  officerHours = 0;
}

/**
 * Everything a run observes about released shipments that arrived after warm-up, in O(1) memory
 * per tier, lane and stage. Time-weighted stage statistics live in the stage resources.
 */
export class Collector {
  readonly tiers: TierTally[];
  readonly lanes: Summary[];
  readonly stageService: Summary[];
  /** [stage][tier] */
  readonly stageWait: Summary[][];
  /** [disruption][tier]: shipments arriving in the disruption's window (start to end + recovery). */
  readonly disruptionClearance: Summary[][];
  /** [disruption][lane]: the same shipments by lane. */
  readonly disruptionLanes: Summary[][];
  private readonly windows: { from: number; to: number }[];
  /**
   * Arrival-to-release time split into TRS segments, summed per tier and per lane: lodgement,
   * each stage's wait and service, guarantee, hold, and waiting for the goods. Only time after the
   * goods arrive counts, so the segments of a shipment add up to its clearance time.
   */
  readonly segmentNames: string[];
  readonly segmentsByTier: Float64Array[];
  readonly segmentsByLane: Float64Array[];
  /** Mean clearance by hour of arrival, over the whole run (warm-up included): MSER-5's series. */
  readonly hourlySum: Float64Array;
  readonly hourlyCount: Float64Array;
  private readonly needsGoods: boolean[];
  /** By flow, in a scenario with flows (empty otherwise). */
  readonly flows: FlowTally[];
  private readonly hasDestination: boolean;
  /** With two-step declaration. */
  readonly twoStep: TwoStepTally | null;
  private readonly twoStepStage: number;
  private readonly windowFrom: number;
  private readonly windowTo: number;
  private readonly isImport: boolean[];
  /** Per-firm statistics, in a scenario with firms. */
  readonly firms: FirmTally | null;
  private readonly amountRate: number;
  private readonly exempt: boolean[];
  private readonly guaranteeSeg: number;
  private readonly holdSeg: number;
  private readonly goodsSeg: number;

  constructor(s: Scenario) {
    const nt = s.tiers.length;
    this.tiers = s.tiers.map(() => new TierTally());
    this.lanes = LANES.map(() => new Summary());
    this.stageService = s.stages.map(() => new Summary());
    this.stageWait = s.stages.map(() => Array.from({ length: nt }, () => new Summary()));
    this.windows = s.disruptions.map((d) => ({ from: d.start, to: d.end + s.priority.recovery }));
    this.disruptionClearance = s.disruptions.map(() => Array.from({ length: nt }, () => new Summary()));
    this.disruptionLanes = s.disruptions.map(() => LANES.map(() => new Summary()));
    this.needsGoods = s.stages.map((st) => st.needsGoods);
    this.firms = s.population ? new FirmTally(s.population.count) : null;
    this.flows = s.flows.map((f) => new FlowTally([...new Set([...WITHIN_HOURS, ...f.within])].sort((a, b) => a - b)));
    this.hasDestination = s.destination !== null;
    this.twoStep = s.twoStep ? new TwoStepTally() : null;
    this.twoStepStage = s.twoStep?.stage ?? 0;
    this.windowFrom = s.warmupDays * 24;
    this.windowTo = s.horizonDays * 24;
    this.isImport = s.flows.map((f) => f.direction === 'import');
    this.amountRate = s.guarantee?.amountRate ?? 0;
    this.exempt = s.tiers.map((t) => t.guaranteeExempt);
    this.segmentNames = [
      'lodgement',
      ...s.stages.flatMap((st) => [`${st.name}_wait`, `${st.name}_service`]),
      'guarantee',
      'hold',
      'goods_wait',
    ];
    this.guaranteeSeg = 1 + 2 * s.stages.length;
    this.holdSeg = this.guaranteeSeg + 1;
    this.goodsSeg = this.segmentNames.length - 1;
    this.segmentsByTier = s.tiers.map(() => new Float64Array(this.segmentNames.length));
    this.segmentsByLane = LANES.map(() => new Float64Array(this.segmentNames.length));
    const hours = Math.ceil(s.horizonDays * 24);
    this.hourlySum = new Float64Array(hours);
    this.hourlyCount = new Float64Array(hours);
  }

  /**
   * Splits a released shipment's time into segments in the order it lived them, counting only
   * what falls after the goods arrived, straight into its tier's and lane's sums.
   * Returns the hours accounted for.
   */
  private split(sh: Shipment, guaranteeHours: number, holdHours: number): number {
    this.byT = this.segmentsByTier[sh.tier];
    this.byL = this.segmentsByLane[sh.lane];
    this.counted = 0;
    this.arrival = sh.arrival;
    this.cursor = sh.lodgement;
    if (this.cursor > this.arrival) this.put(0, this.cursor - this.arrival);
    const route = sh.route,
      stages = route.stages;
    for (let k = 0; k <= stages.length; k++) {
      if (k === route.releaseStart) this.add(this.guaranteeSeg, guaranteeHours);
      if (k === stages.length) break;
      const st = stages[k];
      // a physical check cannot start before the goods arrive: its queue begins at arrival
      if (this.needsGoods[st] && this.cursor < this.arrival) this.cursor = this.arrival;
      this.add(1 + 2 * st, sh.wait(st));
      this.add(2 + 2 * st, sh.service(st));
    }
    this.add(this.holdSeg, holdHours);
    return this.counted;
  }

  private cursor = 0;
  private arrival = 0;
  private counted = 0;
  private byT!: Float64Array;
  private byL!: Float64Array;

  /** Lays a segment of duration d at the cursor; counts the part after arrival. */
  private add(i: number, d: number): void {
    const t = this.cursor,
      a = t > this.arrival ? t : this.arrival,
      b = t + d;
    if (b > a) this.put(i, b - a);
    this.cursor = b;
  }

  private put(i: number, hours: number): void {
    this.byT[i] += hours;
    this.byL[i] += hours;
    this.counted += hours;
  }

  stageStart(sh: Shipment, stage: number, wait: number): void {
    if (sh.observed) this.stageWait[stage][sh.tier].record(wait);
  }

  serviceEnd(sh: Shipment, stage: number, duration: number): void {
    if (sh.observed) this.stageService[stage].record(duration);
  }

  completionAccepted(sh: Shipment): void {
    if (this.twoStep !== null && sh.observed) this.twoStep.accepted++;
  }

  /** A two-step shipment's complete declaration processed at `at`. */
  completion(sh: Shipment, at: number): void {
    const t = this.twoStep;
    if (t === null) return;
    const st = this.twoStepStage;
    // officer time inside the observation window, as the stage's busy hours are counted
    const a = Math.max(sh.start(st), this.windowFrom),
      b = Math.min(sh.start(st) + sh.service(st), this.windowTo);
    if (b > a) t.officerHours += b - a;
    if (!sh.observed) return;
    t.wait.record(sh.wait(st));
    t.service.record(sh.service(st));
    // a complete declaration's arrival is its goods' release (see ShipmentModel.completionOf)
    t.afterRelease.record(at - sh.arrival);
  }

  /** A shipment released; `clearance` is arrival to release, 0 if released before arrival. */
  release(sh: Shipment, clearance: number, guaranteeHours: number, holdHours: number, waived: number): void {
    const h = Math.floor(sh.arrival);
    if (h >= 0 && h < this.hourlySum.length) {
      this.hourlySum[h] += clearance;
      this.hourlyCount[h]++;
    }
    if (!sh.observed) return;
    const counted = this.split(sh, guaranteeHours, holdHours);
    // what the stages do not account for after arrival: the wait for goods a needs_goods stage had
    if (clearance - counted > 1e-9) {
      const rest = clearance - counted;
      this.segmentsByTier[sh.tier][this.goodsSeg] += rest;
      this.segmentsByLane[sh.lane][this.goodsSeg] += rest;
    }
    const t = this.tiers[sh.tier];
    t.count++;
    t.clearance.record(clearance);
    t.within.record(clearance);
    t.lanes[sh.lane]++;
    if (sh.route.checked) {
      t.checked++;
      if (sh.finding) t.hits++;
    }
    if (sh.noncompliant) {
      t.noncompliant++;
      if (sh.finding) t.detected++;
    }
    t.value += sh.value;
    t.valueHours += sh.value * clearance;
    t.guaranteeWaived += waived;
    const lodged = sh.needsGuarantee && !this.exempt[sh.tier] ? sh.value * this.amountRate : 0;
    t.guaranteeLodged += lodged;
    if (this.flows.length > 0) {
      const f = this.flows[sh.flow];
      f.clearance.record(clearance);
      f.within.record(clearance);
      f.lodgementToRelease.record(sh.arrival + clearance - sh.lodgement);
      (sh.aeo ? f.aeo : f.nonAeo).record(clearance);
      if (this.hasDestination && sh.destinationHours > 0) f.destination[(sh.aeo ? 0 : 2) + (sh.mra ? 0 : 1)].record(sh.destinationHours);
      if (this.twoStep !== null && this.isImport[sh.flow]) (sh.twoStep ? this.twoStep.twoStep : this.twoStep.full).record(clearance);
    }
    if (this.firms !== null) this.firms.record(sh.firm, clearance, sh.value, sh.lane === Lane.Red, waived, lodged);
    if (sh.preLodged) t.preLodged++;
    this.lanes[sh.lane].record(clearance);
    const w = this.windows;
    for (let i = 0; i < w.length; i++) {
      if (sh.arrival >= w[i].from && sh.arrival < w[i].to) {
        this.disruptionClearance[i][sh.tier].record(clearance);
        this.disruptionLanes[i][sh.lane].record(clearance);
      }
    }
  }
}
