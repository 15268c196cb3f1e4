import { FirmChoiceError, FirmPopulation } from '../model/firm-population.js';
import { show } from './schema.js';
import { type CompileContext, isObj, type Raw, SHARE_TOLERANCE } from './compile-context.js';
import type { Certification, Costs, FirmChoice, FirmRank, FirmSpec, Tier } from './types.js';

/** Tier keys that only mean something with a firms section, and v1 keys that a firms section replaces. */
const FIRM_TIER_KEYS = ['firms', 'firm_share', 'chosen_by', 'take', 'sectors'];
const SHARE_TIER_KEYS: [string, string][] = [
  ['shipment_share', "with a firms section, a tier's share of declarations follows from its firms: remove it"],
  ['value', 'with a firms section, declared values follow from the firms (firms.value): remove it'],
  ['trader_share', "with a firms section, give the tier's firms (a count) or firm_share instead"],
];

export const DEFAULT_COSTS: Costs = { timeCostPerDay: 0.01, guaranteeFeeRate: 0.01 };

/**
 * The firms section, the tiers' firm choices, the certifications and the costs: checked, and the
 * population drawn (from the seed alone) so that a tier or certification that asks for more firms
 * than are eligible is reported at its field. Tiers' shipment shares are then set to what their
 * firms are expected to lodge, so offered loads and work estimates read them as before.
 */
export function compileFirms(
  doc: Raw,
  tiers: Tier[],
  guaranteeShare: number,
  cx: CompileContext,
): { firms: FirmSpec | null; costs: Costs | null; population: FirmPopulation | null } {
  const { get, ok, shape, fail } = cx;
  const raw = get(['firms']);
  const rawTiers: Raw = isObj(doc.tiers) && shape(['tiers']) ? doc.tiers : {};
  const costs = compileCosts(doc, raw !== undefined, cx);
  if (raw === undefined) {
    for (const t of tiers) {
      const rt = rawTiers[t.name];
      if (!isObj(rt)) continue;
      for (const k of FIRM_TIER_KEYS)
        if (rt[k] !== undefined) fail(['tiers', t.name, k], 'needs a firms section (firms: count, size, value)');
      if (rt.shipment_share === undefined && ok(['tiers', t.name])) fail(['tiers', t.name, 'shipment_share'], 'is required');
    }
    if (get(['certifications']) !== undefined) fail(['certifications'], 'needs a firms section: certifications move firms between tiers');
    return { firms: null, costs, population: null };
  }
  if (!isObj(raw) || !shape(['firms'])) return { firms: null, costs, population: null };

  const count = typeof raw.count === 'number' ? raw.count : 0;
  const rawSectors = isObj(raw.sectors) && ok(['firms', 'sectors']) ? (raw.sectors as Record<string, number>) : { unspecified: 1 };
  const sectors = Object.entries(rawSectors).map(([name, share]) => ({ name, share }));
  const sectorSum = sectors.reduce((a, x) => a + x.share, 0);
  if (Math.abs(sectorSum - 1) > SHARE_TOLERANCE) fail(['firms', 'sectors'], `shares must sum to 1 (got ${+sectorSum.toFixed(6)})`);
  const sectorIndex = new Map(sectors.map((x, i) => [x.name, i]));
  const unknownSector = (path: (string | number)[], name: unknown) =>
    fail(path, `unknown sector ${show(name)} (sectors: ${sectors.map((x) => x.name).join(', ')})`);

  const choice = (path: (string | number)[], spec: Raw, n: number | null): FirmChoice => {
    const quotas: FirmChoice['quotas'] = [];
    if (isObj(spec.sectors) && ok([...path, 'sectors'])) {
      let sum = 0;
      for (const [name, share] of Object.entries(spec.sectors as Record<string, number>)) {
        const i = sectorIndex.get(name);
        if (i === undefined) unknownSector([...path, 'sectors', name], name);
        else quotas.push({ sector: i, share });
        sum += share;
      }
      if (sum > 1 + SHARE_TOLERANCE) fail([...path, 'sectors'], `quotas must not sum to more than 1 (got ${+sum.toFixed(6)})`);
    }
    let eligibleSectors: number[] | null = null;
    const el = spec.eligible;
    if (isObj(el) && Array.isArray(el.sectors) && ok([...path, 'eligible', 'sectors'])) {
      eligibleSectors = [];
      el.sectors.forEach((name: unknown, k: number) => {
        const i = sectorIndex.get(name as string);
        if (i === undefined) unknownSector([...path, 'eligible', 'sectors', k], name);
        else eligibleSectors?.push(i);
      });
    }
    return {
      count: n,
      rankBy: (spec.chosen_by as FirmRank | undefined) ?? 'value',
      take: spec.take ?? 'largest',
      quotas,
      sectors: eligibleSectors,
      maxNoncompliance: isObj(el) && typeof el.max_noncompliance === 'number' ? el.max_noncompliance : null,
    };
  };

  // tiers: a count, a share of the firms, or (one tier) the rest
  const tierChoices: FirmChoice[] = [];
  const restTiers: string[] = [];
  let counted = 0;
  for (const t of tiers) {
    const rt: Raw = isObj(rawTiers[t.name]) ? rawTiers[t.name] : {};
    for (const [k, why] of SHARE_TIER_KEYS) if (rt[k] !== undefined) fail(['tiers', t.name, k], why);
    if (rt.firms !== undefined && rt.firm_share !== undefined) fail(['tiers', t.name], 'give firms or firm_share, not both');
    const n = typeof rt.firms === 'number' ? rt.firms : typeof rt.firm_share === 'number' ? Math.round(rt.firm_share * count) : null;
    if (n === null) restTiers.push(t.name);
    else counted += n;
    tierChoices.push(choice(['tiers', t.name], rt, n));
  }
  if (restTiers.length > 1)
    fail(['tiers', restTiers[1], 'firms'], `only one tier can take the rest of the firms (${restTiers.join(' and ')} give no count)`);
  if (ok(['firms', 'count']) && counted > count)
    fail(['tiers'], `the tiers ask for ${counted} firms, more than the ${count} of firms.count`);
  if (restTiers.length === 0 && ok(['firms', 'count']) && counted < count && tiers.length > 0)
    fail(['tiers'], `the tiers hold ${counted} of the ${count} firms: give one tier no count, to take the rest`);

  const tierIndex = new Map(tiers.map((t, i) => [t.name, i]));
  const rawCerts = get(['certifications']);
  const certifications: Certification[] = (Array.isArray(rawCerts) && shape(['certifications']) ? rawCerts : []).map(
    (rc: unknown, k: number): Certification => {
      const c: Raw = isObj(rc) ? rc : {};
      const tierAt = (key: 'from' | 'to') => {
        const i = tierIndex.get(c[key]);
        if (i === undefined && typeof c[key] === 'string')
          fail(['certifications', k, key], `unknown tier ${show(c[key])} (tiers: ${tiers.map((t) => t.name).join(', ')})`);
        return i ?? 0;
      };
      const from = tierAt('from'),
        to = tierAt('to');
      if (c.from !== undefined && c.from === c.to) fail(['certifications', k, 'to'], 'must differ from from');
      return {
        name: typeof c.name === 'string' ? c.name : `${c.from}-to-${c.to}`,
        from,
        to,
        choice: choice(['certifications', k], c, typeof c.firms === 'number' ? c.firms : 0),
      };
    },
  );

  const firms: FirmSpec = {
    count,
    size: cx.dist(['firms', 'size'], false),
    value: cx.dist(['firms', 'value'], false),
    valueCv: typeof raw.value_cv === 'number' ? raw.value_cv : 1,
    sectors,
    complianceCv: typeof raw.compliance_cv === 'number' ? raw.compliance_cv : 1,
    guaranteeFirmShare: typeof raw.guarantee_firm_share === 'number' ? raw.guarantee_firm_share : 1,
    tiers: tierChoices,
    certifications,
  };
  if (cx.problems() > 0) return { firms, costs, population: null };
  if (!(firms.size.mean > 0)) {
    fail(['firms', 'size'], 'must have a mean above 0: firms are drawn by size');
    return { firms, costs, population: null };
  }
  let population: FirmPopulation;
  try {
    population = drawPopulation(firms, tiers, get(['seed']) ?? 0, guaranteeShare);
  } catch (e) {
    if (!(e instanceof FirmChoiceError)) throw e;
    const at = e.at;
    fail('tier' in at ? ['tiers', tiers[at.tier].name, 'firms'] : ['certifications', at.certification, 'firms'], e.message);
    return { firms, costs, population: null };
  }
  // The tiers' shares of declarations follow from their firms (expected, after certification),
  // and so does a tier's noncompliance: its firms' mean propensity, by expected declarations. The
  // lane tables are drawn up from it, so that `lanes.red` stays the tier's inspection rate
  // whichever firms it holds (a tier's rates are targets customs sets for the tier).
  const share = new Float64Array(tiers.length),
    nc = new Float64Array(tiers.length);
  for (let i = 0; i < population.count; i++) {
    share[population.tier[i]] += population.weight[i];
    nc[population.tier[i]] += population.weight[i] * population.noncompliance[i];
  }
  tiers.forEach((t, i) => {
    t.shipmentShare = share[i];
    if (share[i] > 0) t.noncompliance = nc[i] / share[i];
    t.traderShare = null;
    t.value = null;
  });
  return { firms, costs, population };
}

/**
 * Populations drawn lately, by everything they are drawn from: compare, sweep and the API compile
 * the same firms again and again (a population is a pure function of these, and never changed
 * once drawn), and drawing 16,700 firms costs several times the rest of a compile.
 */
const drawn = new Map<string, FirmPopulation>();
const DRAWN_MAX = 8;

function drawPopulation(spec: FirmSpec, tiers: Tier[], seed: number, guaranteeShare: number): FirmPopulation {
  const key = JSON.stringify([spec, tiers.map((t) => t.noncompliance), seed, guaranteeShare], (_k, v) =>
    v instanceof Object && 'quantile' in v ? [v.kind, v.a, v.b, v.c] : v,
  );
  const hit = drawn.get(key);
  if (hit) {
    drawn.delete(key); // most recent last
    drawn.set(key, hit);
    return hit;
  }
  const p = new FirmPopulation(spec, tiers, seed, guaranteeShare);
  drawn.set(key, p);
  if (drawn.size > DRAWN_MAX) drawn.delete(drawn.keys().next().value!);
  return p;
}

function compileCosts(doc: Raw, withFirms: boolean, cx: CompileContext): Costs | null {
  const raw = doc.costs;
  if (raw === undefined) return withFirms ? { ...DEFAULT_COSTS } : null;
  if (!isObj(raw) || !cx.shape(['costs'])) return null;
  return {
    timeCostPerDay: typeof raw.time_cost_per_day === 'number' ? raw.time_cost_per_day : DEFAULT_COSTS.timeCostPerDay,
    guaranteeFeeRate: typeof raw.guarantee_fee_rate === 'number' ? raw.guarantee_fee_rate : DEFAULT_COSTS.guaranteeFeeRate,
  };
}
