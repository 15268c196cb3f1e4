import { DistKind, Distribution } from '../scenario/distributions.js';
import type { FirmPopulation } from './firm-population.js';
import { Lane, type Scenario } from '../scenario/types.js';
import { laneTable, type LaneTable } from './risk.js';
import { buildRoutes, completionRoute, routeIndex, routeVariants, type Route } from './route.js';
import { Draw, type Streams } from './random.js';

/** Where Shipment.numbers keeps each scalar; the per-stage blocks start at `Scalars`. */
const enum Slot {
  DestinationHours,
  UCompletion,
  Arrival,
  Lodgement,
  Value,
  UHold,
  UGuaranteeDelay,
  EnqueuedAt,
  GuaranteeHours,
  HoldHours,
  Until,
  Scalars,
}

/** Shipment.numbers's per-stage blocks, in order, each `stageCount` long. */
const enum Block {
  ServiceUniform,
  Found,
  Service,
  Wait,
  Start,
  Count,
}

/** Index in Shipment.numbers of `stage`'s entry in `block`, for a shipment of `stages` stages. */
function slot(stages: number, block: Block, stage: number): number {
  return Slot.Scalars + block * stages + stage;
}

/** Doubles in a shipment's `numbers`: its scalars and every per-stage block. */
export const shipmentDoubles = (stageCount: number): number => slot(stageCount, Block.Count, 0);

/**
 * One customs declaration and its goods. Every random quantity is fixed as a uniform when the
 * shipment is drawn (common random numbers); service times are mapped from their uniforms when
 * it is drawn (for the stages of its route), the other durations when the shipment needs them.
 * Objects are recycled by the runtime, so fields are reset in `draw`.
 */
export class Shipment {
  // The fields here are small integers, flags and references. Its fractions (times, uniforms,
  // values) are in `numbers`, below, behind accessors of the same names.
  id = 0;
  /** The firm that lodged it (index into the scenario's firm population), or -1 in a scenario without firms. */
  firm = -1;
  /** Its trade flow (index into the scenario's flows; 0 without flows). */
  flow = 0;
  /** An export to an economy that recognises the district's AEOs (MRA). */
  mra = false;
  /** Released on a summary declaration (two-step): its complete declaration follows after release. */
  twoStep = false;
  /** This object is not a shipment but the complete declaration of a two-step one, lodged after its release. */
  completion = false;
  tier = 0;
  aeo = false;
  noncompliant = false;
  lane: Lane = Lane.Green;
  route!: Route;
  preLodged = false;
  needsGuarantee = false;
  /** Whether any check found non-compliance. */
  finding = false;

  // runtime state
  step = 0;
  goodsArrived = false;
  waitingForGoods = false;
  queueSeq = 0;
  observed = false;
  /** Released before the goods arrived: the release is recorded when they do, with clearance 0. */
  releasePending = false;
  /** Released (the runtime recycles the object only once its goods have arrived too). */
  released = false;
  /** Events of this shipment's own so far (lodgement, delays ended, services ended): see ClearanceProcess.events. */
  events = 0;
  readonly stageCount: number;
  /**
   * Every number of the shipment that is not a small integer, in one array of doubles: first
   * its scalars (`Slot`, read and written through the accessors below), then, by stage,
   * five blocks of `stageCount`: the service uniform; 1 where that check would find the
   * non-compliance (else 0); the service (hours, mapped from its uniform when the shipment is
   * drawn, for the stages of its route); the wait (hours, for segment breakdowns and traces); the
   * service's start (simulated hours), through the methods below.
   *
   * Why one array: shipments live long (from lodgement to release, days in the baseline), so
   * every one survives the young generation, and a year's cost is more memory than arithmetic
   * (measured when all ~25,000 drawn ahead of arrival were objects, before IncomingShipments). A double in a field is a pointer to a number object of its own (16 bytes more,
   * elsewhere in memory); five per-stage arrays were ten objects; a small typed array is three
   * (buffer, view, data). One array of doubles is two objects, its numbers side by side.
   */
  readonly numbers: number[];

  constructor(stageCount: number) {
    this.stageCount = stageCount;
    this.numbers = doubles(shipmentDoubles(stageCount));
  }

  /** Clearance at destination (hours; exports of a scenario with a destination section, else 0). */
  get destinationHours(): number {
    return this.numbers[Slot.DestinationHours];
  }
  set destinationHours(v: number) {
    this.numbers[Slot.DestinationHours] = v;
  }

  /** Uniform for when the complete declaration is lodged. */
  get uCompletion(): number {
    return this.numbers[Slot.UCompletion];
  }
  set uCompletion(v: number) {
    this.numbers[Slot.UCompletion] = v;
  }

  /** Hours from the clock's start. */
  get arrival(): number {
    return this.numbers[Slot.Arrival];
  }
  set arrival(v: number) {
    this.numbers[Slot.Arrival] = v;
  }

  get lodgement(): number {
    return this.numbers[Slot.Lodgement];
  }
  set lodgement(v: number) {
    this.numbers[Slot.Lodgement] = v;
  }

  get value(): number {
    return this.numbers[Slot.Value];
  }
  set value(v: number) {
    this.numbers[Slot.Value] = v;
  }

  get uHold(): number {
    return this.numbers[Slot.UHold];
  }
  set uHold(v: number) {
    this.numbers[Slot.UHold] = v;
  }

  get uGuaranteeDelay(): number {
    return this.numbers[Slot.UGuaranteeDelay];
  }
  set uGuaranteeDelay(v: number) {
    this.numbers[Slot.UGuaranteeDelay] = v;
  }

  get enqueuedAt(): number {
    return this.numbers[Slot.EnqueuedAt];
  }
  set enqueuedAt(v: number) {
    this.numbers[Slot.EnqueuedAt] = v;
  }

  /** Hours waited for the guarantee (-1 until the release phase is reached). */
  get guaranteeHours(): number {
    return this.numbers[Slot.GuaranteeHours];
  }
  set guaranteeHours(v: number) {
    this.numbers[Slot.GuaranteeHours] = v;
  }

  /** Hours held for a finding (-1 until all stages are done). */
  get holdHours(): number {
    return this.numbers[Slot.HoldHours];
  }
  set holdHours(v: number) {
    this.numbers[Slot.HoldHours] = v;
  }

  /** End of the current delay (hours), set by ShipmentModel.next. */
  get until(): number {
    return this.numbers[Slot.Until];
  }
  set until(v: number) {
    this.numbers[Slot.Until] = v;
  }

  serviceUniform(stage: number): number {
    return this.numbers[slot(this.stageCount, Block.ServiceUniform, stage)];
  }

  /** Whether the check at `stage` would find the non-compliance. */
  finds(stage: number): boolean {
    return this.numbers[slot(this.stageCount, Block.Found, stage)] === 1;
  }

  /** Hours waited in `stage`'s queue. */
  wait(stage: number): number {
    return this.numbers[slot(this.stageCount, Block.Wait, stage)];
  }

  /** Hours of service at `stage`. */
  service(stage: number): number {
    return this.numbers[slot(this.stageCount, Block.Service, stage)];
  }

  /** Simulated hour `stage`'s service started. */
  start(stage: number): number {
    return this.numbers[slot(this.stageCount, Block.Start, stage)];
  }

  /** A server of `stage` took it at `at`, after `wait` hours in the queue. */
  setStart(stage: number, wait: number, at: number): void {
    this.numbers[slot(this.stageCount, Block.Wait, stage)] = wait;
    this.numbers[slot(this.stageCount, Block.Start, stage)] = at;
  }

  setService(stage: number, hours: number): void {
    this.numbers[slot(this.stageCount, Block.Service, stage)] = hours;
  }
}

/**
 * A drawn shipment in compact form, for the shipments drawn ahead of their arrival (see
 * IncomingShipments): the doubles it holds when drawn (its scalars, service uniforms, findings
 * and services; the wait and start blocks are written only once it reaches a stage) side by
 * side in a Float64Array, and its small integers and flags in an Int32Array. Every field of
 * Shipment but `route` and `numbers`'s later blocks travels; the test of these functions compares
 * every own field, so a new one that does not fails it.
 */
export const packedDoubles = (stageCount: number): number => slot(stageCount, Block.Wait, 0);

/** The arrival of the shipment packed at `d[di]`. */
export const packedArrival = (d: Float64Array, di: number): number => d[di + Slot.Arrival];

/** Int32s of a packed shipment: id, firm, flow, tier, lane, step, queueSeq, events, flags. */
export const PACKED_INTS = 9;

const enum Flag {
  Mra = 1,
  TwoStep = 2,
  Completion = 4,
  Aeo = 8,
  Noncompliant = 16,
  PreLodged = 32,
  NeedsGuarantee = 64,
  Finding = 128,
  GoodsArrived = 256,
  WaitingForGoods = 512,
  Observed = 1024,
  ReleasePending = 2048,
  Released = 4096,
}

/** Writes `sh` at `d[di]` (packedDoubles of them) and `n[ni]` (PACKED_INTS). */
export function packShipment(sh: Shipment, d: Float64Array, di: number, n: Int32Array, ni: number): void {
  const num = sh.numbers;
  const len = packedDoubles(sh.stageCount);
  for (let i = 0; i < len; i++) d[di + i] = num[i];
  n[ni] = sh.id;
  n[ni + 1] = sh.firm;
  n[ni + 2] = sh.flow;
  n[ni + 3] = sh.tier;
  n[ni + 4] = sh.lane;
  n[ni + 5] = sh.step;
  n[ni + 6] = sh.queueSeq;
  n[ni + 7] = sh.events;
  n[ni + 8] =
    (sh.mra ? Flag.Mra : 0) |
    (sh.twoStep ? Flag.TwoStep : 0) |
    (sh.completion ? Flag.Completion : 0) |
    (sh.aeo ? Flag.Aeo : 0) |
    (sh.noncompliant ? Flag.Noncompliant : 0) |
    (sh.preLodged ? Flag.PreLodged : 0) |
    (sh.needsGuarantee ? Flag.NeedsGuarantee : 0) |
    (sh.finding ? Flag.Finding : 0) |
    (sh.goodsArrived ? Flag.GoodsArrived : 0) |
    (sh.waitingForGoods ? Flag.WaitingForGoods : 0) |
    (sh.observed ? Flag.Observed : 0) |
    (sh.releasePending ? Flag.ReleasePending : 0) |
    (sh.released ? Flag.Released : 0);
}

/** The shipment packed at `d[di]` and `n[ni]`, written into `sh` (recycled), on `route`. */
export function unpackShipment(sh: Shipment, route: Route, d: Float64Array, di: number, n: Int32Array, ni: number): Shipment {
  const num = sh.numbers;
  const len = packedDoubles(sh.stageCount);
  for (let i = 0; i < len; i++) num[i] = d[di + i];
  sh.route = route;
  sh.id = n[ni];
  sh.firm = n[ni + 1];
  sh.flow = n[ni + 2];
  sh.tier = n[ni + 3];
  sh.lane = n[ni + 4] as Lane;
  sh.step = n[ni + 5];
  sh.queueSeq = n[ni + 6];
  sh.events = n[ni + 7];
  const f = n[ni + 8];
  sh.mra = (f & Flag.Mra) !== 0;
  sh.twoStep = (f & Flag.TwoStep) !== 0;
  sh.completion = (f & Flag.Completion) !== 0;
  sh.aeo = (f & Flag.Aeo) !== 0;
  sh.noncompliant = (f & Flag.Noncompliant) !== 0;
  sh.preLodged = (f & Flag.PreLodged) !== 0;
  sh.needsGuarantee = (f & Flag.NeedsGuarantee) !== 0;
  sh.finding = (f & Flag.Finding) !== 0;
  sh.goodsArrived = (f & Flag.GoodsArrived) !== 0;
  sh.waitingForGoods = (f & Flag.WaitingForGoods) !== 0;
  sh.observed = (f & Flag.Observed) !== 0;
  sh.releasePending = (f & Flag.ReleasePending) !== 0;
  sh.released = (f & Flag.Released) !== 0;
  return sh;
}

/**
 * n zeros in an array that holds doubles unboxed from the start (no elements transition on the
 * first fraction written), and holds exactly n: an array grown by push keeps room for more (a
 * shipment's per-stage arrays had ~90 bytes of slack each, ~11 MB over the ~25,000 alive in the
 * baseline). A copy (slice) is allocated at its length.
 */
function doubles(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0.5);
  return a.slice().fill(0);
}

/** The lodgement time of the shipment packed at `d[di]`. */
export const packedLodgement = (d: Float64Array, di: number): number => d[di + Slot.Lodgement];

/** Whether the shipment packed at `n[ni]` is lodged before its arrival. */
export const packedPreLodged = (n: Int32Array, ni: number): boolean => (n[ni + 8] & Flag.PreLodged) !== 0;

/** The route of a shipment of this flow and lane, two-step or not, or of a complete declaration. */
function routeOf(model: ShipmentModel, flow: number, lane: Lane, twoStep: boolean, completion: boolean): Route {
  return completion ? model.completionRoute! : model.routes[routeIndex(flow, lane, twoStep ? 1 : 0, model.variants)];
}

/** The route of the shipment packed at `n[ni]` (as shipmentRoute). */
export function packedRoute(model: ShipmentModel, n: Int32Array, ni: number): Route {
  const f = n[ni + 8];
  return routeOf(model, n[ni + 2], n[ni + 4] as Lane, (f & Flag.TwoStep) !== 0, (f & Flag.Completion) !== 0);
}

/** The route a shipment is on, from its flow, lane and flags (a runtime that rebuilds a shipment from its numbers needs it). */
export function shipmentRoute(model: ShipmentModel, sh: Shipment): Route {
  return routeOf(model, sh.flow, sh.lane, sh.twoStep, sh.completion);
}

export const enum Next {
  /** Join the queue of stage route.stages[step]. */
  Stage,
  /** Wait until `until` (guarantee, findings hold), then ask again. */
  Delay,
  /** The next stage needs the goods: wait for arrival (`until`), then join it. */
  WaitForGoods,
  Release,
  /** Cleared before arrival: released when the goods arrive (`until`). */
  ReleaseOnArrival,
}

/** The pure model of who arrives and what happens to them; shared by both runtimes. */
export class ShipmentModel {
  /** By routeIndex(flow, lane). */
  readonly routes: Route[];
  /** By tier x flows + flow. */
  readonly lanes: LaneTable[];
  private readonly flowCount: number;
  /** Cumulative flow shares by tier (tier x flows + flow); null without flows. */
  private readonly flowCum: Float64Array | null;
  /** Pre-arrival share by tier x flows + flow. */
  private readonly preArrival: Float64Array;
  private readonly usesDestination: boolean;
  /** By flow: 1 where the flow's declarations never need a guarantee; null without flows. */
  private readonly noGuarantee: Uint8Array | null;
  /** Routes per (flow, lane): routeVariants. */
  readonly variants: number;
  /** The route of a complete declaration (two-step); null without two-step. */
  readonly completionRoute: Route | null;
  /** By lane: 1 where the lane's checks include the two-step stage; null without two-step. */
  private readonly reviewedLanes: Uint8Array | null;
  /** Two-step share by tier x flows + flow; null without two-step. */
  private readonly twoStepShare: Float64Array | null;
  private readonly mraShare: Float64Array;
  private readonly isExport: Uint8Array;
  private readonly tierCum: Float64Array;
  /**
   * How far ahead of arrival a declaration can be lodged (hours): the lead distribution's
   * 1 - 1e-6 quantile, so arrivals can be generated this far ahead. Leads beyond it (one in a
   * million) are truncated to it. 0 when no tier pre-lodges.
   */
  readonly lookahead: number;
  private readonly guaranteeShare: number;
  private readonly detection: Float64Array;
  private readonly warmup: number;
  private readonly needsGoods: boolean[];
  private readonly firms: FirmPopulation | null;
  /** The purposes (Draw) whose streams a shipment of this scenario reads, and where draw puts their uniforms. */
  private readonly drawn: Int32Array;
  private readonly uniforms = new Float64Array(Draw.Count);
  /** Spread of value between one firm's declarations (mean 1); null when every declaration is at its firm's mean. */
  private readonly withinFirmValue: Distribution | null;

  constructor(readonly scenario: Scenario) {
    this.routes = buildRoutes(scenario);
    const flows = scenario.flows;
    this.flowCount = Math.max(1, flows.length);
    const nf = this.flowCount;
    this.lanes = scenario.tiers.flatMap((t) =>
      Array.from({ length: nf }, (_, f) => laneTable(t, scenario.targetingLift, flows[f]?.redFactor ?? 1, flows[f]?.yellowFactor ?? 1)),
    );
    this.preArrival = Float64Array.from(
      scenario.tiers.flatMap((t, ti) => Array.from({ length: nf }, (_, f) => flows[f]?.preArrivalShare[ti] ?? t.preArrivalShare)),
    );
    if (flows.length) {
      this.flowCum = new Float64Array(scenario.tiers.length * nf);
      scenario.tiers.forEach((_, ti) => {
        let c = 0;
        flows.forEach((f, k) => {
          c += f.shares[ti];
          this.flowCum![ti * nf + k] = c;
        });
        this.flowCum![ti * nf + nf - 1] = Infinity; // shares sum to 1 within 1e-6
      });
    } else this.flowCum = null;
    this.mraShare = Float64Array.from({ length: nf }, (_, f) => flows[f]?.mraShare ?? 0);
    this.isExport = Uint8Array.from({ length: nf }, (_, f) => (flows[f]?.direction === 'export' ? 1 : 0));
    this.usesDestination = scenario.destination !== null;
    this.noGuarantee = flows.length ? Uint8Array.from(flows, (f) => (f.guarantee ? 0 : 1)) : null;
    this.variants = routeVariants(scenario);
    this.completionRoute = completionRoute(scenario);
    const ts = scenario.twoStep;
    this.reviewedLanes = ts ? Uint8Array.from(scenario.flow.lanes, (stages) => (stages.includes(ts.stage) ? 1 : 0)) : null;
    this.twoStepShare = scenario.twoStep
      ? Float64Array.from(scenario.tiers.flatMap((_, ti) => Array.from({ length: nf }, (_, f) => flows[f]?.twoStep[ti] ?? 0)))
      : null;
    let c = 0;
    this.tierCum = Float64Array.from(
      scenario.tiers.map((t) => {
        c += t.shipmentShare;
        return c;
      }),
    );
    this.tierCum[this.tierCum.length - 1] = Infinity; // shares sum to 1 within 1e-6; never fall off the end
    this.detection = Float64Array.from(scenario.stages.map((x) => x.detection));
    const usesHold = this.detection.some((d) => d > 0);
    let usesTier = scenario.tiers.length > 1;
    let usesNoncompliance = scenario.tiers.some((t) => t.noncompliance > 0);
    const usesLane = scenario.tiers.some((t) => t.red + t.yellow + t.blue > 0);
    const usesPreLodging = this.preArrival.some((x) => x > 0);
    const constant = (d: Distribution) => d.kind === DistKind.Constant;
    const usesLodgementTime = !(constant(scenario.lodgement.delay) && (!usesPreLodging || constant(scenario.lodgement.lead)));
    const usesGuarantee = scenario.guarantee !== null;
    this.guaranteeShare = scenario.guarantee?.share ?? 0;
    this.firms = scenario.population;
    const usesValue = scenario.tiers.some((t) => t.value !== null) || this.firms !== null;
    const cv = scenario.firms?.valueCv ?? 0;
    this.withinFirmValue = cv > 0 ? Distribution.lognormalMean(1, cv) : null;
    if (this.firms) {
      // with firms, a tier's noncompliance is its firms' own, and the tier stream is not read
      usesTier = false;
      usesNoncompliance = this.firms.noncompliance.some((x) => x > 0);
    }
    this.warmup = scenario.warmupDays * 24;
    this.needsGoods = scenario.stages.map((x) => x.needsGoods);
    this.lookahead = usesPreLodging ? scenario.lodgement.lead.quantile(1 - 1e-6) : 0;
    // each purpose: whether the scenario reads its stream, and the value draw uses when it does not
    const reads: [Draw, boolean, number][] = [
      [Draw.Tier, usesTier, 0],
      [Draw.Firm, this.firms !== null, 0],
      [Draw.Noncompliance, usesNoncompliance, 1],
      [Draw.Lane, usesLane, 1],
      [Draw.Lodgement, usesPreLodging, 1],
      [Draw.LodgementTime, usesLodgementTime, 0.5],
      [Draw.Hold, usesHold, 0],
      [Draw.Guarantee, usesGuarantee, 1],
      [Draw.GuaranteeDelay, usesGuarantee, 0],
      [Draw.Value, usesValue, 0],
      [Draw.Flow, this.flowCum !== null, 0],
      [Draw.Mra, this.usesDestination, 1],
      [Draw.Destination, this.usesDestination, 0],
      [Draw.TwoStep, this.twoStepShare !== null, 1],
      [Draw.Completion, this.twoStepShare !== null, 0],
    ];
    this.drawn = Int32Array.from(reads.filter(([, used]) => used).map(([d]) => d));
    // a purpose not drawn keeps its value for good: draw writes only the ones it draws
    for (const [d, used, unread] of reads) if (!used) this.uniforms[d] = unread;
  }

  /**
   * Draws a shipment's attributes. Every shipment consumes exactly one uniform from each stream,
   * whatever its tier and path, so the k-th shipment of two policy variants is the same shipment.
   */
  draw(sh: Shipment, st: Streams, id: number, arrival: number): Shipment {
    const s = this.scenario;
    const firms = this.firms;
    // Streams a scenario never reads are not drawn at all: each purpose has its own stream, so
    // skipping one whole stream leaves every other shipment's draws unchanged.
    const u = this.uniforms;
    const drawn = this.drawn,
      draws = st.draws;
    for (let k = 0; k < drawn.length; k++) u[drawn[k]] = draws[drawn[k]].next();
    const uTier = u[Draw.Tier];
    const firm = firms !== null ? firms.pick(u[Draw.Firm]) : -1;
    const uNc = u[Draw.Noncompliance];
    const uLane = u[Draw.Lane];
    const uPre = u[Draw.Lodgement];
    const uLodge = u[Draw.LodgementTime];
    sh.uHold = u[Draw.Hold];
    const uG = u[Draw.Guarantee];
    sh.uGuaranteeDelay = u[Draw.GuaranteeDelay];
    const uValue = u[Draw.Value];
    const uFlow = u[Draw.Flow];
    const uMra = u[Draw.Mra];
    const uDest = u[Draw.Destination];
    const uTwo = u[Draw.TwoStep];
    sh.uCompletion = u[Draw.Completion];
    const n = sh.stageCount;
    const num = sh.numbers;
    for (let i = 0; i < n; i++) num[slot(n, Block.ServiceUniform, i)] = st.service[i].next();

    let tier = 0;
    if (firms !== null) tier = firms.tier[firm];
    else while (uTier >= this.tierCum[tier]) tier++;
    const t = s.tiers[tier];
    const nf = this.flowCount;
    let flow = 0;
    if (this.flowCum !== null) while (uFlow >= this.flowCum[tier * nf + flow]) flow++;
    sh.id = id;
    sh.firm = firm;
    sh.flow = flow;
    sh.tier = tier;
    sh.aeo = t.aeo;
    sh.noncompliant = uNc < (firms !== null ? firms.noncompliance[firm] : t.noncompliance);
    const lt = this.lanes[tier * nf + flow];
    const cum = sh.noncompliant ? lt.noncompliant : lt.compliant;
    const lane = uLane < cum[0] ? Lane.Red : uLane < cum[1] ? Lane.Yellow : uLane < cum[2] ? Lane.Blue : Lane.Green;
    sh.lane = lane;
    sh.twoStep = this.twoStepShare !== null && uTwo < this.twoStepShare[tier * nf + flow];
    sh.completion = false;
    const route = this.routes[routeIndex(flow, lane, sh.twoStep ? 1 : 0, this.variants)];
    sh.route = route;
    sh.arrival = arrival;
    sh.preLodged = uPre < this.preArrival[tier * nf + flow];
    // exports' destination: drawn for every shipment when the scenario has one (common random numbers)
    sh.mra = this.isExport[flow] === 1 && uMra < this.mraShare[flow];
    sh.destinationHours =
      this.usesDestination && this.isExport[flow] === 1
        ? s.destination!.clearance.quantile(uDest) * (sh.mra && t.aeo ? s.destination!.mraFactor : 1)
        : 0;
    sh.lodgement = sh.preLodged
      ? arrival - Math.min(s.lodgement.lead.quantile(uLodge), this.lookahead)
      : arrival + s.lodgement.delay.quantile(uLodge) * (sh.twoStep ? s.twoStep!.lodgementFactor : 1);
    // a firm's value is its mean times the spread of its declarations; without firms, the tier's law
    sh.value =
      firms !== null
        ? firms.valueMean[firm] * (this.withinFirmValue ? this.withinFirmValue.quantile(uValue) : 1)
        : t.value
          ? t.value.quantile(uValue)
          : 0;
    sh.needsGuarantee =
      (this.noGuarantee === null || this.noGuarantee[flow] === 0) &&
      uG < (firms !== null ? firms.guaranteeShare[firm] : this.guaranteeShare);

    const det = this.detection;
    for (let i = 0; i < n; i++) num[slot(n, Block.Found, i)] = det[i] > 0 && st.detection[i].next() < det[i] && sh.noncompliant ? 1 : 0;
    // A finding counts only at a check the shipment actually passes.
    let finding = false;
    const stages = route.stages;
    for (let i = 0; i < stages.length; i++) if (num[slot(n, Block.Found, stages[i])] === 1) finding = true;
    sh.finding = finding;
    // Service times depend on the uniform and the stage's law only, so they are mapped here, where
    // a thread that draws shipments ahead (runtime/draw-thread.ts) takes the work off the run.
    for (let i = 0; i < stages.length; i++) {
      const st = stages[i];
      num[slot(n, Block.Service, st)] = s.stages[st].service.quantile(num[slot(n, Block.ServiceUniform, st)]);
    }

    sh.step = 0;
    sh.goodsArrived = false;
    sh.waitingForGoods = false;
    sh.enqueuedAt = 0;
    sh.until = 0;
    sh.guaranteeHours = -1;
    sh.holdHours = -1;
    sh.releasePending = false;
    sh.released = false;
    sh.events = 0;
    sh.observed = arrival >= this.warmup;
    return sh;
  }

  /** The service time at `stage` its uniform maps to (drawn shipments hold theirs: Shipment.service). */
  serviceTime(sh: Shipment, stage: number): number {
    return this.scenario.stages[stage].service.quantile(sh.serviceUniform(stage));
  }

  holdTime(sh: Shipment): number {
    return this.scenario.hold.quantile(sh.uHold);
  }

  /**
   * Whether a two-step shipment's complete declaration is reviewed by an officer at the two-step
   * stage: when its lane's checks include that stage (the check moved from before release to
   * after it). Others are accepted as lodged, without officer time.
   */
  reviewsCompletion(sh: Shipment): boolean {
    return this.reviewedLanes !== null && this.reviewedLanes[sh.lane] === 1;
  }

  /**
   * The complete declaration of a two-step shipment released at `releasedAt`, written into `item`:
   * lodged within the deadline after release, processed at the two-step stage with the service
   * uniform the shipment did not use there before release (common random numbers), then done.
   * Its id is the shipment's, negated (-1 - id), so no shipment id is taken.
   */
  completionOf(sh: Shipment, item: Shipment, releasedAt: number): Shipment {
    const ts = this.scenario.twoStep!;
    item.id = -1 - sh.id;
    item.firm = sh.firm;
    item.flow = sh.flow;
    item.tier = sh.tier;
    item.aeo = sh.aeo;
    item.noncompliant = false;
    item.lane = Lane.Green;
    item.route = this.completionRoute!;
    item.preLodged = false;
    // its "arrival" is the goods' release: what it is measured from (the goods were there before)
    item.arrival = releasedAt;
    item.lodgement = releasedAt + Math.min(ts.lodgedAfter.quantile(sh.uCompletion), ts.deadline);
    item.needsGuarantee = false;
    item.value = sh.value;
    item.uHold = 0;
    item.uGuaranteeDelay = 0;
    // the service uniforms, and no findings
    const n = sh.stageCount;
    for (let i = 0; i < n; i++) {
      item.numbers[slot(n, Block.ServiceUniform, i)] = sh.numbers[slot(n, Block.ServiceUniform, i)];
      item.numbers[slot(n, Block.Found, i)] = 0;
    }
    for (const st of item.route.stages) item.numbers[slot(n, Block.Service, st)] = this.serviceTime(item, st);
    item.finding = false;
    item.step = 0;
    item.goodsArrived = true;
    item.waitingForGoods = false;
    item.enqueuedAt = 0;
    item.until = 0;
    item.guaranteeHours = 0;
    item.holdHours = -1;
    item.releasePending = false;
    item.released = false;
    item.events = 0;
    item.observed = sh.observed;
    item.mra = false;
    item.destinationHours = 0;
    item.twoStep = false;
    item.completion = true;
    item.uCompletion = 0;
    return item;
  }

  /**
   * What a shipment does next from its current step, at simulated time `now`: both runtimes move
   * shipments with this, so the route logic exists once. Reaching the release phase draws the
   * guarantee delay; finishing the stages draws the findings hold; for a Delay, `sh.until` is when
   * it ends (and the shipment then asks again).
   */
  next(sh: Shipment, now: number): Next {
    const route = sh.route;
    if (sh.step === route.releaseStart && sh.guaranteeHours < 0) {
      const g = this.guaranteeDelay(sh);
      sh.guaranteeHours = g;
      if (g > 0) {
        sh.until = now + g;
        return Next.Delay;
      }
    }
    if (sh.step >= route.stages.length) {
      if (sh.finding && sh.holdHours < 0) {
        const h = this.holdTime(sh);
        sh.holdHours = h;
        if (h > 0) {
          sh.until = now + h;
          return Next.Delay;
        }
      }
      // Cleared before the goods arrived: released the moment they do (TRS clearance 0).
      if (sh.arrival > now) {
        sh.until = sh.arrival;
        return Next.ReleaseOnArrival;
      }
      return Next.Release;
    }
    if (this.needsGoods[route.stages[sh.step]] && sh.arrival > now) {
      sh.until = sh.arrival;
      return Next.WaitForGoods;
    }
    return Next.Stage;
  }

  /** Guarantee delay before the release phase; 0 when not needed or the tier is exempt. */
  guaranteeDelay(sh: Shipment): number {
    const g = this.scenario.guarantee;
    if (!g || !sh.needsGuarantee || this.scenario.tiers[sh.tier].guaranteeExempt) return 0;
    return g.delay.quantile(sh.uGuaranteeDelay);
  }

  /** Guarantee amount waived for this shipment (CNY): what an exempt tier would have had to lodge. */
  guaranteeWaived(sh: Shipment): number {
    const g = this.scenario.guarantee;
    if (!g || !sh.needsGuarantee || !this.scenario.tiers[sh.tier].guaranteeExempt) return 0;
    return sh.value * g.amountRate;
  }
}
