import { seedrandom } from '../vendor/seedrandom.js';

export type Uniform = () => number;

/**
 * seedrandom's alea stream for `seed`, the same numbers in the same order, with its state in a
 * typed array: seedrandom seeds it (Baagøe's Mash), this steps it. seedrandom's own step keeps the
 * state on an object and is too large a call to inline, so each draw boxed a double; this one is
 * small enough for the optimizer to inline where a shipment is drawn. test/model.test.ts holds
 * the two streams to each other.
 */
export function aleaStream(seed: string): Uniform {
  const init = (
    seedrandom.alea(seed, { state: true }) as unknown as { state(): { c: number; s0: number; s1: number; s2: number } }
  ).state();
  // s0, s1, s2, c
  const st = Float64Array.of(init.s0, init.s1, init.s2, init.c);
  return () => {
    const t = 2091639 * st[0] + st[3] * 2.3283064365386963e-10; // 2^-32
    st[0] = st[1];
    st[1] = st[2];
    st[3] = t | 0;
    st[2] = t - st[3];
    return st[2];
  };
}

/**
 * One independent alea stream per purpose, seeded from (scenario seed, replication, purpose).
 * Streams per purpose, rather than one shared stream, keep common random numbers intact when a
 * policy changes how many draws some other purpose needs.
 */
export class Streams {
  readonly arrivals: Uniform;
  readonly tier: Uniform;
  readonly noncompliance: Uniform;
  readonly lane: Uniform;
  readonly lodgement: Uniform;
  readonly lodgementTime: Uniform;
  readonly hold: Uniform;
  readonly guarantee: Uniform;
  readonly guaranteeDelay: Uniform;
  readonly value: Uniform;
  /** Which firm lodges the declaration (scenarios with firms only). */
  readonly firm: Uniform;
  /** Which trade flow a declaration belongs to; whether an export goes to an MRA partner; its destination clearance. */
  readonly flow: Uniform;
  readonly mra: Uniform;
  readonly destination: Uniform;
  /** Whether an import is released on a summary declaration; when its complete declaration follows. */
  readonly twoStep: Uniform;
  readonly completion: Uniform;
  /** Whether an arrival inside a window with an arrival multiplier below 1 happens (thinning). */
  readonly thinning: Uniform;
  readonly service: Uniform[];
  readonly detection: Uniform[];

  /**
   * `family` '' for the shipments of the arrival profile; 'surge:' for the extra arrivals of a
   * disruption with an arrival multiplier above 1, which draw from streams of their own so that
   * the profile's shipments stay those of the scenario without the surge.
   */
  constructor(seed: number, replication: number, stageNames: string[], family = '') {
    const s = (purpose: string): Uniform => aleaStream(`clearsim:${seed}:${replication}:${family}${purpose}`);
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
  }
}
