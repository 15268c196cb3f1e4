import type { Shipment } from '../model/shipment.js';
import type { Scenario } from '../scenario/types.js';
import { Summary, Within } from './summary.js';

export const WITHIN_HOURS = [1, 24, 48];

export class TierTally {
  count = 0;
  readonly clearance = new Summary();
  readonly within = new Within(WITHIN_HOURS);
  readonly lanes = [0, 0, 0, 0];
  checked = 0;
  hits = 0;
  noncompliant = 0;
  detected = 0;
  value = 0;
  guaranteeWaived = 0;
  guaranteeNeeded = 0;
  preLodged = 0;
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
  private readonly windows: { from: number; to: number }[];
  /** Mean segment hours accumulated per tier: lodgement wait, guarantee, hold (TRS breakdown). */
  readonly segments: { lodgement: number; guarantee: number; hold: number }[];

  constructor(s: Scenario) {
    const nt = s.tiers.length;
    this.tiers = s.tiers.map(() => new TierTally());
    this.lanes = [0, 1, 2, 3].map(() => new Summary());
    this.stageService = s.stages.map(() => new Summary());
    this.stageWait = s.stages.map(() => Array.from({ length: nt }, () => new Summary()));
    this.windows = s.disruptions.map((d) => ({ from: d.start, to: d.end + s.priority.recovery }));
    this.disruptionClearance = s.disruptions.map(() => Array.from({ length: nt }, () => new Summary()));
    this.segments = s.tiers.map(() => ({ lodgement: 0, guarantee: 0, hold: 0 }));
  }

  stageStart(sh: Shipment, stage: number, wait: number): void {
    if (sh.observed) this.stageWait[stage][sh.tier].record(wait);
  }

  serviceEnd(sh: Shipment, stage: number, duration: number): void {
    if (sh.observed) this.stageService[stage].record(duration);
  }

  /** A shipment released; `clearance` is arrival to release, 0 if released before arrival. */
  release(sh: Shipment, clearance: number, guaranteeHours: number, holdHours: number, waived: number): void {
    if (!sh.observed) return;
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
    t.guaranteeWaived += waived;
    if (sh.needsGuarantee) t.guaranteeNeeded++;
    if (sh.preLodged) t.preLodged++;
    const seg = this.segments[sh.tier];
    seg.lodgement += sh.preLodged ? 0 : sh.lodgement - sh.arrival;
    seg.guarantee += guaranteeHours;
    seg.hold += holdHours;
    this.lanes[sh.lane].record(clearance);
    const w = this.windows;
    for (let i = 0; i < w.length; i++) if (sh.arrival >= w[i].from && sh.arrival < w[i].to) this.disruptionClearance[i][sh.tier].record(clearance);
  }
}
