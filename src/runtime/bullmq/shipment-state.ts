import { Shipment, type ShipmentModel } from '../../model/shipment.js';

/**
 * A shipment as a BullMQ job carries it: every draw and every time so far, so that any worker
 * process can move it on with the same pure model the embedded runtime uses.
 */
export interface ShipmentState {
  id: number;
  tier: number;
  nc: boolean;
  lane: number;
  pre: boolean;
  arrival: number;
  lodgement: number;
  guarantee: boolean;
  value: number;
  uHold: number;
  uGuaranteeDelay: number;
  uService: number[];
  found: number[];
  finding: boolean;
  step: number;
  guaranteeHours: number;
  holdHours: number;
  waits: number[];
  services: number[];
  starts: number[];
  /** Simulated hour the shipment joined its current stage's queue. */
  enqueuedAt: number;
  /** Jobs this shipment has had so far: job ids and exactly-once marks are `${id}.${hop}`. */
  hop: number;
  observed: boolean;
  /** Largest lag seen so far (simulated hours a delayed step started late). */
  lag: number;
}

export function toState(sh: Shipment, hop: number, lag = 0): ShipmentState {
  return {
    id: sh.id, tier: sh.tier, nc: sh.noncompliant, lane: sh.lane, pre: sh.preLodged, arrival: sh.arrival,
    lodgement: sh.lodgement, guarantee: sh.needsGuarantee, value: sh.value, uHold: sh.uHold,
    uGuaranteeDelay: sh.uGuaranteeDelay, uService: Array.from(sh.uService), found: Array.from(sh.found),
    finding: sh.finding, step: sh.step, guaranteeHours: sh.guaranteeHours, holdHours: sh.holdHours,
    waits: Array.from(sh.waits), services: Array.from(sh.services), starts: Array.from(sh.starts), enqueuedAt: sh.enqueuedAt, hop, observed: sh.observed, lag,
  };
}

export function fromState(model: ShipmentModel, st: ShipmentState, sh = new Shipment(model.scenario.stages.length)): Shipment {
  const s = model.scenario;
  sh.id = st.id;
  sh.tier = st.tier;
  sh.aeo = s.tiers[st.tier].aeo;
  sh.noncompliant = st.nc;
  sh.lane = st.lane;
  sh.route = model.routes[st.lane];
  sh.preLodged = st.pre;
  sh.arrival = st.arrival;
  sh.lodgement = st.lodgement;
  sh.needsGuarantee = st.guarantee;
  sh.value = st.value;
  sh.uHold = st.uHold;
  sh.uGuaranteeDelay = st.uGuaranteeDelay;
  sh.uService.set(st.uService);
  sh.found.set(st.found);
  sh.finding = st.finding;
  sh.step = st.step;
  sh.guaranteeHours = st.guaranteeHours;
  sh.holdHours = st.holdHours;
  sh.waits.set(st.waits);
  sh.services.set(st.services);
  sh.starts.set(st.starts);
  sh.enqueuedAt = st.enqueuedAt;
  sh.observed = st.observed;
  sh.goodsArrived = false;
  sh.releasePending = false;
  sh.released = false;
  return sh;
}
