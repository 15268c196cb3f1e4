import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { UsageError } from '../errors.js';
import { firmId } from '../model/firm-population.js';
import type { Shipment } from '../model/shipment.js';
import type { RunObserver } from '../model/run-observer.js';
import type { Scenario } from '../scenario/types.js';
import { LANES } from '../scenario/types.js';

/**
 * One row per released shipment, to CSV or JSON Lines (by the file's extension), streamed: rows
 * are buffered for one slice of the run, then written out; the run awaits `flush()` between
 * slices, so a long run never holds its trace in memory. Times are simulated hours from Monday 00:00.
 */
export class TraceWriter implements RunObserver {
  private readonly out: WriteStream;
  private readonly jsonl: boolean;
  private buf = '';
  private readonly stages: string[];
  private readonly tiers: string[];
  /** With firms, a `firm` column after `id` (absent otherwise, so a v1 scenario's trace is as it was). */
  private readonly firms: boolean;
  /** With flows, a `flow` column after `tier` (absent otherwise). */
  private readonly flows: string[] | null;
  private replication = 0;
  /** The stream's first error (a directory of that name, a full disk): thrown by the next flush or close. */
  private failure?: NodeJS.ErrnoException;
  rows = 0;

  constructor(
    readonly file: string,
    scenario: Scenario,
  ) {
    this.jsonl = /\.jsonl$/i.test(file);
    this.out = createWriteStream(file);
    // Kept for flush/close to throw: as an unhandled 'error' event it would crash the run mid-way.
    this.out.on('error', (err) => {
      this.failure ??= err;
    });
    this.stages = scenario.stages.map((s) => s.name);
    this.tiers = scenario.tiers.map((t) => t.name);
    this.firms = scenario.population !== null;
    this.flows = scenario.flows.length ? scenario.flows.map((f) => f.name) : null;
    this.visited = new Uint8Array(this.stages.length);
    if (!this.jsonl) {
      const cols = [
        'replication',
        'id',
        ...(this.firms ? ['firm'] : []),
        'tier',
        ...(this.flows ? ['flow'] : []),
        'lane',
        'arrival_h',
        'lodgement_h',
        'pre_lodged',
        ...this.stages.flatMap((s) => [`${s}_start_h`, `${s}_end_h`]),
        'guarantee_h',
        'hold_h',
        'release_h',
        'clearance_h',
        'noncompliant',
        'finding',
      ];
      this.buf = `${cols.join(',')}\n`;
    }
  }

  /** Rows that follow belong to replication r. */
  startReplication(r: number): void {
    this.replication = r;
  }

  private readonly visited: Uint8Array;

  released(sh: Shipment, clearance: number, now: number): void {
    const visited = this.visited;
    visited.fill(0);
    for (let i = 0; i < sh.route.stages.length; i++) visited[sh.route.stages[i]] = 1;
    const g = sh.guaranteeHours > 0 ? sh.guaranteeHours : 0,
      h = sh.holdHours > 0 ? sh.holdHours : 0;
    if (this.jsonl) {
      const stages: Record<string, { start: number; end: number }> = {};
      for (let i = 0; i < visited.length; i++)
        if (visited[i]) stages[this.stages[i]] = { start: sh.start(i), end: sh.start(i) + sh.service(i) };
      this.buf += `${JSON.stringify({
        replication: this.replication,
        id: sh.id,
        ...(this.firms ? { firm: firmId(sh.firm) } : {}),
        tier: this.tiers[sh.tier],
        ...(this.flows ? { flow: this.flows[sh.flow] } : {}),
        lane: LANES[sh.lane],
        arrival: sh.arrival,
        lodgement: sh.lodgement,
        pre_lodged: sh.preLodged,
        stages,
        guarantee: g,
        hold: h,
        release: now,
        clearance,
        noncompliant: sh.noncompliant,
        finding: sh.finding,
      })}\n`;
    } else {
      let row = `${this.replication},${sh.id},${this.firms ? `${firmId(sh.firm)},` : ''}${this.tiers[sh.tier]},${this.flows ? `${this.flows[sh.flow]},` : ''}${LANES[sh.lane]},${num(sh.arrival)},${num(sh.lodgement)},${sh.preLodged ? 1 : 0}`;
      for (let i = 0; i < this.stages.length; i++) row += visited[i] ? `,${num(sh.start(i))},${num(sh.start(i) + sh.service(i))}` : ',,';
      row += `,${num(g)},${num(h)},${num(now)},${num(clearance)},${sh.noncompliant ? 1 : 0},${sh.finding ? 1 : 0}\n`;
      this.buf += row;
    }
    this.rows++;
  }

  /** Writes out the buffer; waits for the file to drain when it is behind. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = '';
    if (!this.out.write(chunk)) await this.until('drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await this.until('finish');
  }

  /** Waits for the stream's event; a failed stream never sends it, so its error is thrown instead. */
  private async until(event: 'drain' | 'finish'): Promise<void> {
    this.throwIfFailed();
    // once() rejects with the stream's 'error', which the listener above has kept in this.failure.
    await once(this.out, event).catch(() => undefined);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    const err = this.failure;
    if (err) throw new UsageError(`--trace ${this.file}: cannot write (${err.code ?? err.message})`);
  }
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(6));
