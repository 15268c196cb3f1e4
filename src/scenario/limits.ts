/**
 * The limits of an accepted scenario (docs/scenario-format.md, "Limits"): past them a value is
 * absurd, or a run would not finish (an endless drain, an unbounded lookahead, a number that
 * overflows), or reading the input would cost more than it is worth. The schema
 * (scenarios/schema.json) holds those it can say; these are the rest, and the ones the loader and
 * the API share.
 */

/** A scenario file or text: 1 MiB (a scenario is a few kB). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Mappings and lists inside one another (a scenario needs 5). */
export const MAX_NESTING = 32;

/** Problems listed for one scenario; the rest are counted ("... and N more"). */
export const MAX_ISSUES = 50;

/** Any duration written in a scenario: 10 years (3650d). */
export const MAX_DURATION_HOURS = 3650 * 24;

/**
 * The tail checked of every distribution: its 1 - 1e-6 quantile (one draw in a million is above
 * it). For a duration it must be at most MAX_DURATION_HOURS, for lodgement.lead at most
 * MAX_LOOKAHEAD_HOURS.
 */
export const TAIL_QUANTILE = 1 - 1e-6;

/** lodgement.lead's 1 - 1e-6 quantile: how far ahead of its arrival a shipment is drawn, at most 30 days. */
export const MAX_LOOKAHEAD_HOURS = 30 * 24;

/**
 * The default work budget of a run: estimated simulated events over all its replications (and
 * every scenario of a compare or sweep). A simulated year of chongqing-2023 is about 2.3 million
 * events (about 5 s here); 50 million take a minute or two.
 */
export const DEFAULT_MAX_EVENTS = 50_000_000;

/**
 * A stage's mean offered load (demanded over available server-time, as `clearsim validate`
 * prints it): at most 1000 (100,000%). Above 1 its queue grows through the horizon and the run
 * drains it afterwards, for about horizon x load: past this the drain is the whole run.
 */
export const MAX_OFFERED_LOAD = 1000;

/** The simulated span of a run, horizon and drain (horizon days x the largest offered load): at most 100 years, the horizon's own limit. */
export const MAX_SPAN_DAYS = 36500;
