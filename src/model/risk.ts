import { LANES, type Scenario, type Tier } from '../scenario/types.js';

/**
 * Cumulative lane probabilities for one tier, separately for compliant and non-compliant
 * shipments: [P(red), P(red or yellow), P(red or yellow or blue)]. Targeting lift L makes a
 * non-compliant shipment L times as likely to go red (capped at 1); the compliant probability is
 * set so the tier's overall red rate stays r. Likewise for yellow among those not red. Blue is
 * drawn at random among the rest (post-clearance audit is not targeted at the border).
 */
export interface LaneTable {
  compliant: Float64Array;
  noncompliant: Float64Array;
}

/** `redFactor` and `yellowFactor`: a flow's multipliers of the tier's rates. */
export function laneTable(t: Tier, lift: number, redFactor = 1, yellowFactor = 1): LaneTable {
  const n = t.noncompliance,
    r = t.red * redFactor,
    y = t.yellow * yellowFactor,
    b = t.blue;
  const redNc = Math.min(1, r * lift);
  const redC = n < 1 ? clamp01((r - n * redNc) / (1 - n)) : 0;
  const notRed = 1 - r;
  const q = notRed > 0 ? y / notRed : 0; // yellow rate among those not red
  const nPrime = notRed > 0 ? (n * (1 - redNc)) / notRed : 0; // non-compliant share among those not red
  const yelNcCond = Math.min(1, q * lift);
  const yelCCond = nPrime < 1 ? clamp01((q - nPrime * yelNcCond) / (1 - nPrime)) : 0;
  const rest = 1 - r - y;
  const blueCond = rest > 0 ? Math.min(1, b / rest) : 0;
  const cum = (red: number, yelCond: number) => {
    const yellow = (1 - red) * yelCond;
    const blue = (1 - red - yellow) * blueCond;
    return Float64Array.of(red, red + yellow, red + yellow + blue);
  };
  return { compliant: cum(redC, yelCCond), noncompliant: cum(redNc, yelNcCond) };
}

function clamp01(x: number) {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * The probability of each lane (by Lane index: green, yellow, red, blue) for a shipment of this
 * tier, compliant or not: what offered loads and work estimates weigh routes by.
 */
export function laneShares(t: Tier, lift: number, redFactor = 1, yellowFactor = 1): number[] {
  const lt = laneTable(t, lift, redFactor, yellowFactor);
  // from the cumulative tables: [red, red+yellow, red+yellow+blue]
  const share = (cum: Float64Array) => [1 - cum[2], cum[1] - cum[0], cum[0], cum[2] - cum[1]];
  const c = share(lt.compliant);
  const n = share(lt.noncompliant);
  return c.map((x, lane) => (1 - t.noncompliance) * x + t.noncompliance * n[lane]);
}

/**
 * Every route's share of all declarations, by routeIndex(flow, lane): tiers' shipment shares x
 * their flow shares x the lane shares (with the flow's multipliers). What offered loads and work
 * estimates weigh routes by.
 */
export function routeShares(s: Scenario): Float64Array {
  const flows = s.flows.length ? s.flows : null;
  const nf = Math.max(1, s.flows.length),
    variants = s.twoStep ? 2 : 1;
  const out = new Float64Array(nf * variants * LANES.length);
  for (const [ti, t] of s.tiers.entries()) {
    for (let f = 0; f < nf; f++) {
      const fs = flows?.[f];
      const share = t.shipmentShare * (fs ? fs.shares[ti] : 1);
      if (share === 0) continue;
      const lanes = laneShares(t, s.targetingLift, fs?.redFactor ?? 1, fs?.yellowFactor ?? 1);
      const two = variants === 2 ? (fs?.twoStep[ti] ?? 0) : 0;
      for (let v = 0; v < variants; v++) {
        const p = share * (v === 1 ? two : 1 - two);
        for (let lane = 0; lane < lanes.length; lane++) out[(f * variants + v) * LANES.length + lane] += p * lanes[lane];
      }
    }
  }
  return out;
}

/**
 * Share of all declarations released on a summary declaration whose complete declaration an
 * officer reviews at the two-step stage after release (their lane's checks include it).
 */
export function twoStepShare(s: Scenario, shares: Float64Array = routeShares(s)): number {
  const ts = s.twoStep;
  if (!ts) return 0;
  let sum = 0;
  for (let i = 0; i < shares.length; i++) {
    const lane = i % LANES.length;
    if (Math.floor(i / LANES.length) % 2 === 1 && s.flow.lanes[lane].includes(ts.stage)) sum += shares[i];
  }
  return sum;
}
