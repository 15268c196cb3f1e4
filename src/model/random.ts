import seedrandom from 'seedrandom';

export type Uniform = () => number;

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
  readonly service: Uniform[];
  readonly detection: Uniform[];

  constructor(seed: number, replication: number, stageNames: string[]) {
    const s = (purpose: string): Uniform => seedrandom.alea(`clearsim:${seed}:${replication}:${purpose}`) as Uniform;
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
    this.service = stageNames.map((n) => s(`service:${n}`));
    this.detection = stageNames.map((n) => s(`detection:${n}`));
  }
}
