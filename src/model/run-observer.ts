import type { Shipment } from './shipment.js';

/**
 * What a live observer (metrics, traces) hears from a run. Times are simulated hours. Kept
 * to plain calls on the hot path; a run without an observer pays one null check per event.
 */
export interface RunObserver {
  arrived?(sh: Shipment, now: number): void;
  stageStarted?(sh: Shipment, stage: number, wait: number, now: number): void;
  checked?(sh: Shipment, stage: number, hit: boolean): void;
  released?(sh: Shipment, clearance: number, now: number): void;
  /** A stage's levels; NaN for one the caller does not know (a BullMQ coordinator cannot see busy servers). */
  /** `now`: the simulated time of the change, when the driver knows it (the embedded one does). */
  stageChanged?(stage: number, queued: number, busy: number, capacity: number, now?: number): void;
  disruption?(active: number, now: number): void;
  clock?(now: number): void;
}

/** Several observers as one (metrics and a trace at once); a single one is returned as it is. */
export function combineObservers(list: (RunObserver | null | undefined)[]): RunObserver | undefined {
  const obs = list.filter((o): o is RunObserver => !!o);
  if (obs.length <= 1) return obs[0];
  return {
    arrived: (sh, now) => {
      for (const o of obs) o.arrived?.(sh, now);
    },
    stageStarted: (sh, stage, wait, now) => {
      for (const o of obs) o.stageStarted?.(sh, stage, wait, now);
    },
    checked: (sh, stage, hit) => {
      for (const o of obs) o.checked?.(sh, stage, hit);
    },
    released: (sh, clearance, now) => {
      for (const o of obs) o.released?.(sh, clearance, now);
    },
    stageChanged: (stage, q, busy, cap, now) => {
      for (const o of obs) o.stageChanged?.(stage, q, busy, cap, now);
    },
    disruption: (active, now) => {
      for (const o of obs) o.disruption?.(active, now);
    },
    clock: (now) => {
      for (const o of obs) o.clock?.(now);
    },
  };
}
