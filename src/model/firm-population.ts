import { Distribution } from '../scenario/distributions.js';
import type { FirmChoice, FirmSpec, Tier } from '../scenario/types.js';
import { UniformStream } from './random.js';

/** Why a tier or a certification could not get the firms it asks for (compile turns this into a scenario error). */
export class FirmChoiceError extends Error {
  constructor(
    /** Which choice: the tier's index, or the certification's (after the tiers). */
    readonly at: { tier: number } | { certification: number },
    message: string,
  ) {
    super(message);
  }
}

/**
 * The district's traders, drawn once per scenario seed from streams of their own (never the
 * replication's), so two scenarios that differ in policy have the same firms, and the k-th
 * shipment of both belongs to the same firm (common random numbers at firm level). Columns, one
 * entry per firm; a firm's id is its index.
 */
export class FirmPopulation {
  readonly count: number;
  /** Expected share of all declarations (sums to 1). */
  readonly weight: Float64Array;
  /** Mean declared value per declaration (CNY). */
  readonly valueMean: Float64Array;
  readonly sector: Uint16Array;
  /** Compliance score in (0, 1): the uniform behind the firm's propensity (low: more compliant). */
  readonly complianceScore: Float64Array;
  /** Probability that a declaration of this firm is non-compliant. */
  readonly noncompliance: Float64Array;
  /** Probability that a declaration of this firm needs a guarantee. */
  readonly guaranteeShare: Float64Array;
  /** Tier as the scenario's tiers assign it, before any certification. */
  readonly baseTier: Uint16Array;
  /** Tier after the certifications: the one its shipments are treated as. */
  readonly tier: Uint16Array;
  /** Index of the certification that last moved the firm, or -1. */
  readonly movedBy: Int16Array;
  /** Firms each certification moved, in the order chosen. */
  readonly moved: Int32Array[];
  /** A uniform per firm for `random` choices: the same lottery in every scenario of the seed. */
  private readonly lottery: Float64Array;
  // Walker's alias table: one uniform picks a firm by weight in O(1). Built on the first pick:
  // validating a scenario draws its firms (the tiers' shares follow from them) but picks none.
  private aliasProb: Float64Array | null = null;
  private alias: Int32Array | null = null;

  constructor(spec: FirmSpec, tiers: Tier[], seed: number, guaranteeShare: number) {
    const n = spec.count;
    this.count = n;
    const stream = (purpose: string) => new UniformStream(`clearsim:${seed}:firms:${purpose}`);
    const size = stream('size'),
      value = stream('value'),
      sector = stream('sector'),
      compliance = stream('compliance'),
      guarantee = stream('guarantee'),
      lottery = stream('lottery');
    this.weight = new Float64Array(n);
    this.valueMean = new Float64Array(n);
    this.sector = new Uint16Array(n);
    this.complianceScore = new Float64Array(n);
    this.noncompliance = new Float64Array(n);
    this.guaranteeShare = new Float64Array(n);
    this.baseTier = new Uint16Array(n);
    this.tier = new Uint16Array(n);
    this.movedBy = new Int16Array(n).fill(-1);
    this.lottery = new Float64Array(n);
    const sectorCum = cumulative(spec.sectors.map((x) => x.share));
    // the need is a firm's trait: guarantee.share stays the share of declarations that need one
    const perDeclaration = spec.guaranteeFirmShare > 0 ? Math.min(1, guaranteeShare / spec.guaranteeFirmShare) : 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // every firm takes one uniform from each stream, so a change to one attribute's law moves no other
      const w = spec.size.quantile(size.next());
      this.weight[i] = w;
      total += w;
      this.valueMean[i] = spec.value.quantile(value.next());
      const us = sector.next();
      let k = 0;
      while (k < sectorCum.length - 1 && us >= sectorCum[k]) k++;
      this.sector[i] = k;
      this.complianceScore[i] = compliance.next();
      this.guaranteeShare[i] = guarantee.next() < spec.guaranteeFirmShare ? perDeclaration : 0;
      this.lottery[i] = lottery.next();
    }
    for (let i = 0; i < n; i++) this.weight[i] /= total;

    // tiers: those with a count in the file's order, from the firms not yet taken; one takes the rest
    const free = new Uint8Array(n).fill(1);
    let rest = -1;
    spec.tiers.forEach((choice, t) => {
      if (choice.count === null) {
        rest = t;
        return;
      }
      const chosen = this.choose(choice, (i) => free[i] === 1, null, { tier: t }, `tier ${tiers[t].name}`);
      for (const i of chosen) {
        free[i] = 0;
        this.baseTier[i] = t;
      }
    });
    for (let i = 0; i < n; i++) {
      if (free[i] === 1) {
        if (rest < 0) throw new FirmChoiceError({ tier: 0 }, 'the tiers leave firms without a tier');
        this.baseTier[i] = rest;
      }
    }
    // a propensity around the tier's rate: what the firm is, whatever tier it is moved to later
    const spread = spec.complianceCv > 0 ? Distribution.lognormalMean(1, spec.complianceCv) : null;
    for (let i = 0; i < n; i++) {
      const m = spread ? spread.quantile(this.complianceScore[i]) : 1;
      this.noncompliance[i] = Math.min(1, tiers[this.baseTier[i]].noncompliance * m);
    }
    this.tier.set(this.baseTier);
    this.moved = spec.certifications.map((c, k) => {
      const chosen = this.choose(
        c.choice,
        (i) => this.tier[i] === c.from,
        c.choice.maxNoncompliance,
        { certification: k },
        `certification ${c.name}`,
      );
      for (const i of chosen) {
        this.tier[i] = c.to;
        this.movedBy[i] = k;
      }
      return Int32Array.from(chosen);
    });
  }

  /** The firm a declaration belongs to, by size, from one uniform in [0, 1). */
  pick(u: number): number {
    if (this.aliasProb === null) this.buildAlias();
    const x = u * this.count;
    const i = x | 0;
    return x - i < this.aliasProb![i] ? i : this.alias![i];
  }

  private buildAlias(): void {
    const { prob, alias } = aliasTable(this.weight);
    this.aliasProb = prob;
    this.alias = alias;
  }

  /** A firm's expected annual declared value, relative (what `value` ranks by). */
  expectedValue(i: number): number {
    return this.weight[i] * this.valueMean[i];
  }

  /**
   * The firms a choice takes from the candidates: quotas by sector first, then the rest from the
   * sectors not named, each the largest (or smallest) by its ranking.
   */
  private choose(
    c: FirmChoice,
    candidate: (i: number) => boolean,
    maxNoncompliance: number | null,
    at: FirmChoiceError['at'],
    what: string,
  ): number[] {
    const count = c.count ?? 0;
    const key = c.rankBy === 'value' ? this.valueKey() : c.rankBy === 'declarations' ? this.weight : this.lottery;
    const largest = c.take === 'largest';
    const named = new Set(c.quotas.map((q) => q.sector));
    const bySector = new Map<number, number[]>(c.quotas.map((q) => [q.sector, []]));
    const others: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (!candidate(i)) continue;
      if (c.sectors !== null && !c.sectors.includes(this.sector[i])) continue;
      if (maxNoncompliance !== null && this.noncompliance[i] > maxNoncompliance) continue;
      (named.has(this.sector[i]) ? bySector.get(this.sector[i])! : others).push(i);
    }
    const chosen: number[] = [];
    let quotaTotal = 0;
    for (const q of c.quotas) {
      const want = Math.min(count - quotaTotal, Math.round(q.share * count));
      quotaTotal += want;
      const got = best(bySector.get(q.sector)!, want, key, largest);
      if (got.length < want)
        throw new FirmChoiceError(at, `${what} asks for ${want} firms of its sector quota but only ${got.length} are eligible`);
      chosen.push(...got);
    }
    const rest = best(others, count - quotaTotal, key, largest);
    if (rest.length < count - quotaTotal)
      throw new FirmChoiceError(at, `${what} asks for ${count} firms but only ${quotaTotal + rest.length} are eligible`);
    chosen.push(...rest);
    return chosen;
  }

  private valueKeys: Float64Array | null = null;
  private valueKey(): Float64Array {
    if (this.valueKeys === null) {
      const k = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) k[i] = this.weight[i] * this.valueMean[i];
      this.valueKeys = k;
    }
    return this.valueKeys;
  }
}

/**
 * The k best candidates by key (largest or smallest first; ties by id, so the choice is the same
 * on every machine). A numeric sort of the keys finds the k-th key, then only the candidates at or
 * past it are ordered: a tier of 100 among 16,700 firms costs one typed-array sort, not a comparator sort.
 */
function best(cands: number[], k: number, key: Float64Array, largest: boolean): number[] {
  if (k <= 0 || cands.length === 0) return [];
  let pool = cands;
  if (k < cands.length) {
    const vals = new Float64Array(cands.length);
    for (let j = 0; j < cands.length; j++) vals[j] = key[cands[j]];
    vals.sort();
    const edge = largest ? vals[vals.length - k] : vals[k - 1];
    pool = cands.filter((i) => (largest ? key[i] >= edge : key[i] <= edge));
  }
  pool.sort((a, b) => (largest ? key[b] - key[a] : key[a] - key[b]) || a - b);
  return pool.slice(0, k);
}

/** A firm's id as reports and files show it: F00001 for the first. */
export function firmId(i: number): string {
  return `F${String(i + 1).padStart(5, '0')}`;
}

function cumulative(shares: number[]): Float64Array {
  const out = new Float64Array(shares.length);
  let c = 0;
  for (let i = 0; i < shares.length; i++) {
    c += shares[i];
    out[i] = c;
  }
  if (out.length) out[out.length - 1] = Infinity; // shares sum to 1 within 1e-6; never fall off the end
  return out;
}

/** Vose's alias method: for each slot, the probability of keeping it and the firm it otherwise stands for. */
function aliasTable(weight: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = weight.length;
  const prob = new Float64Array(n),
    alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = weight[i] * n;
  const small: number[] = [],
    large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
  while (small.length && large.length) {
    const s = small.pop()!,
      l = large[large.length - 1];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) {
      large.pop();
      small.push(l);
    }
  }
  for (const i of large) {
    prob[i] = 1;
    alias[i] = i;
  }
  for (const i of small) {
    prob[i] = 1; // rounding leftovers: keep the slot
    alias[i] = i;
  }
  return { prob, alias };
}
