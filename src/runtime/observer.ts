import type { Shipment } from '../model/shipment.js';

/**
 * What a live observer (metrics, traces) hears from a run. Times are simulated hours. Kept
 * to plain calls on the hot path; a run without an observer pays one null check per event.
 */
export interface RunObserver {
  arrived?(sh: Shipment, now: number): void;
  stageStarted?(sh: Shipment, stage: number, wait: number, now: number): void;
  checked?(sh: Shipment, stage: number, hit: boolean): void;
  released?(sh: Shipment, clearance: number, now: number): void;
  stageChanged?(stage: number, queued: number, busy: number, capacity: number): void;
  disruption?(active: number, now: number): void;
  clock?(now: number): void;
}
