import type { FirmPopulation } from '../model/firm-population.js';
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
  /** Share of declarations: given (v1), or with firms the expected share of its firms' declarations. */
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

/** What a firm choice ranks firms by: expected annual value, expected declarations, or a lottery. */
export type FirmRank = 'value' | 'declarations' | 'random';

/**
 * How a tier or a certification picks its firms: `count` of them (null: every firm left, for the
 * one tier that takes the rest), the largest or smallest by `rankBy`, among the eligible.
 */
export interface FirmChoice {
  count: number | null;
  rankBy: FirmRank;
  take: 'largest' | 'smallest';
  /** Sector quotas, as shares of the firms chosen (sector index); the rest come from sectors not named. */
  quotas: { sector: number; share: number }[];
  /** Eligible sectors (indices); null: any. */
  sectors: number[] | null;
  /** Eligible only at or below this noncompliance propensity; null: any. */
  maxNoncompliance: number | null;
}

/** A certification policy: move `choice.count` firms from one tier to another (a lower one: decertify). */
export interface Certification {
  name: string;
  from: number;
  to: number;
  choice: FirmChoice;
}

/**
 * The district's traders (the scenario's optional `firms` section): drawn once per seed from
 * their own streams, then given tiers by `tiers` and moved by `certifications`.
 */
export interface FirmSpec {
  count: number;
  /** Declarations per year, relative: rescaled so the firms together lodge the arrivals' declarations. */
  size: Distribution;
  /** A firm's mean declared value per declaration (CNY). */
  value: Distribution;
  /** Coefficient of variation of value between one firm's declarations (lognormal, mean 1). */
  valueCv: number;
  sectors: { name: string; share: number }[];
  /** Coefficient of variation of the noncompliance propensity around the tier's (lognormal, mean 1). */
  complianceCv: number;
  /** Share of firms that lodge guarantees at all; the scenario's guarantee.share stays the share of declarations. */
  guaranteeFirmShare: number;
  /** By tier index. */
  tiers: FirmChoice[];
  certifications: Certification[];
}

/** What a planner weighs a benefit in (CNY): the time cost of goods held, and bank fees on guarantees lodged. */
export interface Costs {
  /** Share of the goods' value that a day of clearance costs (Hummels and Schaur 2013: 0.6-2.3%). */
  timeCostPerDay: number;
  /** Fee on a guarantee lodged, as a share of its amount. */
  guaranteeFeeRate: number;
}

export type Direction = 'import' | 'export';
export const DIRECTIONS: Direction[] = ['import', 'export'];

/**
 * A trade flow (the scenario's optional `flows` section): a direction and a transport mode, its
 * share of each tier's declarations, the port handling its goods pass before customs checks, and
 * how its declarations differ from their tier's (lane rates, pre-arrival lodging).
 */
export interface FlowSpec {
  name: string;
  index: number;
  direction: Direction;
  mode: string;
  /** Share of each tier's declarations (by tier index); over the flows they sum to 1 per tier. */
  shares: number[];
  /** Port or terminal handling stages (indices), passed after intake and before the lane's stages. */
  handling: number[];
  /** Multipliers of the tier's red and yellow rates. */
  redFactor: number;
  yellowFactor: number;
  /** Pre-arrival lodging share by tier index (the tier's own unless the flow sets it). */
  preArrivalShare: number[];
  /** Hours for "released within N" (besides 1, 24 and 48). */
  within: number[];
  /** Exports only: share going to economies that recognise the district's AEOs (MRA). */
  mraShare: number;
  /** Whether its declarations can need a guarantee (exports pay no import duty). */
  guarantee: boolean;
  /** Imports only: share of each tier's declarations (by tier index) released on a summary declaration (two-step). */
  twoStep: number[];
}

/**
 * Two-step declaration (GACC, from 2019): goods released on a summary declaration skip the
 * pre-release check at `stage`; their complete declaration is lodged after release (within the
 * deadline) and takes officer time at that stage, competing with everything else there.
 */
export interface TwoStepSpec {
  stage: number;
  /** Release to the complete declaration's lodgement (hours), capped at `deadline`. */
  lodgedAfter: Distribution;
  deadline: number;
  /** A summary declaration is prepared in this fraction of a complete one's lodgement delay. */
  lodgementFactor: number;
}

/** Exports' clearance at destination (reported apart from domestic clearance). */
export interface DestinationSpec {
  clearance: Distribution;
  /** An AEO's export to an MRA partner: destination clearance times this (APEC 2020: 0.2-0.7). */
  mraFactor: number;
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
  /** Trade flows; empty for a scenario without a flows section (one undifferentiated stream). */
  flows: FlowSpec[];
  /** Exports' destination clearance; null when no flow has MRA exports. */
  destination: DestinationSpec | null;
  /** Two-step declaration; null when no flow uses it. */
  twoStep: TwoStepSpec | null;
  /** The firm population's spec; null for a scenario of tier shares only (v1). */
  firms: FirmSpec | null;
  /** Cost parameters: given, or the defaults when the scenario has firms; null otherwise. */
  costs: Costs | null;
  /** The firms drawn from `firms` and the seed (tiers and certifications applied); null without firms. */
  population: FirmPopulation | null;
  /** The document as written (after overrides), for reports and for shipping to workers. */
  source: Record<string, unknown>;
}
