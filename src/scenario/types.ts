import type { Distribution } from './distributions.js';

export const LANES = ['green', 'yellow', 'red', 'blue'] as const;
export type LaneName = (typeof LANES)[number];
export const enum Lane {
  Green = 0,
  Yellow = 1,
  Red = 2,
  Blue = 3,
}

export type PriorityMode = 'always' | 'disruption' | 'never';

export interface Tier {
  name: string;
  /** 0 = highest priority. */
  rank: number;
  label: string;
  aeo: boolean;
  traderShare: number | null;
  shipmentShare: number;
  value: Distribution | null;
  noncompliance: number;
  red: number;
  yellow: number;
  blue: number;
  preArrivalShare: number;
  guaranteeExempt: boolean;
}

export interface OpeningHours {
  /** Hours after midnight. */
  open: number;
  close: number;
  /** Monday first. */
  days: boolean[];
}

export interface StageSpec {
  name: string;
  index: number;
  /** Infinity for `unlimited` (a pure delay). */
  servers: number;
  service: Distribution;
  needsGoods: boolean;
  hours: OpeningHours | null;
  /** Probability a check at this stage finds a non-compliant shipment (0 when not a check). */
  detection: number;
}

export interface Disruption {
  name: string;
  /** Hours from the clock's start. */
  start: number;
  end: number;
  /** Multiplier of each stage's servers, by stage index (1 where not named): the file's `capacity`. */
  serverFactors: number[];
  /** Multiplier of the arrival rate over the window. */
  arrivals: number;
}

/** A validated scenario with every duration in hours: what the model and the runtimes read. */
export interface Scenario {
  name: string;
  description: string;
  seed: number;
  replications: number;
  horizonDays: number;
  warmupDays: number;
  arrivals: { perDay: number; hourly: number[]; weekly: number[] };
  tiers: Tier[];
  lodgement: { lead: Distribution; delay: Distribution };
  stages: StageSpec[];
  flow: { intake: number[]; lanes: number[][]; release: number[] };
  targetingLift: number;
  hold: Distribution;
  guarantee: { share: number; delay: Distribution; amountRate: number } | null;
  priority: { mode: PriorityMode; recovery: number };
  disruptions: Disruption[];
  /** The document as written (after overrides), for reports and for shipping to workers. */
  source: Record<string, unknown>;
}
