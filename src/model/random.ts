import { seedrandom } from '../vendor/seedrandom.js';

/**
 * seedrandom's alea stream for a seed, the same numbers in the same order, with its state in a
 * typed array: seedrandom seeds it (Baagøe's Mash), `next` steps it. seedrandom's own step keeps
 * the state on an object and is too large a call to inline, so each draw boxed a double.
 *
 * A class, not a closure: the optimiser inlines a method it knows the class of, but it did not
 * inline the closures a function returned (one per stream, from the same source: it found no
 * feedback to inline them by), so every draw was a call that returned its double boxed.
 * test/model.test.ts holds the two streams to each other.
 */
export class UniformStream {
  private readonly st: Float64Array;

  constructor(seed: string) {
    const init = (
      seedrandom.alea(seed, { state: true }) as unknown as { state(): { c: number; s0: number; s1: number; s2: number } }
    ).state();
    // s0, s1, s2, c
    this.st = Float64Array.of(init.s0, init.s1, init.s2, init.c);
  }

  /** The next uniform in [0, 1). */
  next(): number {
    const st = this.st;
    const t = 2091639 * st[0] + st[3] * 2.3283064365386963e-10; // 2^-32
    st[0] = st[1];
    st[1] = st[2];
    st[3] = t | 0;
    st[2] = t - st[3];
    return st[2];
  }
}

/**
 * The purposes a drawn shipment takes a uniform for (besides its stages' service and detection),
 * in the order of `Streams.draws`.
 */
export const enum Draw {
  Tier,
  Firm,
  Noncompliance,
  Lane,
  Lodgement,
  LodgementTime,
  Hold,
  Guarantee,
  GuaranteeDelay,
  Value,
  Flow,
  Mra,
  Destination,
  TwoStep,
  Completion,
  Count,
}

/**
 * One independent alea stream per purpose, seeded from (scenario seed, replication, purpose).
 * Streams per purpose, rather than one shared stream, keep common random numbers intact when a
 * policy changes how many draws some other purpose needs.
 */
export class Streams {
  readonly arrivals: UniformStream;
  readonly tier: UniformStream;
  readonly noncompliance: UniformStream;
  readonly lane: UniformStream;
  readonly lodgement: UniformStream;
  readonly lodgementTime: UniformStream;
  readonly hold: UniformStream;
  readonly guarantee: UniformStream;
  readonly guaranteeDelay: UniformStream;
  readonly value: UniformStream;
  /** Which firm lodges the declaration (scenarios with firms only). */
  readonly firm: UniformStream;
  /** Which trade flow a declaration belongs to; whether an export goes to an MRA partner; its destination clearance. */
  readonly flow: UniformStream;
  readonly mra: UniformStream;
  readonly destination: UniformStream;
  /** Whether an import is released on a summary declaration; when its complete declaration follows. */
  readonly twoStep: UniformStream;
  readonly completion: UniformStream;
  /** Whether an arrival inside a window with an arrival multiplier below 1 happens (thinning). */
  readonly thinning: UniformStream;
  readonly service: UniformStream[];
  readonly detection: UniformStream[];
  /**
   * The streams of `Draw`, by its order (the same objects as the fields): a shipment's draw
   * steps the ones its scenario reads in one loop, where a call site per stream spent the
   * optimiser's inlining budget after three of them and left the rest as calls.
   */
  readonly draws: UniformStream[];

  /**
   * `family` '' for the shipments of the arrival profile; 'surge:' for the extra arrivals of a
   * disruption with an arrival multiplier above 1, which draw from streams of their own so that
   * the profile's shipments stay those of the scenario without the surge.
   */
  constructor(seed: number, replication: number, stageNames: string[], family = '') {
    const s = (purpose: string) => new UniformStream(`clearsim:${seed}:${replication}:${family}${purpose}`);
    this.arrivals = s('arrivals');
    this.tier = s('tier');
    this.noncompliance = s('noncompliance');
    this.lane = s('lane');
    this.lodgement = s('lodgement');
    this.lodgementTime = s('lodgement-time');
    this.hold = s('hold');
    this.guarantee = s('guarantee');
    this.guaranteeDelay = s('guarantee-delay');
    this.value = s('value');
    this.firm = s('firm');
    this.flow = s('flow');
    this.mra = s('mra');
    this.destination = s('destination');
    this.twoStep = s('two-step');
    this.completion = s('completion');
    this.thinning = s('thinning');
    this.service = stageNames.map((n) => s(`service:${n}`));
    this.detection = stageNames.map((n) => s(`detection:${n}`));
    this.draws = [
      this.tier,
      this.firm,
      this.noncompliance,
      this.lane,
      this.lodgement,
      this.lodgementTime,
      this.hold,
      this.guarantee,
      this.guaranteeDelay,
      this.value,
      this.flow,
      this.mra,
      this.destination,
      this.twoStep,
      this.completion,
    ];
  }
}
