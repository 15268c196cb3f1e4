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
 * in the order of `Streams.draws` and `DRAW_PURPOSES`.
 */
export const enum Draw {
  Tier,
  /** Which firm lodges the declaration (scenarios with firms only). */
  Firm,
  Noncompliance,
  Lane,
  /** Whether the declaration is lodged before arrival. */
  Lodgement,
  /** When it is lodged (the lead before arrival, or the delay after it). */
  LodgementTime,
  Hold,
  Guarantee,
  GuaranteeDelay,
  Value,
  /** Which trade flow a declaration belongs to. */
  Flow,
  /** Whether an export goes to an MRA partner. */
  Mra,
  /** An export's clearance at destination. */
  Destination,
  /** Whether an import is released on a summary declaration. */
  TwoStep,
  /** When its complete declaration follows. */
  Completion,
  Count,
}

/** The purpose each `Draw` stream is seeded with, in Draw's order. */
const DRAW_PURPOSES = [
  'tier',
  'firm',
  'noncompliance',
  'lane',
  'lodgement',
  'lodgement-time',
  'hold',
  'guarantee',
  'guarantee-delay',
  'value',
  'flow',
  'mra',
  'destination',
  'two-step',
  'completion',
];

/**
 * One independent alea stream per purpose, seeded from (scenario seed, replication, purpose).
 * Streams per purpose, rather than one shared stream, keep common random numbers intact when a
 * policy changes how many draws some other purpose needs.
 */
export class Streams {
  readonly arrivals: UniformStream;
  /** Whether an arrival inside a window with an arrival multiplier below 1 happens (thinning). */
  readonly thinning: UniformStream;
  readonly service: UniformStream[];
  readonly detection: UniformStream[];
  /**
   * A drawn shipment's streams, by `Draw`: its draw steps the ones its scenario reads in one
   * loop, where a call site per stream spent the optimiser's inlining budget after three of them
   * and left the rest as calls.
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
    this.thinning = s('thinning');
    this.service = stageNames.map((n) => s(`service:${n}`));
    this.detection = stageNames.map((n) => s(`detection:${n}`));
    this.draws = DRAW_PURPOSES.map(s);
  }
}
